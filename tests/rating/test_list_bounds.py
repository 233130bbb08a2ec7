"""A risk whose list is longer than its manual's max is refused before any rating work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_occurrence import SHIPPED, auto_risk

from paths import ROOT
from rateshop.errors import RiskError
from rateshop.rating import prepare as prepare_module
from rateshop.rating.library import load_plan
from rateshop.rating.prepare import validate_risk
from rateshop.rating.single import rate

AUTO_MINI = ROOT / "tests" / "fixtures" / "auto-mini"
INCIDENT = {"kind": "minor_speeding", "date": "2025-01-10"}


def risk_with(incidents: int, drivers: int = 2) -> dict[str, Any]:
    return auto_risk([[dict(INCIDENT) for _ in range(incidents)] for _ in range(drivers)])


def test_the_generated_check_passes_an_over_long_list_to_the_general_one() -> None:
    plan = load_plan(SHIPPED)
    assert plan.code.check(risk_with(20)) is not None  # within max: the fast path answers
    assert plan.code.check(risk_with(21)) is None


def test_the_general_check_names_the_list_the_problem_and_what_is_allowed() -> None:
    plan = load_plan(SHIPPED)
    with pytest.raises(RiskError) as caught:
        prepare_module._validate_fully(plan, risk_with(21))
    fields = {p.field: p for p in caught.value.problems}
    assert set(fields) == {"drivers[0].incidents", "drivers[1].incidents"}
    problem = fields["drivers[0].incidents"]
    assert problem.problem == "has 21 items, more than the 20 allowed"
    assert problem.allowed == "a list of at least 0 and at most 20 items"


def test_a_top_level_list_over_its_max_is_refused() -> None:
    plan = load_plan(SHIPPED)
    with pytest.raises(RiskError) as caught:
        validate_risk(plan, risk_with(0, drivers=7))
    (problem,) = caught.value.problems
    assert problem.field == "drivers"
    assert "more than the 6 allowed" in problem.problem


@pytest.mark.parametrize("folder", [SHIPPED, AUTO_MINI], ids=["occurrence", "count"])
def test_ten_thousand_incidents_are_refused_without_looking_at_them(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = load_plan(folder)
    derived: list[int] = []
    monkeypatch.setattr(prepare_module, "_derive", lambda *args: derived.append(1))
    # items that are not even records: validating any of them would add a problem each
    risk = risk_with(0)
    risk["coverages"]["COLL"] = {"deductible": 500}
    risk["drivers"][0]["incidents"] = [None] * 10_000
    with pytest.raises(RiskError) as caught:
        rate(plan, risk)
    assert [p.field for p in caught.value.problems] == ["drivers[0].incidents"]
    assert derived == []
