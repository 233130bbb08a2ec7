"""One carrier's answer as a response body: a quote with its worksheet, a decline, or an error.

Endpoints send the JSON-ready data the comparison and the store already produce (``to_dict``)
rather than re-validating it on every response; these models say what that data looks like, and the
API tests check real responses against them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    """A response body; fields added later by the comparison are allowed through."""

    model_config = ConfigDict(extra="allow")


class ManualRefOut(Out):
    """The manual version a price came from, down to its content hash."""

    carrier: str
    carrier_name: str
    line: str
    state: str
    effective: dt.date
    version: str
    content_hash: str
    sample: bool


class AmountOut(Out):
    id: str
    label: str
    amount: str = Field(description="Exact decimal text, e.g. `123.45`.")


class DiscountOut(Out):
    id: str
    label: str
    rate: str
    component: str
    unit: str | None


class UnitOut(Out):
    unit: str | None
    components: list[AmountOut]


class DetailOut(Out):
    id: str
    label: str
    value: str


class WorksheetLineOut(Out):
    """One step of one premium: what was looked up, the factor or amount, the running total."""

    unit: str | None
    component: str
    step: str
    label: str
    kind: str
    source: str
    key: str | None
    value: str | None
    total: str
    applied: bool
    note: str


class CoverOut(Out):
    """One coverage as a live carrier quoted it."""

    coverage: str
    premium: str
    limit: str | None
    deductible: str | None


class QuoteOut(Out):
    """A price: from a local manual (``manual`` and a ``worksheet``), or from a live carrier
    (``source: live``, no manual, the cover it quoted, its reference and how long it holds)."""

    kind: Literal["quote"]
    manual: ManualRefOut | None
    premium: str
    fees: list[AmountOut]
    total: str
    monthly: str
    per_year: str = Field(description="A year of cover, to the cent: quotes rank on it.")
    term_months: int
    components: list[AmountOut]
    units: list[UnitOut]
    adjustments: list[AmountOut]
    discounts: list[DiscountOut]
    details: list[DetailOut]
    worksheet: list[WorksheetLineOut] | None = Field(
        default=None, description="Every step of the price: only with `?worksheets=true`."
    )
    worksheet_url: str | None = Field(
        default=None, description="Where this quote's worksheet is given on demand."
    )
    source: Literal["live"] | None = None
    currency: str | None = None
    cover: list[CoverOut] | None = None
    quote_ref: str | None = Field(default=None, description="The carrier's own quote reference.")
    valid_until: dt.date | None = None
    bridge_url: str | None = Field(
        default=None, description="Where the shopper continues with the carrier."
    )


class DeclineOut(Out):
    kind: Literal["decline"]
    manual: ManualRefOut | None
    reasons: list[str]


class CarrierErrorOut(Out):
    kind: str | None = Field(
        description="`timeout`, `auth`, `rate_limited`, `invalid_response`, `carrier_error`, "
        "`unavailable`, or `bad_input` (the carrier cannot read the risk)."
    )
    message: str = Field(
        description="The kind in a shopper's words, e.g. `could not price these answers`; never "
        "an engine's or a carrier's own text.",
        examples=["did not answer in time"],
    )
    detail: str | None = Field(
        default=None,
        description="The carrier's or the rating engine's own words (a table, a key, an HTTP "
        "status), for agents and support; never shown on a shopper's page.",
        examples=["no answer within 6 s"],
    )


class ReferralOut(Out):
    """The carrier wants an underwriter to look before it prices the risk."""

    messages: list[str]
    quote_ref: str | None


class PendingOut(Out):
    """The carrier answers later; ``quote_ref`` is its reference to ask after."""

    quote_ref: str
    retry_after: float | None
    message: str


class SubstitutionOut(Out):
    """An option asked that the carrier does not offer, and the nearest one it quoted instead."""

    field: str = Field(examples=["coverages.PD.limit"])
    asked: Any = Field(description="The value asked (a coverage's options, for a whole coverage).")
    quoted: str | int | None = Field(
        description="The nearest value offered; null when the carrier does not offer the coverage."
    )


class AnswerOut(Out):
    """What one carrier said: exactly one of ``quote``, ``decline``, ``referral``, ``pending`` or
    ``error``, as ``status`` says (``quoted``, ``declined``, ``referred``, ``pending``, ``failed``).

    A quote or decline says whether it is for exactly the cover asked (``like_for_like``), and
    if not, which options were replaced by the nearest the carrier offers (``substitutions``).
    """

    carrier: str
    carrier_name: str
    rating: str
    group: str
    status: Literal["quoted", "declined", "referred", "pending", "failed"] | None = None
    connector: str | None = Field(default=None, description="`manual`, `http`, `xml` …")
    like_for_like: bool | None = None
    substitutions: list[SubstitutionOut] | None = None
    quote: QuoteOut | None = None
    decline: DeclineOut | None = None
    referral: ReferralOut | None = None
    pending: PendingOut | None = None
    error: CarrierErrorOut | None = None
