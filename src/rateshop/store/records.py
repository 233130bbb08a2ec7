"""What the store hands back: plain, frozen records, detached from any database session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.store.errors import UnstorableComparison


def to_cents(amount: str | Decimal) -> int:
    """An amount as integer cents, exactly; an amount with a fraction of a cent cannot be stored."""
    value = Decimal(amount)
    cents = value.scaleb(2)
    if not cents.is_finite() or cents != cents.to_integral_value():
        raise UnstorableComparison(f"amount {amount} is not a whole number of cents")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents back to a two-place decimal amount."""
    return Decimal(cents).scaleb(-2)


@dataclass(frozen=True)
class StoredAnswer:
    """One carrier's stored answer: indexed facts, and ``body``, the answer as the comparison gave it."""

    kind: str
    carrier: str
    premium_cents: int | None
    total_cents: int | None
    monthly_cents: int | None
    manual_hash: str | None
    manual_version: str | None
    body: dict[str, Any]

    @property
    def total(self) -> Decimal | None:
        """The quote's total for its term, as money; None for declines and errors."""
        return None if self.total_cents is None else from_cents(self.total_cents)


@dataclass(frozen=True)
class ConsentRecord:
    """A shopper's consent to share contact details with one carrier; ``contact`` only when asked."""

    ref: str
    carrier: str
    consented_at: dt.datetime
    wording: str | None
    consent_version: str | None = None
    contact: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data; the ``contact`` key appears only when the details were decrypted."""
        out: dict[str, Any] = {
            "carrier": self.carrier,
            "consented_at": self.consented_at.isoformat(),
            "wording": self.wording,
            "consent_version": self.consent_version,
        }
        if self.contact is not None:
            out["contact"] = dict(self.contact)
        return out


@dataclass(frozen=True)
class StoredComparison:
    """A saved comparison: its reference, when it was made, the rating facts asked, every answer."""

    ref: str
    created_at: dt.datetime
    line: str
    state: str
    effective: dt.date
    risk: dict[str, Any]
    answers: tuple[StoredAnswer, ...]
    contacts: tuple[ConsentRecord, ...] = field(default=())

    def of_kind(self, kind: str) -> list[StoredAnswer]:
        """The answers of one kind (``quote``, ``decline``, ``error``) in their stored order."""
        return [a for a in self.answers if a.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """The same data :meth:`rateshop.compare.service.Comparison.to_dict` gave when it was saved."""
        return {
            "line": self.line,
            "state": self.state,
            "effective": self.effective.isoformat(),
            "quotes": [a.body for a in self.of_kind("quote")],
            "declines": [a.body for a in self.of_kind("decline")],
            "errors": [a.body for a in self.of_kind("error")],
        }

    def export(self) -> dict[str, Any]:
        """Everything kept about the comparison, as JSON-ready data (what a shopper may ask for)."""
        return {
            "ref": self.ref,
            "created_at": self.created_at.isoformat(),
            "risk": self.risk,
            **self.to_dict(),
            "contacts": [c.to_dict() for c in self.contacts],
        }


@dataclass(frozen=True)
class ComparisonSummary:
    """A line of the recent-comparisons list."""

    ref: str
    created_at: dt.datetime
    line: str
    state: str
    effective: dt.date
    quotes: int
    declines: int
    errors: int
    cheapest_monthly_cents: int | None
