"""``rateshop agency``: agencies and their members, and the renewal check a scheduler runs."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rateshop.config import settings
from rateshop.errors import RateshopError

# The store and the agency's services are imported by the commands themselves: every other
# command of the command line (``rateshop quote`` …) starts without them.

# Days before expiry a policy is up for renewal (rateshop.services.agency.renewals.DEFAULT_DAYS;
# a test holds the two together).
DEFAULT_DAYS = 45

agency_app = typer.Typer(help="Agencies, their members, and renewals.", no_args_is_help=True)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``agency`` group to the ``rateshop`` command line."""
    app.add_typer(agency_app, name="agency")


def _fail(message: str) -> typer.Exit:
    errors.print(Text(message, style="red"), highlight=False)
    return typer.Exit(2)


@agency_app.command("create")
def create(
    name: Annotated[
        str, typer.Argument(help="The agency's name, as shoppers and proposals show it.")
    ],
    licence: Annotated[str, typer.Option(help="The agency's licence number.")],
) -> None:
    """Create an agency in RATESHOP_DATABASE_URL."""
    from rateshop.services.agency import Desk
    from rateshop.store import upgrade
    from rateshop.store.database import connect

    config = settings()
    upgrade(config.database_url)
    engine = connect(config.database_url)
    try:
        made = Desk.over(engine, config).agencies.create_agency(name, licence)
    except RateshopError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    console.print(
        f"created agency {made.id}: {made.name} (licence {made.licence})", highlight=False
    )


@agency_app.command("member")
def member(
    agency: Annotated[str, typer.Argument(help="The agency's name.")],
    username: Annotated[str, typer.Argument(help="A user made with `rateshop user create`.")],
    role: Annotated[
        str, typer.Option(help="agent, or admin (sees and assigns everything).")
    ] = "agent",
) -> None:
    """Make a user an agent or admin of an agency."""
    from sqlalchemy import select

    from rateshop.services.agency import Desk
    from rateshop.store import upgrade
    from rateshop.store.accounts import UserRow
    from rateshop.store.database import connect

    config = settings()
    upgrade(config.database_url)
    engine = connect(config.database_url)
    try:
        desk = Desk.over(engine, config)
        found = desk.agencies.agency_named(agency)
        with desk.agencies.transaction() as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
        if user_id is None:
            raise _fail(f"no user is named {username!r}")
        desk.agencies.add_member(found.id, user_id, role)
    except RateshopError as exc:
        raise _fail(str(exc)) from exc
    finally:
        engine.dispose()
    console.print(f"{username} is now {role} of {found.name}", highlight=False)


@agency_app.command("renewals")
def renewals(
    days: Annotated[
        int, typer.Option(min=1, max=366, help="Policies expiring within this many days.")
    ] = DEFAULT_DAYS,
    threshold: Annotated[
        str, typer.Option(help="Flag when another carrier is cheaper by more than this percent.")
    ] = "5",
    today: Annotated[
        str, typer.Option(help="Run as of this date (YYYY-MM-DD); default today.")
    ] = "",
) -> None:
    """Re-rate every agency's policies nearing expiry; flag those another carrier now beats.

    Meant for a scheduler (daily, say): each policy is rated on its renewal date against the
    manuals then in force, the comparison filed with the client, and the result kept for the
    agency's renewal list. Exits 0 when every policy was checked, 1 when some could not be.
    """
    from rateshop.services.agency import Desk
    from rateshop.services.agency.renewals import check_renewals
    from rateshop.services.runtime import Runtime

    try:
        share = Decimal(threshold) / 100
        as_of = dt.date.fromisoformat(today) if today else dt.date.today()
    except (InvalidOperation, ValueError) as exc:
        raise _fail("give --threshold as a percent (5) and --today as YYYY-MM-DD") from exc
    config = settings()
    rt = Runtime.start(config)
    try:
        desk = Desk.over(rt.store.engine, config)
        outcomes = asyncio.run(check_renewals(rt, desk, as_of, days, share))
    finally:
        rt.close()
    table = Table("policy", "client", "carrier", "expires", "now", "cheapest other", "flag")
    for o in outcomes:
        c = o.check
        table.add_row(
            str(o.renewal.policy.id),
            o.renewal.client.reference,
            o.renewal.policy.carrier,
            o.renewal.policy.expiry.isoformat(),
            "" if c is None or c.current_cents is None else f"{c.current_cents / 100:,.2f}",
            ""
            if c is None or c.best_cents is None
            else f"{c.best_carrier} {c.best_cents / 100:,.2f}",
            o.problem or ("CHEAPER ELSEWHERE" if c and c.flagged else "ok"),
        )
    console.print(table)
    flagged = sum(1 for o in outcomes if o.check and o.check.flagged)
    console.print(f"{len(outcomes)} policies checked, {flagged} flagged", highlight=False)
    if any(o.problem for o in outcomes):
        raise typer.Exit(1)
