"""Single-risk rating: assignment, declines, bad input, fees, versions."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from builders import write_manual
from paths import ROOT
from rateshop.errors import ManualNotFound, RiskError
from rateshop.rating.library import Library, load_plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate

AUTO = ROOT / "tests" / "fixtures" / "auto-mini"

RISK: dict[str, Any] = {
    "effective_date": "2025-08-01",
    "payment_plan": "installments",
    "homeowner": True,
    "drivers": [
        {"birth_date": "1980-05-05", "marital_status": "married",
         "incidents": [{"kind": "minor_speeding", "date": "2024-01-10"}]},
        {"birth_date": "2007-02-01", "marital_status": "single", "good_student": True,
         "incidents": [{"kind": "at_fault_accident", "date": "2023-11-01"},
                       {"kind": "at_fault_accident", "date": "2024-06-01"}]},
    ],
    "vehicles": [
        {"model_year": 2019, "symbol": 10, "use": "commute", "garaging_zip": "75201"},
        {"model_year": 2022, "symbol": 18, "use": "pleasure", "garaging_zip": "78701"},
        {"model_year": 2010, "symbol": 5, "use": "pleasure", "garaging_zip": "00000"},
    ],
    "coverages": {"BI": {"limit": "50/100"}, "PD": {"limit": 25}, "COLL": {"deductible": 500}},
}  # fmt: skip


def quote_of(risk: dict[str, Any]) -> Quote:
    answer = rate(load_plan(AUTO), risk)
    assert isinstance(answer, Quote)
    return answer


def test_highest_rated_driver_goes_to_highest_rated_vehicle() -> None:
    quote = quote_of(RISK)
    keys = {(ln.unit, ln.step): ln.key for ln in quote.worksheet.lines if ln.component == "COLL"}
    # the 18-year-old with two accidents (7 points) drives the symbol-18 car
    assert keys[("vehicle 2", "driver_class")] == "age=18 [18-24], marital=single"
    assert keys[("vehicle 1", "driver_class")] == "age=45 [40-64], marital=married"
    # the third car has no driver of its own: unrated-driver factor instead of a class
    applied = {
        (ln.unit, ln.step): ln.applied for ln in quote.worksheet.lines if ln.component == "BI"
    }
    assert applied[("vehicle 3", "driver_class")] is False
    assert applied[("vehicle 3", "unrated_driver")] is True


def test_points_count_occurrences_within_36_months() -> None:
    quote = quote_of(RISK)
    points = {
        ln.unit: ln.key
        for ln in quote.worksheet.lines
        if ln.step == "points" and ln.component == "BI"
    }
    # second at-fault accident is the 2nd occurrence: 3 + 4 = 7 points
    assert points["vehicle 2"] == "points=7"
    assert points["vehicle 1"] == "points=1"


def test_discount_group_is_capped() -> None:
    quote = quote_of(RISK)
    line = next(
        ln
        for ln in quote.worksheet.lines
        if ln.unit == "vehicle 2" and ln.step == "discounts" and ln.component == "BI"
    )
    assert line.value == Decimal("0.80")  # 10% + 8% + 5% = 23%, capped at 20%
    assert "capped at 0.20" in line.note


def test_fees_and_instalment_fee() -> None:
    quote = quote_of(RISK)
    fees = {f.id: f.amount for f in quote.fees}
    assert fees["policy_fee"] == Decimal("90.00")
    assert fees["vehicle_fee"] == Decimal("7.50")
    # $3.50 + $0.50 for each further $125 or part above $250 of premium
    expected = Decimal("3.50") + Decimal("0.50") * math.ceil((quote.premium - 250) / 125)
    assert fees["instalment_fee"] == expected
    assert quote.total == quote.premium + sum(fees.values())


def test_paid_in_full_drops_the_instalment_fee_and_is_cheaper() -> None:
    risk = copy.deepcopy(RISK)
    risk["payment_plan"] = "paid_in_full"
    paid = quote_of(risk)
    assert "instalment_fee" not in {f.id for f in paid.fees}
    assert paid.premium < quote_of(RISK).premium


def test_decline_carries_its_reason() -> None:
    risk = copy.deepcopy(RISK)
    risk["drivers"][0]["incidents"].append({"kind": "dwi", "date": "2024-12-01"})
    answer = rate(load_plan(AUTO), risk)
    assert isinstance(answer, Decline)
    assert answer.reasons == ["DWI in the last 36 months"]


def test_old_dwi_does_not_decline() -> None:
    risk = copy.deepcopy(RISK)
    risk["drivers"][0]["incidents"].append({"kind": "dwi", "date": "2021-01-01"})
    assert isinstance(rate(load_plan(AUTO), risk), Quote)


def test_bad_input_names_each_field_the_problem_and_what_is_allowed() -> None:
    risk = copy.deepcopy(RISK)
    risk["drivers"][1]["marital_status"] = "engaged"
    risk["vehicles"][0]["symbol"] = 40
    risk["coverages"]["COLL"]["deductible"] = 300
    del risk["effective_date"]
    with pytest.raises(RiskError) as caught:
        rate(load_plan(AUTO), risk)
    problems = {p.field: p for p in caught.value.problems}
    assert problems["drivers[1].marital_status"].allowed == "single, married"
    assert "not an allowed value" in problems["drivers[1].marital_status"].problem
    assert problems["vehicles[0].symbol"].problem == "40 is out of range"
    assert problems["vehicles[0].symbol"].allowed == "whole number from 1 to 27"
    assert problems["coverages.COLL.deductible"].allowed == "250, 500, 1000"
    assert problems["effective_date"].problem == "is required"


def test_required_coverage_missing() -> None:
    risk = copy.deepcopy(RISK)
    del risk["coverages"]["BI"]
    with pytest.raises(RiskError, match=r"coverages.BI: Bodily injury is required"):
        rate(load_plan(AUTO), risk)


def test_rating_does_not_change_the_callers_risk() -> None:
    risk = copy.deepcopy(RISK)
    before = json.dumps(risk, sort_keys=True)
    rate(load_plan(AUTO), risk)
    assert json.dumps(risk, sort_keys=True) == before


def test_version_in_force_on_the_effective_date(tmp_path: Path) -> None:
    old = write_manual(tmp_path / "v1")
    new_manifest = (
        (old / "manual.yaml")
        .read_text()
        .replace("2025-01-01", "2025-07-01")
        .replace("start: 100.00", "start: 110.00")
    )
    write_manual(tmp_path / "v2", new_manifest)
    lib = Library.load(tmp_path)
    risk = {"age": 30, "territory": "north"}
    first = rate(lib.select("test", "test", "XX", dt.date(2025, 6, 30)), risk)
    second = rate(lib.select("test", "test", "XX", dt.date(2025, 7, 1)), risk)
    assert isinstance(first, Quote)
    assert isinstance(second, Quote)
    assert (first.premium, second.premium) == (Decimal("110.00"), Decimal("121.00"))
    assert first.manual.content_hash != second.manual.content_hash
    with pytest.raises(ManualNotFound, match="versions start 2025-01-01, 2025-07-01"):
        lib.select("test", "test", "XX", dt.date(2024, 12, 31))


def test_no_matching_row_is_a_risk_error_naming_the_table(tmp_path: Path) -> None:
    tables = {
        "age.csv": "age,factor\n16-24,1.50\n25-64,1.00\n",
        "territory.csv": "territory,factor\nnorth,1.1\nsouth,0.9\n",
    }
    plan = load_plan(write_manual(tmp_path, tables=tables))
    with pytest.raises(RiskError) as caught:
        rate(plan, {"age": 70, "territory": "north"})
    problem = caught.value.problems[0]
    assert problem.field == "age"
    assert problem.problem == "table age has no row for age=70"
    assert problem.allowed == "age: 16-24, 25-64"
