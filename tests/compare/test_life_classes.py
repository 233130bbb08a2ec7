"""Each life carrier places an applicant in its own class from the health answers, by its manual's
criteria, and its quote says which class and why."""

from __future__ import annotations

import json
from typing import Any

import rateshop
from paths import ROOT


def _classes(**answers: Any) -> dict[str, tuple[str, str]]:
    risk = json.loads((ROOT / "examples" / "life.json").read_text())
    risk.update(face_amount=1_000_000, **answers)
    result = rateshop.compare_risk(risk)
    out = {}
    for answer in result.quotes:
        assert answer.quote is not None
        details = {key: value for key, _, value in answer.quote.details}
        out[answer.carrier] = (details["uw_class"], details["class_reason"])
    return out


def test_one_applicant_in_each_carriers_own_class_with_its_reason() -> None:
    # 5 ft 10 in, 190 lb: a body mass index of 27.3, under some carriers' limits and over others'.
    placed = _classes(height_in=70, weight_lb=190)
    assert placed["evergreen-mutual"] == ("preferred_plus", "every criterion of the best class met")
    assert placed["summit-national"][0] == "preferred_plus"
    assert placed["meridian-life"] == ("preferred", "body mass index over 26.0")
    assert placed["lakeshore-life"] == ("preferred", "body mass index over 27.0")


def test_treatment_and_tobacco_move_the_class_down() -> None:
    placed = _classes(height_in=70, weight_lb=170, bp_treated=True, tobacco_years_since=2)
    assert placed["meridian-life"][0] == "standard"  # no tobacco for 5 years needed for preferred
    assert placed["evergreen-mutual"] == ("standard_plus", "tobacco in the last 5 years")


def test_without_health_answers_the_class_asked_is_used() -> None:
    placed = _classes(health_class="standard")
    assert all(
        c == ("standard", "the class you chose (no health answers given)") for c in placed.values()
    )
