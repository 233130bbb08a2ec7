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


class QuoteOut(Out):
    kind: Literal["quote"]
    manual: ManualRefOut
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
    worksheet: list[WorksheetLineOut] | None = None


class DeclineOut(Out):
    kind: Literal["decline"]
    manual: ManualRefOut
    reasons: list[str]


class CarrierErrorOut(Out):
    kind: str | None = Field(description="`CarrierTimeout`, `bad_input`, `unavailable` …")
    message: str


class SubstitutionOut(Out):
    """An option asked that the carrier does not offer, and the nearest one it quoted instead."""

    field: str = Field(examples=["coverages.PD.limit"])
    asked: Any = Field(description="The value asked (a coverage's options, for a whole coverage).")
    quoted: str | int | None = Field(
        description="The nearest value offered; null when the carrier does not offer the coverage."
    )


class AnswerOut(Out):
    """What one carrier said: exactly one of ``quote``, ``decline`` or ``error``.

    A quote or decline says whether it is for exactly the cover asked (``like_for_like``), and
    if not, which options were replaced by the nearest the carrier offers (``substitutions``).
    """

    carrier: str
    carrier_name: str
    rating: str
    group: str
    like_for_like: bool | None = None
    substitutions: list[SubstitutionOut] | None = None
    quote: QuoteOut | None = None
    decline: DeclineOut | None = None
    error: CarrierErrorOut | None = None
