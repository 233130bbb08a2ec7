"""Household bodies: the risks of one household, and the cheapest mix of carriers for them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rateshop.api.schemas import Out, SubstitutionOut
from rateshop.risk.questions import Risk


class HouseholdRequest(BaseModel):
    """One risk per line the household wants insured (auto, home, life, health)."""

    model_config = ConfigDict(extra="forbid")

    risks: list[Risk] = Field(min_length=1, max_length=4)


class PickOut(Out):
    """One line placed with one carrier, at its yearly price (bundled or not)."""

    line: str
    carrier: str
    carrier_name: str
    price_per_year: str
    bundled: bool = Field(description="Priced with the carrier's multi-policy discount.")
    like_for_like: bool
    substitutions: list[SubstitutionOut]


class HouseholdOut(Out):
    """The cheapest mix across carriers, multi-policy discounts included, beside single-line picks."""

    best: list[PickOut]
    best_total_per_year: str
    singles: list[PickOut] = Field(description="The cheapest carrier for each line on its own.")
    singles_total_per_year: str
    saving_per_year: str
    unplaced: list[str] = Field(description="Lines no carrier quoted.")
