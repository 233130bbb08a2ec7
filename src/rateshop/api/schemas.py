"""One carrier's answer as a response body: a quote with its worksheet, a decline, or an error.

Endpoints send the JSON-ready data the comparison and the store already produce (``to_dict``)
rather than re-validating it on every response; these models say what that data looks like, and the
API tests check real responses against them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

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


class AnswerOut(Out):
    """What one carrier said: exactly one of ``quote``, ``decline`` or ``error``."""

    carrier: str
    carrier_name: str
    rating: str
    group: str
    quote: QuoteOut | None = None
    decline: DeclineOut | None = None
    error: CarrierErrorOut | None = None
