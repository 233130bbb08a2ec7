"""A carrier's answer beyond a local manual's quote or decline: what live carriers also say.

A connector answers with one of these (inside an :class:`~rateshop.compare.connectors.Offer`):

* a **quote** — :class:`~rateshop.rating.quote.Quote` from a local manual (with its worksheet), or
  :class:`LiveQuote` from a carrier's quoting service (a worksheet only when the carrier gives one);
* a **decline** — :class:`~rateshop.rating.quote.Decline` from a manual, or :class:`LiveDecline`;
* a **referral** (:class:`Referral`): the carrier wants an underwriter to look;
* **pending** (:class:`Pending`): the carrier answers later; poll with its reference;
* **failed** (:class:`Failure`) with a kind: ``timeout``, ``auth``, ``rate_limited``,
  ``invalid_response``, ``carrier_error``, ``unavailable``.

A connector never raises for a carrier-side fault: it returns a :class:`Failure`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal, NamedTuple, get_args

from rateshop.rating.quote import TermPrice

FailureKind = Literal[
    "timeout", "auth", "rate_limited", "invalid_response", "carrier_error", "unavailable"
]
FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)
# Statuses of an answer in a comparison, as its JSON says.
Status = Literal["quoted", "declined", "referred", "pending", "failed"]


class CoveredAmount(NamedTuple):
    """One coverage as a live carrier quoted it: the cover actually quoted and its premium.

    A small immutable record, made for each coverage of every live answer: as a named tuple it
    is made at a fraction of a frozen dataclass's cost, and holding only text and amounts, the
    garbage collector stops tracking it (a comparison keeps dozens while other carriers answer).
    """

    code: str
    premium: Decimal
    limit: str | None = None
    deductible: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "coverage": self.code,
            "premium": str(self.premium),
            "limit": self.limit,
            "deductible": self.deductible,
        }


class FeeAmount(NamedTuple):
    """A fee on a live quote: its code, its label and its amount, read as a manual's fees are
    (``id``, ``label``, ``amount``).

    A named tuple, like :class:`CoveredAmount` and for the same reasons: one is made for each fee
    of every live answer, and holding only text and an amount it is no work for the collector.
    """

    id: str
    label: str
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "amount": str(self.amount)}


# The live answer's other types are slotted: a comparison makes dozens, each kept while others
# arrive.
@dataclass(frozen=True, slots=True)
class LiveQuote(TermPrice):
    """A price from a carrier's own quoting service, checked before it counts.

    ``premium`` is the sum of the coverages' premiums, ``total`` adds the fees; amounts are exact
    decimals as the carrier wrote them. There is no manual behind it, so no worksheet unless the
    carrier sent one (``worksheet``, its own lines, kept as given).
    """

    carrier: str
    currency: str
    premium: Decimal
    total: Decimal
    term_months: int
    coverages: tuple[CoveredAmount, ...]
    fees: tuple[FeeAmount, ...] = ()
    quote_ref: str | None = None
    valid_until: dt.date | None = None
    bridge_url: str | None = None
    worksheet: tuple[dict[str, Any], ...] | None = None
    messages: tuple[str, ...] = field(default=())

    kind = "quote"

    @property
    def manual(self) -> None:
        """No manual: a live carrier rated this itself."""
        return None

    @property
    def yearly(self) -> Fraction:
        """The exact price of a year of cover (total x 12 / term), as one fraction made once."""
        numerator, denominator = self.total.as_integer_ratio()
        return Fraction(numerator * 12, denominator * self.term_months)

    @property
    def monthly(self) -> Decimal:
        """The term's total spread over its months, to the cent, half-up."""
        return (self.total / self.term_months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        """The quote as JSON data, in the keys a manual's quote has (``manual`` null), and more."""
        out: dict[str, Any] = {
            "kind": "quote",
            "source": "live",
            "manual": None,
            "currency": self.currency,
            "premium": str(self.premium),
            "fees": [f.to_dict() for f in self.fees],
            "total": str(self.total),
            "monthly": str(self.monthly),
            "per_year": str(self.per_year),
            "term_months": self.term_months,
            "components": [
                {"id": c.code, "label": c.code, "amount": str(c.premium)} for c in self.coverages
            ],
            "units": [],
            "adjustments": [],
            "discounts": [],
            "details": [],
            "cover": [c.to_dict() for c in self.coverages],
            "quote_ref": self.quote_ref,
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "bridge_url": self.bridge_url,
            "messages": list(self.messages),
        }
        if worksheet and self.worksheet is not None:
            out["worksheet"] = list(self.worksheet)
        return out


# Each field's slot, set directly by :func:`live_quote`.
_SLOTS = tuple(
    LiveQuote.__dict__[name].__set__
    for name in ("carrier", "currency", "premium", "total", "term_months", "coverages", "fees",
                 "quote_ref", "valid_until", "bridge_url", "worksheet", "messages")
)  # fmt: skip
_new = object.__new__


def live_quote(
    carrier: str,
    currency: str,
    premium: Decimal,
    total: Decimal,
    term_months: int,
    coverages: tuple[CoveredAmount, ...],
    fees: tuple[FeeAmount, ...],
    quote_ref: str | None,
    valid_until: dt.date | None,
    bridge_url: str | None,
    worksheet: tuple[dict[str, Any], ...] | None,
    messages: tuple[str, ...],
) -> LiveQuote:
    """``LiveQuote(...)`` of every field, built without the frozen dataclass ``__init__``.

    A comparison makes one for each carrier that quotes, and the generated ``__init__`` of a
    frozen dataclass (keywords bound, then one ``object.__setattr__`` per field) costs about
    three times setting the twelve slots directly; the result is the same object in every
    respect, as immutable.
    """
    quote = _new(LiveQuote)
    (s_carrier, s_currency, s_premium, s_total, s_term, s_coverages, s_fees, s_ref, s_valid,
     s_bridge, s_worksheet, s_messages) = _SLOTS  # fmt: skip
    s_carrier(quote, carrier)
    s_currency(quote, currency)
    s_premium(quote, premium)
    s_total(quote, total)
    s_term(quote, term_months)
    s_coverages(quote, coverages)
    s_fees(quote, fees)
    s_ref(quote, quote_ref)
    s_valid(quote, valid_until)
    s_bridge(quote, bridge_url)
    s_worksheet(quote, worksheet)
    s_messages(quote, messages)
    return quote


@dataclass(frozen=True, slots=True)
class LiveDecline:
    """A live carrier declines the risk, for these reasons."""

    carrier: str
    reasons: tuple[str, ...]
    quote_ref: str | None = None

    kind = "decline"

    @property
    def manual(self) -> None:
        """No manual: a live carrier decided this itself."""
        return None

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        return {
            "kind": "decline",
            "source": "live",
            "manual": None,
            "reasons": list(self.reasons),
            "quote_ref": self.quote_ref,
        }


@dataclass(frozen=True, slots=True)
class Referral:
    """The carrier wants an underwriter to look before it prices the risk."""

    messages: tuple[str, ...]
    quote_ref: str | None = None

    kind = "referral"

    def to_dict(self) -> dict[str, Any]:
        return {"messages": list(self.messages), "quote_ref": self.quote_ref}


@dataclass(frozen=True, slots=True)
class Pending:
    """The carrier has the request and answers later; ``quote_ref`` is what to poll."""

    quote_ref: str
    retry_after: float | None = None
    message: str = ""

    kind = "pending"

    def to_dict(self) -> dict[str, Any]:
        return {
            "quote_ref": self.quote_ref,
            "retry_after": self.retry_after,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Failure:
    """No answer from the carrier, of one kind (see :data:`FailureKind`), and what went wrong."""

    kind: FailureKind
    message: str


__all__ = [
    "FAILURE_KINDS",
    "CoveredAmount",
    "Failure",
    "FailureKind",
    "FeeAmount",
    "LiveDecline",
    "LiveQuote",
    "Pending",
    "Referral",
    "Status",
    "live_quote",
]
