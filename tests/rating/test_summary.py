"""A price taken apart from its worksheet: exact, and adding up to the price to the cent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rateshop
from paths import ROOT
from rateshop.manual.folders import find_manuals
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate
from rateshop.rating.summary import plain_key, summarise
from samples import compiled

MANUALS = find_manuals(ROOT / "manuals") + find_manuals(ROOT / "tests" / "fixtures")


def _adds_up(quote: Quote) -> None:
    data = quote.to_dict()
    summary = summarise(data)
    assert summary is not None, "the replay did not give back the worksheet"
    assert sum(amount for _, amount in summary.parts) == summary.per_year == quote.per_year
    # Every fact's effect, not only the ones shown, with the starting price and the fees: the
    # price exactly (terms of 6 and 12 months turn into a year without rounding).
    if 12 % quote.term_months == 0:
        every = summary.starting + sum(e.per_year for e in summary.effects) + summary.fees
        assert every == summary.per_year
    assert [abs(e.per_year) for e in summary.top] == sorted(
        (abs(e.per_year) for e in summary.top), reverse=True
    )


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_every_stored_case_of_every_manual_is_taken_apart_exactly(folder: Path) -> None:
    plan = compiled(folder)
    for case in plan.manual.tests:
        if case.decline is None:
            answer = rate(plan, case.risk)
            assert isinstance(answer, Quote), case.name
            _adds_up(answer)


def test_a_speeding_ticket_is_a_fact_with_its_dollars_a_year() -> None:
    risk = json.loads((ROOT / "examples" / "auto_young_driver.json").read_text())
    result = rateshop.compare_risk(risk)
    answer = next(a for a in result.quotes if a.carrier == "harborview")
    summary = summarise(answer.quote.to_dict())
    assert summary is not None
    record = next(e for e in summary.effects if e.step == "points")
    assert record.label == "Driving record"
    assert record.facts == ("driving-record points 3",)
    assert record.per_year > 0
    # Three points on the only driver: the largest surcharges are the driver's age and record.
    assert [e.step for e in summary.top][:2] == ["driver_class", "points"]


def test_a_price_without_a_worksheet_has_no_summary() -> None:
    assert summarise({"worksheet": [], "per_year": "10.00"}) is None


def test_a_worksheet_the_replay_cannot_give_back_has_no_summary() -> None:
    rows = [
        {"unit": None, "component": "p", "step": "b", "kind": "start", "value": "10.00",
         "total": "10.00", "applied": True, "key": None},
        {"unit": None, "component": "p", "step": "f", "kind": "multiply", "value": "1.5",
         "total": "99.00", "applied": True, "key": "x=1"},
    ]  # fmt: skip
    quote = {"worksheet": rows, "premium": "99.00", "per_year": "99.00", "term_months": 12}
    assert summarise(quote) is None


def test_keys_in_words() -> None:
    assert plain_key("age=41 [40-49], marital_status=married") == "age 41, marital status married"
    assert plain_key("coverage=BI, limit=50/100") == "limit 50/100"
    assert plain_key("roof_type=wood_shake") == "roof type wood shake"
    assert plain_key("driver age 41 (40-49)") == "driver age 41 (40-49)"


def test_a_key_the_manual_labels_keeps_its_words_beside_one_it_does_not() -> None:
    assert plain_key("driver age 41 (40-49), marital_status=married") == (
        "driver age 41 (40-49), marital status married"
    )


def test_a_manuals_key_labels_are_the_worksheets_words() -> None:
    risk = json.loads((ROOT / "examples" / "auto_young_driver.json").read_text())
    answer = next(a for a in rateshop.compare_risk(risk).quotes if a.carrier == "harborview")
    keys = {r["step"]: r["key"] for r in answer.quote.to_dict()["worksheet"]}
    assert keys["driver_class"] == "driver age 18, marital status single, gender male"
    assert keys["points"] == "driving-record points 3"


def test_a_key_that_took_its_tables_default_says_so_in_words() -> None:
    assert plain_key("zip=75001 [?] (default)") == (
        "zip 75001 (not listed: the table's default for the rest of the state)"
    )
