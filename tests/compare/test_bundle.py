"""The household optimiser: the cheapest mix of carriers across lines, bundle discounts included.

The carriers here are fakes with prices written in the test, so every expected total is worked out
by hand below, not by the optimiser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from rateshop.compare.bundle import Household, household
from rateshop.compare.connectors import Connector, Offer
from rateshop.compare.outcomes import Failure, LiveQuote
from rateshop.errors import RiskError
from samples import sample_market

# carrier -> line -> (price alone, price in a bundle), a year each; None: it does not quote.
PRICES: dict[str, dict[str, tuple[str, str] | None]] = {
    "alpha": {"auto": ("1000.00", "900.00"), "home": ("600.00", "500.00")},
    "beta": {"auto": ("950.00", "950.00"), "home": ("580.00", "580.00")},
    "gamma": {"auto": None, "home": ("700.00", "560.00")},
}


class Priced:
    """A carrier quoting the price of :data:`PRICES` for the line, bundled when asked so."""

    may_requote = False

    def __init__(self, carrier: str, asked: list[tuple[str, str, bool]]) -> None:
        self.carrier = carrier
        self.asked = asked

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        bundled = bool(risk.get("multi_policy"))
        self.asked.append((self.carrier, line, bundled))
        prices = PRICES[self.carrier][line]
        if prices is None:
            return Offer(Failure("carrier_error", f"{self.carrier} does not write {line}"))
        total = Decimal(prices[1] if bundled else prices[0])
        return Offer(LiveQuote(self.carrier, "USD", total, total, 12, ()))


def risk(line: str) -> dict[str, Any]:
    return {"line": line, "state": "TX", "effective_date": "2026-12-01"}


def run(risks: Sequence[Mapping[str, Any]], carriers: Sequence[str]) -> Household:
    asked: list[tuple[str, str, bool]] = []

    def connectors_for(line: str, state: str) -> list[Connector]:
        return [Priced(c, asked) for c in carriers]

    found = household(risks, connectors_for, sample_market())
    # Each carrier is asked for each line twice: alone and as part of a bundle.
    assert sorted(asked) == sorted(
        (c, r["line"], b) for r in risks for c in carriers for b in (False, True)
    )
    return found


def picks(chosen: Household, which: str) -> list[tuple[str, str, str, bool]]:
    return [(p.line, p.carrier, str(p.price_per_year), p.bundled) for p in getattr(chosen, which)]


def test_two_lines_with_one_carrier_beat_the_cheapest_of_each_line_alone() -> None:
    # Alone, beta is cheapest on both lines: 950 + 580 = 1530.
    # Mixes: alpha+alpha bundled 900 + 500 = 1400; alpha+beta 1000 + 580 = 1580;
    # beta+alpha 950 + 600 = 1550; beta+beta 950 + 580 = 1530. Best: alpha for both, 130 less.
    found = run([risk("auto"), risk("home")], ["alpha", "beta"])
    assert picks(found, "singles") == [
        ("auto", "beta", "950.00", False),
        ("home", "beta", "580.00", False),
    ]
    assert picks(found, "best") == [
        ("auto", "alpha", "900.00", True),
        ("home", "alpha", "500.00", True),
    ]
    data = found.to_dict()
    assert data["singles_total_per_year"] == "1530.00"
    assert data["best_total_per_year"] == "1400.00"
    assert data["saving_per_year"] == "130.00"
    assert data["unplaced"] == []


def test_a_bundle_that_saves_nothing_leaves_the_single_picks() -> None:
    # gamma's bundle needs a second line it does not write: alone, beta is cheapest at home
    # (580 < 600 < 700) and no mix of beta and gamma beats it.
    found = run([risk("home")], ["beta", "gamma"])
    assert picks(found, "best") == picks(found, "singles") == [("home", "beta", "580.00", False)]
    assert found.to_dict()["saving_per_year"] == "0.00"


def test_a_line_no_carrier_quotes_is_unplaced_and_the_rest_still_mixed() -> None:
    found = run([risk("auto"), risk("home")], ["gamma"])
    # gamma quotes no auto, so there is nothing to bundle its home with: 700 alone.
    assert found.unplaced == ["auto"]
    assert picks(found, "best") == [("home", "gamma", "700.00", False)]


def test_two_risks_of_one_line_are_refused_at_the_second() -> None:
    with pytest.raises(RiskError) as caught:
        run([risk("auto"), risk("auto")], ["alpha"])
    assert [p.field for p in caught.value.problems] == ["risks[1].line"]
