"""What the agency's repository hands back: plain frozen records.

The errors it raises (``AgencyStoreError`` and its kinds) are in :mod:`rateshop.store.errors`
with the rest of the store's, so answering them takes no import of these records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Agency:
    """An agency: the name and licence number its proposals carry."""

    id: int
    name: str
    licence: str


@dataclass(frozen=True)
class Member:
    """A user's place in an agency."""

    user_id: int
    username: str
    agency: Agency
    role: str

    @property
    def is_admin(self) -> bool:
        """Agency admins see and assign everything of their agency; agents only their own."""
        return self.role == "admin"


@dataclass(frozen=True)
class Scope:
    """What one member may see: the agency's clients, or (``agent_id`` set) only their own."""

    agency_id: int
    agent_id: int | None

    @classmethod
    def of(cls, member: Member) -> Scope:
        """An admin's scope is the whole agency; an agent's is the clients assigned to them."""
        return cls(member.agency.id, None if member.is_admin else member.user_id)


@dataclass(frozen=True)
class Identity:
    """Who a client is: kept encrypted as one token, never in the clear in the database."""

    name: str
    email: str = ""
    phone: str = ""
    household: str = ""

    def fields(self) -> dict[str, str]:
        """The non-empty fields, as the cipher takes them."""
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Lead:
    """A shopper's request to be contacted by the agency (contact details not decrypted)."""

    id: int
    ref: str
    line: str
    state: str
    consented_at: dt.datetime
    wording: str
    consent_version: str
    assigned_to: str | None
    client_id: int | None


@dataclass(frozen=True)
class Client:
    """A client as lists show it: no contact details."""

    id: int
    agency_id: int
    reference: str
    agent_id: int | None
    agent: str | None
    zip: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ClientComparison:
    """One of a client's comparisons, and the one it was re-rated from."""

    ref: str
    created_at: dt.datetime
    line: str
    state: str
    effective: dt.date
    previous_ref: str | None


@dataclass(frozen=True)
class ClientNote:
    """A note on a client."""

    author: str
    text: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Policy:
    """A policy sold to a client; the premium is for its term, in cents."""

    id: int
    client_id: int
    carrier: str
    premium_cents: int
    effective: dt.date
    expiry: dt.date
    comparison_ref: str | None


@dataclass(frozen=True)
class RenewalCheck:
    """A policy re-rated before expiry: its carrier's price now and the cheapest other one."""

    policy_id: int
    checked_at: dt.datetime
    comparison_ref: str | None
    current_cents: int | None
    best_carrier: str | None
    best_cents: int | None
    flagged: bool


@dataclass(frozen=True)
class Renewal:
    """A policy nearing expiry with its client, and its latest check if it had one."""

    policy: Policy
    client: Client
    check: RenewalCheck | None = field(default=None)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: dt.datetime
    username: str
    action: str
    subject: str


@dataclass(frozen=True)
class ClientSearch:
    """What to look for among clients; empty fields match everything."""

    name: str = ""
    phone: str = ""
    email: str = ""
    reference: str = ""
    zip: str = ""
