"""The premium tax credit: the plan year's guideline and applicable percentage, the benchmark the
second-lowest-cost silver plan, the price after the credit never below nothing."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from paths import ROOT
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.subsidy import applicable_percentage, credit, household_credit
from samples import sample_library


def test_the_2026_applicable_percentage_on_its_straight_lines() -> None:
    assert applicable_percentage(2026, Decimal("120")) == Decimal("2.10")
    assert applicable_percentage(2026, Decimal("150")) == Decimal("4.19")
    assert applicable_percentage(2026, Decimal("175")) == Decimal("5.40")  # half way 4.19-6.60
    assert applicable_percentage(2026, Decimal("350")) == Decimal("9.96")
    assert applicable_percentage(2026, Decimal("400")) is None  # no credit at 400% and over
    assert applicable_percentage(2026, Decimal("99.99")) is None  # Medicaid or CHIP


def test_a_family_of_four_on_65000_dollars() -> None:
    silver = [("a", Decimal("18000")), ("b", Decimal("21000")), ("c", Decimal("19000"))]
    got = credit(2026, 4, Decimal(65000), silver)
    assert got is not None
    # 2025 guideline for 4: 15,650 + 3 x 5,500 = 32,150; 65,000 is 202.18% of it.
    assert got.guideline == 32150
    assert got.percent_of_guideline == Decimal("202.18")
    assert got.applicable_percentage == Decimal("6.68")  # 6.60 + 1.84 x 2.18 / 50
    assert got.contribution == Decimal("4342.00")
    assert (got.benchmark_carrier, got.benchmark) == ("c", Decimal("19000"))  # second lowest
    assert got.per_year == Decimal("14658.00")
    assert got.after(Decimal("18000")) == Decimal("3342.00")
    assert got.after(Decimal("9000")) == 0  # never below nothing
    assert "Rev. Proc. 2025-25" in got.sources[1]


def test_no_rules_for_a_plan_year_no_credit_figured() -> None:
    assert credit(2031, 1, Decimal(30000), [("a", Decimal(5000))]) is None


def test_the_benchmark_is_the_markets_own_silver_prices() -> None:
    risk = json.loads((ROOT / "examples" / "health.json").read_text())
    risk["metal_tier"] = "bronze"
    risk["household_income"] = 65000
    conns = manual_connectors(sample_library(), "health", "TX")
    got = asyncio.run(household_credit("TX", risk, conns))
    assert got is not None
    assert got.benchmark is not None
    assert got.per_year > 0
    assert got.household_size == 4
