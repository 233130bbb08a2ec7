"""Clients: the book an agent works, searched; contact details shown only with an audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rateshop.services.agency.platform import Desk
from rateshop.store.agency_records import (
    Client,
    ClientComparison,
    ClientNote,
    ClientSearch,
    Identity,
    Member,
    Policy,
    Scope,
)
from rateshop.store.errors import InvalidAgencyData
from rateshop.store.records import to_cents


@dataclass(frozen=True)
class ClientFile:
    """Everything about a client an agent's page shows, except who they are."""

    client: Client
    comparisons: list[ClientComparison]
    policies: list[Policy]
    notes: list[ClientNote]


def search(desk: Desk, member: Member, wanted: ClientSearch) -> list[Client]:
    """The member's clients (an admin's: the agency's) matching ``wanted``."""
    return desk.agencies.clients(Scope.of(member), wanted)


def open_file(desk: Desk, member: Member, client_id: int) -> ClientFile:
    """A client's comparisons, policies and notes; another agent's or agency's client is not found."""
    scope = Scope.of(member)
    return ClientFile(
        desk.agencies.client(scope, client_id),
        desk.agencies.comparisons(scope, client_id),
        desk.book.policies(scope, client_id),
        desk.agencies.notes(scope, client_id),
    )


def contact(desk: Desk, member: Member, client_id: int) -> Identity:
    """Who the client is and how to reach them, decrypted; the view is written to the audit log."""
    scope = Scope.of(member)
    client = desk.agencies.client(scope, client_id)
    identity = desk.agencies.identity(scope, client_id)
    desk.book.audit(member, "view_contact", f"client {client.reference}")
    return identity


def create(desk: Desk, member: Member, identity: Identity, zip_code: str = "") -> Client:
    """A client entered by hand, held by the member who enters it."""
    return desk.agencies.create_client(member.agency.id, member.user_id, identity, zip_code)


def update_contact(desk: Desk, member: Member, client_id: int, identity: Identity) -> None:
    """Correct who the client is (audited, as it shows the details being replaced)."""
    scope = Scope.of(member)
    client = desk.agencies.client(scope, client_id)
    desk.agencies.update_identity(scope, client_id, identity)
    desk.book.audit(member, "edit_contact", f"client {client.reference}")


def add_note(desk: Desk, member: Member, client_id: int, text: str) -> ClientNote:
    """A note on the client by the member."""
    return desk.agencies.add_note(Scope.of(member), client_id, member, text)


def money_cents(text: str) -> int:
    """``"1,234.50"`` or ``"$1234.5"`` as cents; :class:`InvalidAgencyData` for anything else."""
    try:
        amount = Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation as exc:
        raise InvalidAgencyData("a premium is an amount like 1234.50") from exc
    if not amount.is_finite() or amount <= 0:
        raise InvalidAgencyData("a premium is an amount above zero")
    return to_cents(amount.quantize(Decimal("0.01")))


def add_policy(
    desk: Desk,
    member: Member,
    client_id: int,
    carrier: str,
    premium: str,
    effective: dt.date,
    expiry: dt.date,
    comparison_ref: str | None = None,
) -> Policy:
    """Record a policy sold to the client: ``premium`` is the yearly premium as text."""
    return desk.book.add_policy(
        Scope.of(member),
        client_id,
        carrier,
        money_cents(premium),
        effective,
        expiry,
        comparison_ref,
    )


def delete(desk: Desk, member: Member, client_id: int) -> None:
    """Delete the client with everything kept about them; the deletion is audited."""
    scope = Scope.of(member)
    client = desk.agencies.client(scope, client_id)
    desk.agencies.delete_client(scope, client_id)
    desk.book.audit(member, "delete_client", f"client {client.reference}")
