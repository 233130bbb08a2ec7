"""Comparison bodies: a stored comparison, its export, the stream's last event, consent to contact."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from rateshop.api.schemas import (
    AnswerOut,
    DeclineOut,
    ManualRefOut,
    Out,
    QuoteOut,
    SubstitutionOut,
    WorksheetLineOut,
)
from rateshop.compare.ranking import Ranking


class RankingOut(Out):
    """The order and filters a comparison is shown with."""

    by: Ranking
    group: str | None
    min_rating: str | None
    like_for_like: int = Field(description="Quotes for exactly the cover asked.")
    nearest_cover: int = Field(description="Quotes on the nearest cover the carrier offers.")


class ComparisonData(Out):
    """A stored comparison's answers: quotes, declines and carriers that could not answer."""

    ref: str = Field(description="The comparison's secret reference: whoever holds it can read it.")
    line: str
    state: str
    effective: dt.date
    quotes: list[AnswerOut]
    declines: list[AnswerOut]
    errors: list[AnswerOut]


class ComparisonOut(ComparisonData):
    """A stored comparison: quotes in the order asked (cheapest first by default), declines, errors."""

    ranking: RankingOut


OWNER_KEY_DOC = (
    "The shopper's second secret, given once, here: send it as `X-Owner-Key` to delete the "
    "comparison or to consent to contact. The reference alone reads the quotes, nothing more."
)


class CreatedComparisonOut(ComparisonOut):
    """A comparison just stored, with the owner key that only its maker receives."""

    owner_key: str = Field(description=OWNER_KEY_DOC)


class ConsentOut(Out):
    """A consent to be contacted by one carrier; the details themselves go only to that carrier."""

    carrier: str
    consented_at: dt.datetime
    wording: str | None
    consent_version: str | None = Field(description="None for consents kept before versions.")


class ExportOut(ComparisonData):
    """Everything kept about a comparison: the rating facts asked, every answer, every consent."""

    created_at: dt.datetime
    risk: dict[str, Any]
    contacts: list[ConsentOut]


class RankedQuote(Out):
    rank: int
    carrier: str
    carrier_name: str
    rating: str
    monthly: str
    per_year: str = Field(description="The price of a year of cover, to the cent.")
    like_for_like: bool = Field(description="Whether the quote is for exactly the cover asked.")


class StreamDone(Out):
    """The final ``done`` event of a streamed comparison, sent once it is stored."""

    ref: str
    owner_key: str = Field(description=OWNER_KEY_DOC)
    line: str
    state: str
    effective: dt.date
    ranking: list[RankedQuote]
    quotes: int
    declines: int
    errors: int


# --- contact with consent ---------------------------------------------------------------------


class ContactRecorded(Out):
    ref: str
    carrier: str
    consented_at: dt.datetime
    wording: str
    consent_version: str


class ConsentWordingOut(Out):
    """The consent text to show before a shopper gives one carrier their contact details."""

    carrier: str
    consent_version: str
    wording: str


# --- tips, replay, re-quote ---------------------------------------------------------------------


class TipOut(Out):
    """A priced way to pay less with one carrier: the same risk with one thing changed, re-rated."""

    carrier: str
    carrier_name: str
    text: str
    saving_per_year: str
    price_per_year: str


class TipsOut(Out):
    ref: str
    line: str
    state: str
    tips: list[TipOut] = Field(description="Biggest saving first.")


class ReplayCheckOut(Out):
    """One stored answer rated again with the exact manual version it came from."""

    carrier: str
    version: str
    content_hash: str
    same: bool = Field(description="The replay gave the stored answer exactly, to the cent.")
    stored_total: str | None
    replayed_total: str | None
    differences: list[str] = Field(description="The parts that differ, e.g. `quote.total`.")
    problem: str | None = Field(description="Why it could not be replayed, if it could not.")
    as_stored: bool = Field(
        default=False,
        description="A live carrier's answer: kept as it was given, rateshop cannot re-rate it.",
    )


class ReplayOut(Out):
    ref: str
    same: bool = Field(description="Every stored quote and decline replayed exactly.")
    answers: list[ReplayCheckOut]


class StepChangeOut(Out):
    step: str
    label: str
    before: str | None
    after: str | None


class RequoteAnswerOut(Out):
    """A stored answer re-rated with the manual in force on the new date, and what changed."""

    carrier: str
    before: QuoteOut | DeclineOut | None = None
    after: QuoteOut | DeclineOut | None = None
    version_changed: bool | None = None
    total_change: str | None = None
    substitutions_before: list[SubstitutionOut] = Field(default_factory=list)
    substitutions_after: list[SubstitutionOut] = Field(default_factory=list)
    changes: list[StepChangeOut] = Field(default_factory=list)
    problem: str | None = Field(
        default=None, description="Why it could not be re-quoted (no version in force then …)."
    )


class RequoteOut(Out):
    ref: str
    on: dt.date = Field(description="The date whose manuals were used.")
    answers: list[RequoteAnswerOut]


class WorksheetOut(Out):
    """One quote's worksheet, given on demand (``quote.worksheet_url`` of a comparison)."""

    ref: str
    carrier: str
    carrier_name: str
    manual: ManualRefOut | None = Field(
        description="The manual version rated; null for a live carrier."
    )
    total: str = Field(
        description="The quote's total for its term, as stored: the worksheet ends on it."
    )
    made_again: bool = Field(
        description="Made again now with the exact manual version, which gave the stored price to "
        "the cent (false: kept with the answer, e.g. a live carrier's own)."
    )
    worksheet: list[WorksheetLineOut]
