"""The ``rateshop`` command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rateshop.agency_cli import register as register_agency_commands
from rateshop.analysis_cli import register as register_analysis_commands
from rateshop.carriers.cli import register as register_carrier_commands
from rateshop.compare.connectors import Connector
from rateshop.compare.default import market_registry
from rateshop.compare.market import RATING_ORDER, Market
from rateshop.compare.nearest import Substitution
from rateshop.compare.outcomes import LiveQuote
from rateshop.compare.ranking import Ranking, admits, present
from rateshop.compare.registry import Registry
from rateshop.compare.service import Answer, Comparison, collect, request_facts, stream
from rateshop.compare.tips import Tip, ideas, tips_async
from rateshop.config import settings
from rateshop.errors import ManualError, ManualNotFound, RiskError
from rateshop.manual_cli import register as register_manual_commands
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate as rate_risk
from rateshop.rating.summary import key_text, summarise
from rateshop.risk.problems import read_risk
from rateshop.risk.questions import LINES

app = typer.Typer(
    help="rateshop: compare insurance quotes rated from carriers' rate manuals.",
    no_args_is_help=True,
)
register_manual_commands(app)
register_carrier_commands(app)
register_agency_commands(app)
register_analysis_commands(app)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    """An error on standard error in red; its text is never read as markup (a path, a field)."""
    errors.print(Text(message, style="red"), highlight=False)


def _read_risk(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        errors.print(f"{path}: the JSON nests too deep to be a risk", markup=False)
        raise typer.Exit(2) from None
    except (OSError, ValueError) as exc:
        _fail(f"cannot read risk {path}: {exc}")
        raise typer.Exit(2) from exc
    if not isinstance(data, dict):
        _fail(f"{path}: a risk must be a JSON object")
        raise typer.Exit(2)
    return data


def _pick_plan(manual: Path, risk: dict[str, Any], as_of: str | None) -> Plan:
    try:
        lib = Library.load(manual)
    except ManualError as exc:
        _fail("the manual has problems:")
        for p in exc.problems:
            errors.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(1) from exc
    if not len(lib):
        _fail(f"no manual.yaml found at or below {manual}")
        raise typer.Exit(2)
    groups = {entry.group for entry in lib.entries()}
    # a folder holding several lines or states: the risk says which one it is for
    for key, index in (("line", 1), ("state", 2)):
        wanted = risk.get(key)
        if len(groups) > 1 and isinstance(wanted, str):
            groups = {g for g in groups if g[index] in (wanted, wanted.upper())}
    if len(groups) > 1:
        names = ", ".join("/".join(g) for g in sorted(groups))
        _fail(f"{manual} holds several manuals ({names}); point at one")
        raise typer.Exit(2)
    if not groups:
        _fail(f"{manual} has no manual for this risk's line and state")
        raise typer.Exit(2)
    carrier, line, state = groups.pop()
    when_text = as_of or risk.get("effective_date")
    try:
        when = dt.date.fromisoformat(str(when_text)) if when_text else dt.date.today()
    except ValueError as exc:
        _fail(f"--as-of {when_text!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from exc
    try:
        return lib.select(carrier, line, state, when)
    except ManualNotFound as exc:
        _fail(str(exc))
        raise typer.Exit(1) from exc
    except ManualError as exc:
        errors.print("[red]the manual has problems:[/red]")
        for p in exc.problems:
            errors.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(1) from exc


@app.command("rate")
def rate(
    manual: Annotated[Path, typer.Argument(help="A manual folder (or a folder of its versions).")],
    risk_file: Annotated[Path, typer.Argument(metavar="RISK.json", help="The risk as JSON.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Pick the version in force on this date (default: the risk's effective_date).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Rate one risk with one carrier's manual and show the worksheet."""
    risk = _read_risk(risk_file)
    plan = _pick_plan(manual, risk, as_of)
    try:
        if risk.get("line") in LINES:  # a risk of a question set: checked as `quote` checks it
            risk = read_risk(risk)
        answer = rate_risk(plan, risk)
    except RiskError as exc:
        if as_json:
            console.print_json(json.dumps({"kind": "error", "problems": [
                {"field": p.field, "problem": p.problem, "allowed": p.allowed} for p in exc.problems]}))  # fmt: skip
        else:
            _fail("the risk has problems:")
            for p in exc.problems:
                errors.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(2) from exc
    if as_json:
        console.print_json(json.dumps(answer.to_dict()))
        return
    show_answer(answer)


