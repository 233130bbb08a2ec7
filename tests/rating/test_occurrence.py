"""occurrence(): the n-th item of a kind, for a whole list at once, equal to the count it replaces."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from test_batch_equals_single import batch_answers, single_answer

from builders import line_of, write_manual
from paths import ROOT
from rateshop.errors import ManualError
from rateshop.rating.library import load_plan
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate

SHIPPED = ROOT / "manuals" / "pinnacle-national" / "auto-tx-2026-01-01"
OCCURRENCE = "occurrence(by=incident.date, same=incident.kind, where=incident.months_ago < 36)"
QUADRATIC = (
    "1 + count(o for o in driver.incidents\n"
    "              if o.kind == incident.kind and o.date < incident.date and o.months_ago < 36)"
)

# Both ways of numbering events side by side; a risk where they differ is declined.
BOTH = """\
manual: {carrier: t, line: t, state: XX, effective: 2025-01-01}
inputs:
  groups:
    type: list
    item: group
    min: 1
    max: 3
    fields:
      events:
        type: list
        item: event
        required: false
        max: 20
        fields: {kind: [a, b, c], day: {type: int, min: 0, max: 9}, counts: bool}
derived:
  event.fast: "occurrence(by=event.day, same=event.kind, where=event.counts)"
  event.slow: >-
    1 + count(o for o in group.events if o.kind == event.kind and o.day < event.day and o.counts)
  event.plain: "occurrence(by=event.day)"
  event.plain_slow: "1 + count(o for o in group.events if o.day < event.day)"
  total: "sum(e.fast for g in groups for e in g.events)"
eligibility:
  - decline: the two numberings differ
    when: "any(e.fast != e.slow or e.plain != e.plain_slow for g in groups for e in g.events)"
rating:
  steps:
    - {id: base, start: total}
"""

EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["a", "b", "c"]),
            "day": st.integers(0, 9),
            "counts": st.booleans(),
        }
    ),
    max_size=20,
)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return load_plan(write_manual(tmp_path_factory.mktemp("both"), BOTH, tables={}))


def test_occurrence_numbers_items_of_a_kind_by_date(both: Plan) -> None:
    events = [
        {"kind": "a", "day": 5, "counts": True},  # 2nd a (day 1 is earlier)
        {"kind": "a", "day": 1, "counts": True},  # 1st a
        {"kind": "b", "day": 1, "counts": True},  # 1st b
        {"kind": "a", "day": 5, "counts": True},  # ties with the first: also 2nd
        {"kind": "a", "day": 7, "counts": False},  # 4th: three earlier a's count
        {"kind": "a", "day": 9, "counts": True},  # 4th: the day-7 a does not count
    ]
    quote = rate(both, {"groups": [{"events": events}]})
    assert isinstance(quote, Quote)
    assert quote.premium == 2 + 1 + 1 + 2 + 4 + 4


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({"events": EVENTS}), min_size=1, max_size=3))
def test_occurrence_equals_the_count_it_replaces(both: Plan, groups: list[dict[str, Any]]) -> None:
    answer = rate(both, {"groups": groups}, trace=False)
    assert not isinstance(answer, Decline), answer.reasons


def test_the_shipped_auto_manual_rates_as_it_did_with_the_count(tmp_path: Path) -> None:
    """The rewritten manual and its old quadratic form give the same premiums."""
    text = (SHIPPED / "manual.yaml").read_text(encoding="utf-8")
    assert OCCURRENCE in text
    old = tmp_path / "old"
    shutil.copytree(SHIPPED, old)
    shutil.copytree(SHIPPED.parent / "common", tmp_path / "common")
    (old / "manual.yaml").write_text(text.replace(OCCURRENCE, QUADRATIC), encoding="utf-8")
    new_plan, old_plan = load_plan(SHIPPED), load_plan(old)
    kinds = ["minor_speeding", "major_speeding", "other_minor", "at_fault_accident",
             "not_at_fault_accident", "comprehensive_claim"]  # fmt: skip

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "kind": st.sampled_from(kinds),
                        "date": st.dates(dt.date(2021, 1, 1), dt.date(2026, 2, 1)).map(str),
                    }
                ),
                max_size=20,
            ),
            min_size=1,
            max_size=6,
        )
    )
    def check(incidents: list[list[dict[str, str]]]) -> None:
        risk = auto_risk(incidents)
        assert single_answer(new_plan, risk) == single_answer(old_plan, risk)

    check()


def auto_risk(incidents: list[list[dict[str, str]]]) -> dict[str, Any]:
    drivers = [
        {"birth_date": f"19{60 + i}-05-05", "gender": "female", "marital_status": "married",
         "licensed_date": "1990-01-01", "incidents": found}
        for i, found in enumerate(incidents)
    ]  # fmt: skip
    return {
        "effective_date": "2026-03-01",
        "drivers": drivers,
        "vehicles": [{"model_year": 2020, "symbol": 10, "use": "pleasure",
                      "annual_miles": 10000, "garaging_zip": "75201"}],
        "coverages": {"BI": {"limit": "30/60"}, "PD": {"limit": 25}, "COLL": True},
    }  # fmt: skip


def test_batch_equals_single_with_twenty_incidents_per_driver() -> None:
    plan = load_plan(SHIPPED)
    kinds = ["minor_speeding", "other_minor", "not_at_fault_accident", "comprehensive_claim"]
    risks = [
        auto_risk(
            [
                [
                    {"kind": kinds[(j + k) % (2 + seed % 3)],
                     "date": str(dt.date(2023, 3, 1) + dt.timedelta(days=(j * 31 + seed) % 900))}
                    for j in range(20)
                ]
                for k in range(6)
            ]
        )
        for seed in range(8)
    ]  # fmt: skip
    single = [single_answer(plan, r) for r in risks]
    assert any(s[0] == "quote" for s in single)
    assert batch_answers(plan, risks) == single


@pytest.mark.parametrize(
    ("derived", "reason"),
    [
        ('  event.n: "1 + occurrence(by=event.day)"', "can only be the whole value"),
        ('  n: "occurrence(by=1)"', "can only be the whole value"),
        ('  event.n: "occurrence(same=event.kind)"', "needs by="),
        ('  event.n: "occurrence(by=event.kind)"', "by= needs a number or a date"),
        ('  event.n: "occurrence(by=event.day, after=1)"', "not after="),
        ('  event.n: "occurrence(event, by=event.day)"', "keyword arguments only"),
        ('  event.n: "occurrence(by=event.day, where=event.day)"', "expected a condition"),
    ],
)
def test_occurrence_misuse_is_a_load_error(tmp_path: Path, derived: str, reason: str) -> None:
    manifest = BOTH.replace("  total:", derived + "\n  total:")
    with pytest.raises(ManualError) as caught:
        load_plan(write_manual(tmp_path, manifest, tables={}))
    (problem,) = caught.value.problems
    assert problem.line == line_of(manifest, derived.strip())
    assert reason in problem.reason


def test_occurrence_cannot_be_used_in_a_rating_step(tmp_path: Path) -> None:
    manifest = BOTH.replace("start: total}", 'start: "occurrence(by=1)"}')
    with pytest.raises(ManualError) as caught:
        load_plan(write_manual(tmp_path, manifest, tables={}))
    assert "can only be the whole value of a derived list-item field" in str(caught.value)
