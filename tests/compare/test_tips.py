"""Savings tips: each one a real re-rating of a variant of the risk by the same carrier.

The first tests price variants with a fake carrier whose prices are written here, so each saving is
worked out by hand; the last re-rates the shipped manuals' tips separately and compares.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from paths import EXAMPLES
from rateshop.compare.connectors import ManualConnector, Offer, manual_connectors
from rateshop.compare.outcomes import Failure, LiveQuote
from rateshop.compare.service import compare
from rateshop.compare.tips import Base, ideas, tips, tips_from
from rateshop.rating.quote import Quote
from samples import sample_library, sample_market

HOME: dict[str, Any] = {
    "line": "home",
    "state": "TX",
    "effective_date": "2026-12-01",
    "deductible": 1000,
    "payment_plan": "installments",
}


class Priced:
    """A home carrier: 1,200.00 a year; 2,500 deductible 100.00 less; paid in full 0.50 less
    (under a dollar: no tip); a bundle it declines."""

    def __init__(self, carrier: str, may_requote: bool = True) -> None:
        self.carrier = carrier
        self.may_requote = may_requote
        self.asked: list[dict[str, Any]] = []

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        self.asked.append(dict(risk))
        if risk.get("multi_policy"):
            return Offer(Failure("carrier_error", "no bundles here"))
        price = Decimal("1200.00")
        if risk["deductible"] == 2500:
            price -= Decimal("100.00")
        if risk["payment_plan"] == "paid_in_full":
            price -= Decimal("0.50")
        return Offer(LiveQuote(self.carrier, "USD", price, price, 12, ()))


def test_a_tip_saves_the_difference_of_the_re_rated_price() -> None:
    carrier = Priced("alpha")
    found = asyncio.run(
        tips_from("home", "TX", [Base("alpha", "Alpha", Fraction(1200))], HOME, [carrier])
    )
    # Three variants asked (paid in full, bundled, deductible 2,500); only one saves a dollar.
    assert len(carrier.asked) == 3
    [tip] = found
    assert tip.carrier == "alpha"
    assert tip.text.startswith("raising your deductible from $1,000 to $2,500")
    assert tip.saving_per_year == Decimal("100.00")  # 1,200.00 - 1,100.00
    assert tip.price_per_year == Decimal("1100.00")
    assert tip.variant == {**HOME, "deductible": 2500}
    assert HOME["deductible"] == 1000  # the shopper's own risk is left as it was


def test_a_carrier_that_may_not_be_asked_again_gives_no_tip() -> None:
    kept = Priced("beta", may_requote=False)
    found = asyncio.run(
        tips_from("home", "TX", [Base("beta", "Beta", Fraction(1200))], HOME, [kept])
    )
    assert (found, kept.asked) == ([], [])


def test_a_saving_measured_from_the_carriers_own_base_price() -> None:
    # The same variant saves 1,150.00 - 1,100.00 = 50.00 from a base of 1,150.00.
    found = asyncio.run(
        tips_from("home", "TX", [Base("alpha", "Alpha", Fraction(1150))], HOME, [Priced("alpha")])
    )
    assert [t.saving_per_year for t in found] == [Decimal("50.00")]


def test_ideas_group_one_change_across_carriers_with_its_range() -> None:
    bases = [Base("alpha", "Alpha", Fraction(1200)), Base("gamma", "Gamma", Fraction(1300))]
    found = asyncio.run(tips_from("home", "TX", bases, HOME, [Priced("alpha"), Priced("gamma")]))
    deductible, in_full = ideas(found)
    # The deductible: alpha saves 1,200 - 1,100 = 100; gamma 1,300 - 1,100 = 200, largest first.
    assert [(t.carrier, t.saving_per_year) for t in deductible.tips] == [
        ("gamma", Decimal("200.00")),
        ("alpha", Decimal("100.00")),
    ]
    assert (deductible.low, deductible.high) == (Decimal("100.00"), Decimal("200.00"))
    # Paying in full: gamma 1,300 - 1,199.50 = 100.50; alpha's 0.50 is under a dollar.
    assert in_full.text == "paying the whole term up front"
    assert [(t.carrier, t.saving_per_year) for t in in_full.tips] == [("gamma", Decimal("100.50"))]


def test_each_tip_of_the_shipped_manuals_is_the_price_of_its_variant_asked_separately() -> None:
    risk = json.loads((EXAMPLES / "auto.json").read_text())
    library = sample_library()
    connectors = manual_connectors(library, "auto", "TX")
    comparison = compare(risk, connectors, sample_market())
    found = tips(comparison, risk, connectors)
    assert found, "the example risk has tips"
    base = {a.carrier: a.quote for a in comparison.quotes}
    on = dt.date.fromisoformat(risk["effective_date"])
    for tip in found:
        before = base[tip.carrier]
        again = asyncio.run(
            ManualConnector(tip.carrier, library).quote_nearest(tip.variant, "auto", "TX", on)
        )
        after = again.answer
        assert isinstance(before, Quote)
        assert isinstance(after, Quote)
        assert tip.price_per_year == after.per_year, tip.text
        # Each price is rounded to the cent on its own; the saving is of the exact prices.
        assert abs(tip.saving_per_year - (before.per_year - after.per_year)) <= Decimal("0.01")
        assert tip.saving_per_year >= 1
