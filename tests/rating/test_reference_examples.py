"""The CAS worked examples reproduce exactly, step by step."""

from __future__ import annotations

from decimal import Decimal

from paths import ROOT
from rateshop.rating.checks import run_cases
from rateshop.rating.library import load_plan
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate

MEDMAL = ROOT / "manuals" / "reference" / "cas-medmal-nurse"
AOI = ROOT / "manuals" / "reference" / "cas-homeowners-aoi"

NURSE = {
    "specialty": "nurse_anesthetist",
    "part_time": True,
    "territory": "t2",
    "schedule_rating": "0.25",
    "limit": "1M/3M",
    "deductible": 10000,
    "claims_made_year": 1,
    "group_size": 5,
}


def test_medical_malpractice_example_step_by_step() -> None:
    quote = rate(load_plan(MEDMAL), NURSE)
    assert isinstance(quote, Quote)
    published = [
        "2000.00",
        "1000.00",
        "1250.00",
        "1562.50",
        "1562.50",
        "1484.38",
        "296.88",
        "282.04",
    ]
    totals = [str(line.total) for line in quote.worksheet.lines]
    # base rate first, then the eight published steps, then the minimum and the final rounding
    assert totals[1:9] == published
    assert totals[-1] == "282"
    assert quote.premium == Decimal("282.00")
    factors = [str(line.value) for line in quote.worksheet.lines[1:9]]
    assert factors == ["0.80", "0.50", "1.25", "1.25", "1.00", "0.95", "0.20", "0.95"]


def test_amount_of_insurance_interpolation_example() -> None:
    quote = rate(load_plan(AOI), {"coverage_a": 90500})
    assert isinstance(quote, Quote)
    assert quote.premium == Decimal("231.00")
    assert quote.worksheet.lines[0].key == "amount=90500"


def test_stored_cases_of_the_reference_manuals_pass() -> None:
    for folder in (MEDMAL, AOI):
        results = run_cases(load_plan(folder))
        assert len(results) >= 5
        assert [r.failures for r in results if not r.passed] == []
