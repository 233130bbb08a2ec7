"""The premium tax credit of an individual health household, and each plan's price after it.

The credit a year is the benchmark plan's price less what the household is expected to pay for it,
never below nothing: the benchmark is the second-lowest-cost silver plan among the carriers for
the household's area (each carrier rated again at silver, as a tip is: a real re-rating), and the
expected contribution is the household income times the applicable percentage for its income as a
percentage of the poverty guideline. A plan's price after the credit is its price less the credit,
never below nothing. The numbers of each plan year are in ``subsidy_rules.yaml``, with their
sources; a plan year it does not hold has no credit figured (said, not guessed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from rateshop.compare.connectors import Connector
from rateshop.compare.outcomes import LiveQuote
from rateshop.compare.service import DEFAULT_DEADLINE
from rateshop.errors import RateshopError
from rateshop.rating.quote import Quote

RULES = Path(__file__).with_name("subsidy_rules.yaml")
CENT = Decimal("0.01")
PERCENT = Decimal("0.01")  # applicable percentages to a hundredth of a percent


@functools.cache
def _rules() -> dict[int, Any]:
    data: dict[int, Any] = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Credit:
    """A household's premium tax credit for a plan year, with how it was figured."""

    plan_year: int
    household_size: int
    income: Decimal
    guideline: Decimal
    guideline_year: int
    percent_of_guideline: Decimal
    applicable_percentage: Decimal | None  # None: not eligible (below 100% or 400% and over)
    contribution: Decimal | None
    benchmark_carrier: str
    benchmark: Decimal | None  # the second-lowest-cost silver plan a year
    per_year: Decimal
    sources: tuple[str, ...]

    def after(self, price_per_year: Decimal) -> Decimal:
        """A plan's price a year after the credit (never below nothing)."""
        return max(Decimal(0), price_per_year - self.per_year)


def applicable_percentage(plan_year: int, percent: Decimal) -> Decimal | None:
    """The applicable percentage (in percent) at ``percent`` of the guideline, or None."""
    for band in _rules()[plan_year]["applicable_percentage"]["bands"]:
        low, high = Decimal(str(band["from"])), Decimal(str(band["to"]))
        if low <= percent < high:
            initial, final = Decimal(str(band["initial"])), Decimal(str(band["final"]))
            value = initial + (final - initial) * (percent - low) / (high - low)
            return value.quantize(PERCENT, rounding=ROUND_HALF_UP)
    return None


def credit(
    plan_year: int, size: int, income: Decimal, silver: Sequence[tuple[str, Decimal]]
) -> Credit | None:
    """The credit of a household of ``size`` with ``income``, benchmarked on ``silver`` prices.

    ``silver`` is each carrier's silver price a year for the household. None when the plan year
    has no rules here.
    """
    rules = _rules().get(plan_year)
    if rules is None:
        return None
    line = rules["poverty_guideline"]
    guideline = Decimal(line["first_person"]) + Decimal(line["each_additional"]) * (size - 1)
    percent = (income * 100 / guideline).quantize(PERCENT, rounding=ROUND_HALF_UP)
    rate = applicable_percentage(plan_year, percent)
    ranked = sorted(silver, key=lambda s: (s[1], s[0]))
    benchmark = ranked[1] if len(ranked) > 1 else (ranked[0] if ranked else None)
    contribution = None
    amount = Decimal(0)
    if rate is not None:
        contribution = (income * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        if benchmark is not None:
            amount = max(Decimal(0), benchmark[1] - contribution)
    return Credit(
        plan_year=plan_year,
        household_size=size,
        income=income,
        guideline=guideline,
        guideline_year=int(line["year"]),
        percent_of_guideline=percent,
        applicable_percentage=rate,
        contribution=contribution,
        benchmark_carrier=benchmark[0] if benchmark else "",
        benchmark=benchmark[1] if benchmark else None,
        per_year=amount,
        sources=(str(line["source"]), str(rules["applicable_percentage"]["source"])),
    )


async def household_credit(
    state: str,
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    deadline: float = DEFAULT_DEADLINE,
) -> Credit | None:
    """The credit of the household of a health ``risk`` that gives its income, or None.

    Every carrier that may be asked again prices the household at silver; their names and yearly
    prices set the benchmark.
    """
    income = risk.get("household_income")
    if risk.get("line") != "health" or income is None:
        return None
    on = dt.date.fromisoformat(str(risk["effective_date"]))
    size = int(risk.get("household_size") or len(risk.get("members") or []) or 1)
    silver = {**risk, "metal_tier": "silver"}
    asked = [c for c in connectors if c.may_requote]

    async def price(conn: Connector) -> tuple[str, Decimal] | None:
        try:
            got = await asyncio.wait_for(conn.quote_nearest(silver, "health", state, on), deadline)
        except (RateshopError, TimeoutError):
            return None
        if isinstance(got.answer, Quote | LiveQuote) and not got.substitutions:
            return conn.carrier, got.answer.per_year
        return None

    found = [p for p in await asyncio.gather(*(price(c) for c in asked)) if p is not None]
    return credit(on.year, size, Decimal(str(income)), found)
