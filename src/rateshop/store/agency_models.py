"""The agency's tables: agencies and their members, leads, clients, policies, renewals, audit.

::

    agencies          one per agency: name and licence number (shown on proposals)
    agency_members    which agency a user works for, as ``agent`` or ``admin`` (one agency each)
    agency_leads      a shopper's request to be contacted by ONE agency about one comparison:
                      consent wording and version, contact details encrypted; assigned to an agent
    clients           an agency's client: reference, identity and household encrypted, ZIP, agent
    client_index      keyed hashes (HMAC) of a client's normalised name, e-mail and phone: searching
                      without decrypting, and nothing an attacker holding the database can reverse
    client_comparisons  a client's comparisons; a re-rated one names the comparison it came from
    client_notes      notes on the client
    policies          policies sold: carrier, premium in cents, effective and expiry dates
    renewal_checks    a policy re-rated before expiry: its carrier's new price, the cheapest other
    audit_log         views of contact details, exports and deletions, for the agency's admins

Everything hangs off its agency and goes with it (ON DELETE CASCADE); a comparison's lead and client
link go with the comparison, so the retention purge still removes a shopper's comparison whole.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from rateshop.store.models import Base, Id

MEMBER_ROLES = ("agent", "admin")
INDEXED_FIELDS = ("name", "email", "phone")


class AgencyRow(Base):
    """An agency: its name and the licence number its proposals carry."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    licence: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class MemberRow(Base):
    """A user working for an agency, as one of its agents or one of its admins."""

    __tablename__ = "agency_members"
    __table_args__ = (CheckConstraint(f"role IN {MEMBER_ROLES!r}", name="role"),)

    user_id: Mapped[int] = mapped_column(
        Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(8))


class ClientRow(Base):
    """An agency's client; who they are (name, contact, household) is one encrypted token."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("agency_id", "reference"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(String(16))
    identity: Mapped[str] = mapped_column(Text)
    zip: Mapped[str | None] = mapped_column(String(10), index=True)
    created_at: Mapped[dt.datetime]


class ClientIndexRow(Base):
    """One keyed hash of a normalised name word, e-mail or phone of a client."""

    __tablename__ = "client_index"
    __table_args__ = (
        CheckConstraint(f"field IN {INDEXED_FIELDS!r}", name="field"),
        Index("ix_client_index_field_digest", "field", "digest"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        Id, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64))


class LeadRow(Base):
    """A shopper's consent to be contacted by one agency about one comparison."""

    __tablename__ = "agency_leads"
    __table_args__ = (UniqueConstraint("agency_id", "comparison_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    comparison_id: Mapped[int] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    contact: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[dt.datetime]
    wording: Mapped[str] = mapped_column(Text)
    consent_version: Mapped[str] = mapped_column(String(32))
    assigned_to: Mapped[int | None] = mapped_column(
        Id, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[int | None] = mapped_column(Id, ForeignKey("clients.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime | None]


class ClientComparisonRow(Base):
    """A comparison of a client's; ``previous_id`` is the one it was re-rated from."""

    __tablename__ = "client_comparisons"

    comparison_id: Mapped[int] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        Id, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    previous_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="SET NULL")
    )
    added_at: Mapped[dt.datetime]


class ClientNoteRow(Base):
    """A note on a client."""

    __tablename__ = "client_notes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        Id, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class PolicyRow(Base):
    """A policy sold to a client: carrier, yearly premium in cents, its term."""

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint("expiry > effective", name="term"),
        CheckConstraint("premium_cents > 0", name="premium"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client_id: Mapped[int] = mapped_column(
        Id, ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    carrier: Mapped[str] = mapped_column(String(64))
    premium_cents: Mapped[int] = mapped_column(BigInteger)
    effective: Mapped[dt.date] = mapped_column(Date)
    expiry: Mapped[dt.date] = mapped_column(Date, index=True)
    comparison_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime]


class RenewalCheckRow(Base):
    """A policy re-rated against the market before it expires."""

    __tablename__ = "renewal_checks"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        Id, ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    checked_at: Mapped[dt.datetime]
    comparison_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="SET NULL")
    )
    # The policy's carrier at renewal (None: it no longer quotes the same cover).
    current_cents: Mapped[int | None] = mapped_column(BigInteger)
    best_carrier: Mapped[str | None] = mapped_column(String(64))
    best_cents: Mapped[int | None] = mapped_column(BigInteger)
    flagged: Mapped[bool] = mapped_column(Boolean)


class AuditRow(Base):
    """Who saw contact details, exported or deleted what, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agency_id: Mapped[int] = mapped_column(
        Id, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Id, ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too: the entry must still say who when the user is gone.
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(index=True)