def show_answer(answer: Quote | Decline) -> None:
    """Print a quote with its worksheet, or a decline with its reasons."""
    ref = answer.manual
    sample = " [dim](sample data)[/dim]" if ref.sample else ""
    console.print(
        f"[bold]{ref.carrier_name}[/bold]{sample} — {ref.line} {ref.state}, manual {ref.version} effective {ref.effective}"
    )
    if isinstance(answer, Decline):
        console.print("[red]Declined:[/red]")
        for r in answer.reasons:
            console.print(f"  • {r}", highlight=False, markup=False)
        return
    sheet = Table(title="Worksheet", show_lines=False)
    for col in ("Unit", "Coverage", "Step", "Source / key", "Factor or amount", "Running total"):
        sheet.add_column(
            col, justify="right" if col in ("Factor or amount", "Running total") else "left"
        )
    for ln in answer.worksheet.lines:
        source = ln.source if not ln.key else f"{ln.source}: {key_text(ln.key)}"
        if ln.note:
            source = f"{source} ({ln.note})" if source else ln.note
        shown = "" if ln.value is None else str(ln.value)
        operand = Text(shown) if ln.applied else Text(f"{shown} not applied", style="dim")
        # Text, not markup: a key's band ("[40-49]") is the manual's words, never a style.
        sheet.add_row(
            ln.unit or "", ln.component, Text(ln.label), Text(source), operand, str(ln.total)
        )
    console.print(sheet)
    summary = Table(title="Premium", show_header=False)
    summary.add_column("item")
    summary.add_column("amount", justify="right")
    if len(answer.components) > 1:
        for c in answer.components:
            summary.add_row(c.label, f"{c.amount:,}")
    for a in answer.adjustments:
        summary.add_row(a.label, f"{a.amount:,}")
    summary.add_row("[bold]Premium[/bold]", f"[bold]{answer.premium:,}[/bold]")
    for f in answer.fees:
        summary.add_row(f.label, f"{f.amount:,}")
    summary.add_row(
        f"[bold]Total for {answer.term_months} months[/bold]", f"[bold]{answer.total:,}[/bold]"
    )
    summary.add_row("Per month", f"{answer.monthly:,}")
    for _, label, value in answer.details:
        summary.add_row(label, value)
    console.print(summary)
    moved = summarise(answer.to_dict())
    if moved is not None:
        said = Table(title="What moved the price most, a year", show_header=False)
        said.add_column("what")
        said.add_column("amount", justify="right")
        for i, (what, amount) in enumerate(moved.parts):
            # the starting price, then what each fact, the other answers and the fees add
            said.add_row(Text(what), f"{amount:,}" if i == 0 else f"{amount:+,}")
        said.add_row(Text("Price a year", style="bold"), Text(f"{moved.per_year:,}", style="bold"))
        console.print(said)


def _cover(substitutions: tuple[Substitution, ...]) -> str:
    """As asked, or each option the carrier replaced by the nearest it offers."""
    if not substitutions:
        return "as asked"
    return "; ".join(
        f"{s.field}: {s.asked} → {'not offered' if s.quoted is None else s.quoted}"
        for s in substitutions
    )


def _source(quote: Quote | LiveQuote) -> str:
    """The manual version a price came from, or the live carrier's own quote reference."""
    if isinstance(quote, LiveQuote):
        return f"live {quote.quote_ref or ''}".strip()
    return quote.manual.version


def _no_price(answer: Answer) -> str:
    """Why a carrier gave no price: referred, pending, or failed with its kind."""
    if answer.referral is not None:
        return "referred to an underwriter: " + "; ".join(answer.referral.messages)
    if answer.pending is not None:
        return f"pending (the carrier answers later; its reference {answer.pending.quote_ref})"
    # The kind only: the carrier's or the engine's own text is for --json and the logs.
    return f"no answer ({answer.error_kind})"


async def _streamed(
    risk: dict[str, Any],
    registry: Registry,
    deadline: float,
    shown: Callable[[Answer], bool] | None,
) -> tuple[Comparison, list[Tip]]:
    """The comparison and the tips of the answers ``shown``, each said on stderr as it arrives."""
    try:
        facts = request_facts(risk)
        connectors = registry.asked(facts[0], facts[1])
        compared = await _answers(risk, connectors, registry.market, deadline, shown)
        if shown is None:
            return compared, []
        kept = Comparison(compared.line, compared.state, compared.effective,
                          [a for a in compared.quotes if shown(a)])  # fmt: skip
        return compared, await tips_async(kept, risk, connectors, deadline=deadline)
    finally:
        await registry.aclose()


async def _answers(
    risk: dict[str, Any],
    connectors: list[Connector],
    market: Market,
    deadline: float,
    shown: Callable[[Answer], bool] | None,
) -> Comparison:
    facts = request_facts(risk)
    answers = []
    async for answer in stream(risk, connectors, market, deadline):
        answers.append(answer)
        if shown is None or not shown(answer):
            continue
        if answer.quote is not None:
            said = f"{answer.quote.monthly:,} a month"
        elif answer.decline is not None:
            said = "declined"
        else:
            said = _no_price(answer)
        errors.print(f"  {answer.carrier_name} ({answer.connector}): {said}", highlight=False,
                     markup=False)  # fmt: skip
    return collect(facts, answers)


