"""A manual's inputs: a shopper's JSON turned into exact values, every wrong field reported at once
with its path, what is wrong and what is allowed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from rateshop.errors import FieldProblem
from rateshop.manual.inputs import MAX_MAGNITUDE, NUMBER_FIELD, FieldSpec, record_type, validate
from rateshop.manual.types import Bool, Date, List, Num, Text

INCIDENT = {"date": FieldSpec("date", Date(), 1), "points": FieldSpec("points", Num(), 2)}
SPECS = {
    "age": FieldSpec("age", Num(), 1, minimum=16, maximum=99),
    "limit": FieldSpec("limit", Num(2), 2),  # money: cents
    "territory": FieldSpec("territory", Text(("north", "south")), 3),
    "zip": FieldSpec("zip", Text(), 4),
    "garaged": FieldSpec("garaged", Bool(), 5, required=False, default=False),
    "since": FieldSpec("since", Date(), 6, required=False),
    "incidents": FieldSpec(
        "incidents",
        List(record_type("incident", INCIDENT)),
        7,
        required=False,
        fields=INCIDENT,
        max_items=3,
    ),
    "deductible": FieldSpec("deductible", Num(), 8, choices=("500", "1000")),
}
GOOD: dict[str, Any] = {
    "age": 30,
    "limit": "1250.5",
    "territory": "north",
    "zip": 75001,
    "incidents": [{"date": "2025-06-01", "points": 2}],
    "deductible": 1000,
}


def check(data: Any) -> tuple[dict[str, Any], list[FieldProblem]]:
    problems: list[FieldProblem] = []
    return validate(SPECS, data, "", problems), problems


def test_a_good_risk_becomes_exact_values_with_defaults_and_numbered_items() -> None:
    values, problems = check(GOOD)
    assert problems == []
    assert values == {
        "age": 30,
        "limit": 125050,  # 1,250.50 held as cents
        "territory": "north",
        "zip": "75001",  # a ZIP code sent as a number is still the ZIP code, as text
        "garaged": False,  # the default
        "since": None,  # optional, not given
        "incidents": [{"date": dt.date(2025, 6, 1), "points": 2, NUMBER_FIELD: 1}],
        "deductible": 1000,
    }


def test_an_optional_list_left_out_is_empty() -> None:
    values, problems = check({k: v for k, v in GOOD.items() if k != "incidents"})
    assert (values["incidents"], problems) == ([], [])


@pytest.mark.parametrize(
    ("field", "raw", "where", "problem"),
    [
        ("age", 15, "age", "15 is out of range"),
        ("age", True, "age", "True is not a number"),
        ("age", "thirty", "age", "'thirty' is not a number"),
        ("age", "30.5", "age", "'30.5' has too many decimals"),
        ("limit", "1.005", "limit", "'1.005' has too many decimals"),
        ("limit", str(MAX_MAGNITUDE), "limit", f"{MAX_MAGNITUDE} is too large"),
        ("territory", "east", "territory", "'east' is not an allowed value"),
        ("zip", [75001], "zip", "[75001] is not text"),
        ("garaged", "yes", "garaged", "'yes' is not true or false"),
        ("since", "2025-02-30", "since", "'2025-02-30' is not a date"),
        ("since", "1/2/2025", "since", "'1/2/2025' is not a date"),
        ("deductible", 750, "deductible", "750 is not offered"),
        ("incidents", {"date": "2025-06-01"}, "incidents", "must be a list"),
    ],
)
def test_each_wrong_value_is_reported_at_its_field(
    field: str, raw: Any, where: str, problem: str
) -> None:
    _, problems = check({**GOOD, field: raw})
    assert [(p.field, p.problem) for p in problems] == [(where, problem)]


def test_every_wrong_field_is_reported_at_once_with_what_is_allowed() -> None:
    _, problems = check({"age": 100, "territory": "east", "incidents": [{"points": "x"}]})
    assert [(p.field, p.problem, p.allowed) for p in problems] == [
        ("age", "100 is out of range", "whole number from 16 to 99"),
        ("limit", "is required", "number with at most 2 decimals"),
        ("territory", "'east' is not an allowed value", "north, south"),
        ("zip", "is required", None),
        ("incidents[0].date", "is required", "a date as YYYY-MM-DD"),
        ("incidents[0].points", "'x' is not a number", "whole number"),
        ("deductible", "is required", "500, 1000"),
    ]


def test_an_over_long_list_is_refused_whole_without_reading_its_items() -> None:
    # Items that are not even records: reading any of them would add a problem of its own.
    _, problems = check({**GOOD, "incidents": [None] * 1_000})
    assert [(p.field, p.problem) for p in problems] == [
        ("incidents", "has 1000 items, more than the 3 allowed")
    ]


def test_a_risk_that_is_not_an_object_is_one_problem() -> None:
    values, problems = check(["age", 30])
    assert values == {}
    assert [(p.field, p.problem) for p in problems] == [
        ("risk", "must be an object with named fields")
    ]


def test_decimals_written_as_text_or_decimal_are_read_exactly() -> None:
    for raw in ("0.10", Decimal("0.1"), 0.1):
        values, problems = check({**GOOD, "limit": raw})
        assert (values["limit"], problems) == (10, []), raw
