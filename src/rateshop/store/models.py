"""The store's tables as typed SQLAlchemy models; the schema itself is made by the migrations.

::

    comparisons      one per saved comparison: unguessable ref, when, line/state/effective, risk
    └── answers      one per carrier: quote/decline/error, amounts in cents, manual, answer JSON
        └── contacts one per consent: the ONE carrier chosen, contact details encrypted, when
    manual_versions  every manual version a stored answer came from (by content hash)
    manual_uploads   every manual version uploaded to the market, with its files (shared by servers)

Deleting a comparison deletes its answers and contacts in the database itself (ON DELETE CASCADE),
so a purge is one statement. Manual versions are kept: they describe the market, not a shopper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

# Constraint names are spelled out so that migrations can name what they alter on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ANSWER_KINDS = ("quote", "decline", "error")


class JSONData(TypeDecorator[Any]):
    """JSONB on PostgreSQL (indexable, compact); SQLite's JSON text elsewhere.

    Chosen per dialect when a database is first used, so a process on SQLite never imports the
    PostgreSQL dialect (a fiftieth of a server's start).
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


# SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in UTC: timezone-aware in and out on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps timezone-aware datetimes only")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSONData(),
    }


class ComparisonRow(Base):
    """A saved comparison. ``risk`` holds the request's rating facts, never the shopper's identity."""

    __tablename__ = "comparisons"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    line: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(2))
    effective: Mapped[dt.date] = mapped_column(Date)
    risk: Mapped[dict[str, Any]]
    # SHA-256 of the owner key given to the shopper: needed to delete or to consent to contact.
    owner_key_hash: Mapped[str | None] = mapped_column(String(64))

    answers: Mapped[list[AnswerRow]] = relationship(
        back_populates="comparison",
        order_by="AnswerRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class AnswerRow(Base):
    """One carrier's answer in a comparison; amounts are integer cents, set for quotes only."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("comparison_id", "carrier"),
        CheckConstraint(f"kind IN {ANSWER_KINDS!r}", name="kind"),
        CheckConstraint(
            "kind <> 'quote' OR (premium_cents IS NOT NULL AND total_cents IS NOT NULL"
            " AND monthly_cents IS NOT NULL)",
            name="quote_amounts",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(
        Id, ForeignKey("comparisons.id", ondelete="CASCADE"), index=True
    )
    # Order within the comparison: quotes (ranked), then declines, then errors.
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    carrier: Mapped[str] = mapped_column(String(64))
    premium_cents: Mapped[int | None] = mapped_column(BigInteger)
    total_cents: Mapped[int | None] = mapped_column(BigInteger)
    monthly_cents: Mapped[int | None] = mapped_column(BigInteger)
    manual_hash: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("manual_versions.content_hash"), index=True
    )
    manual_version: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, Any]]

    comparison: Mapped[ComparisonRow] = relationship(back_populates="answers")


class ManualVersionRow(Base):
    """A manual version some stored answer came from, first seen at ``first_seen``."""

    __tablename__ = "manual_versions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64))
    line: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(2))
    effective: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_seen: Mapped[dt.datetime]


class ManualUploadRow(Base):
    """A manual version uploaded to the market: its files as text, by path inside its carrier's
    folder (``auto-tx-2026-09-01/manual.yaml``, ``common/territory.csv``). ``id`` orders uploads:
    a server has every upload up to the highest id it has seen."""

    __tablename__ = "manual_uploads"
    __table_args__ = (UniqueConstraint("carrier", "folder"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    carrier: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    files: Mapped[dict[str, Any]]
    uploaded_at: Mapped[dt.datetime]


class ContactRow(Base):
    """A shopper's consent to share contact details with ONE carrier of a comparison.

    The composite foreign key to ``answers`` makes the database itself refuse a carrier that did not
    answer in the comparison, and removes the consent with the comparison.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["comparison_id", "carrier"],
            ["answers.comparison_id", "answers.carrier"],
            ondelete="CASCADE",
        ),
        Index("ix_contacts_comparison_id_carrier", "comparison_id", "carrier"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(Id)
    carrier: Mapped[str] = mapped_column(String(64))
    # Fernet token of the contact details as JSON; never the plain text.
    contact: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[dt.datetime]
    wording: Mapped[str | None] = mapped_column(Text)
    # The version of the server's consent wording the shopper agreed to (None before versions).
    consent_version: Mapped[str | None] = mapped_column(String(32))