@app.command("quote")
def quote(
    risk_file: Annotated[
        Path, typer.Argument(metavar="RISK.json", help="The risk as JSON (with line and state).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    rank: Annotated[
        Ranking,
        typer.Option(
            help="price: cheapest first; like_for_like: exactly the cover asked first; "
            "rating: strongest carrier first."
        ),
    ] = "price",
    group: Annotated[str | None, typer.Option(help="Only carriers of this group.")] = None,
    min_rating: Annotated[
        str | None, typer.Option(help="Only carriers rated this or better (A++ … C-).")
    ] = None,
) -> None:
    """Compare every carrier of the market for one risk, ranked (cheapest first by default).

    A carrier that does not offer a limit or deductible asked is quoted on the nearest it offers,
    and the table says which.
    """
    if min_rating is not None and min_rating not in RATING_ORDER:
        errors.print(f"--min-rating must be one of {', '.join(RATING_ORDER)}", highlight=False)
        raise typer.Exit(2)
    risk = _read_risk(risk_file)
    conf = settings()
    try:
        risk = read_risk(risk)  # before the market loads: a bad risk is told at once
        registry = market_registry(conf)

        def kept(a: Answer) -> bool:
            return admits(a.group, a.rating, only_group=group, min_rating=min_rating)

        deadline = conf.compare_deadline
        compared, found = asyncio.run(
            _streamed(risk, registry, deadline, None if as_json else kept)
        )
    except RiskError as exc:
        _fail("the risk has problems:")
        for p in exc.problems:
            errors.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(2) from exc
    if as_json:
        shown = present(compared.to_dict(), rank, group=group, min_rating=min_rating)
        console.print_json(json.dumps(shown))
        return
    result = compared.filtered(group, min_rating)
    table = Table(
        title=f"{result.line} quotes in {result.state}, effective {result.effective} (sample carriers)"
    )
    for col in (
        "#",
        "Carrier",
        "Rating",
        "Per month",
        "Per year",
        "Term total",
        "Manual",
        "Cover",
    ):
        table.add_column(
            col, justify="right" if col in ("#", "Per month", "Per year", "Term total") else "left"
        )
    for i, a in enumerate(result.ranked(rank), start=1):
        q = a.quote
        assert q is not None
        table.add_row(str(i), a.carrier_name, a.rating, f"{q.monthly:,}", f"{q.per_year:,}",
                      f"{q.total:,} / {q.term_months} mo",
                      _source(q),
                      _cover(a.substitutions))  # fmt: skip
    console.print(table)
    for a in result.declines:
        assert a.decline is not None
        said = Text.assemble((f"Declined by {a.carrier_name}:", "yellow"), " ")
        console.print(said.append("; ".join(a.decline.reasons)), highlight=False)
    for a in result.errors:
        console.print(f"{a.carrier_name}: {_no_price(a)}", highlight=False, markup=False)
    grouped = ideas(found)
    if any(i.actionable for i in grouped):
        console.print("[bold]Ways to pay less[/bold] (each a real re-quote by the carrier):")
    for idea in grouped:
        low, high = f"${idea.low:,}", f"${idea.high:,}"
        saves = low if low == high else f"{low} to {high}"
        who = ", ".join(t.carrier_name for t in idea.tips)
        if idea.actionable:
            line = f"  • {idea.text}: save {saves} a year ({who})"
        else:
            line = f"Good to know: {idea.text}, by {saves} a year ({who})."
        console.print(line, highlight=False, markup=False)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP API (OpenAPI at /docs) on RATESHOP_DATABASE_URL and the shipped market.

    By default that is a SQLite file, rateshop.db, in the current folder. Without
    RATESHOP_SECRET_KEY the server runs in development mode, with a public key for contact
    details, but only on a loopback address (127.0.0.1, ::1, localhost); any other --host needs
    RATESHOP_SECRET_KEY (or RATESHOP_DEV_MODE=1 said explicitly). Behind a reverse proxy, set
    RATESHOP_TRUSTED_PROXIES to its address: X-Forwarded-For/-Proto are believed from it alone.
    """
    # The collector is held off while the app is imported and started: that builds objects
    # which live as long as the process and frees almost none, so its passes would be wasted
    # (about 0.07 s). The app's start-up freezes them and switches it back on; so does leaving
    # here, whichever way (a refused start, a stopped server).
    gc.disable()
    try:
        from rateshop.api.server import DEV_WARNING, serve as run, settings_for, uses_dev_key
        from rateshop.store.errors import SecretKeyMissing

        try:
            conf = settings_for(host, settings())
        except SecretKeyMissing as exc:
            _fail(str(exc))
            raise typer.Exit(2) from exc
        if uses_dev_key(conf):
            errors.print(Text(DEV_WARNING, style="yellow"), highlight=False)
        run(host, port, workers, conf)
    finally:
        gc.enable()


user_app = typer.Typer(
    help="Agents and admins who log in to the web console.", no_args_is_help=True
)
app.add_typer(user_app, name="user")


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="The username (lower-case letters, digits, . _ -).")],
    role: Annotated[str, typer.Option(help="agent or admin.")] = "agent",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user of RATESHOP_DATABASE_URL (the first admin, say); the password is asked twice."""
    import sys

    from rateshop.store.accounts import AccountError, Accounts
    from rateshop.store.database import connect
    from rateshop.store.migrate import upgrade

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    url = settings().database_url
    upgrade(url)
    engine = connect(url)
    try:
        made = Accounts(engine).create_user(name, password, role)
    except AccountError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    console.print(f"created {made.role} {made.username}", highlight=False)
