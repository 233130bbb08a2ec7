"""Rating tables: band edges, interpolation between rows and past the last, and the grids a manual
may not write. Each price is worked out by hand in the test from the table written here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from builders import BASE_MANIFEST, BASE_TABLES, write_manual
from rateshop.errors import ManualError, RateshopError
from rateshop.rating.library import load_plan
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate

AMOUNT_MANIFEST = """\
manual:
  carrier: test
  line: test
  state: XX
  effective: 2025-01-01
inputs:
  coverage_a: {type: int, min: 1, max: 10000000}
tables:
  aoi:
    file: tables/aoi.csv
    keys: {amount: {interpolate: coverage_a}}
    round: 3
    beyond: {every: 10000, add: 0.02}
rating:
  steps:
    - {id: base, start: 1000.00}
    - {id: aoi, multiply: aoi, round: cent}
"""
AMOUNT_TABLES = {"aoi.csv": "amount,factor\n100000,1.000\n200000,1.500\n"}


def premium(folder: Path, risk: dict[str, Any]) -> Decimal:
    answer = rate(load_plan(folder, tests=False), risk)
    assert isinstance(answer, Quote)
    return Decimal(str(answer.to_dict()["premium"]))


@pytest.mark.parametrize(
    ("age", "territory", "expected"),
    [
        (16, "north", "165.00"),  # 100.00 x 1.50 x 1.10: the first band's bottom
        (24, "north", "165.00"),  # the same band's top
        (25, "south", "90.00"),  # 100.00 x 1.00 x 0.90: the next band's bottom
        (64, "south", "90.00"),
        (65, "north", "132.00"),  # 100.00 x 1.20 x 1.10: the open top band
        (99, "north", "132.00"),
    ],
)
def test_a_band_holds_both_its_edges(
    tmp_path: Path, age: int, territory: str, expected: str
) -> None:
    folder = write_manual(tmp_path)
    assert premium(folder, {"age": age, "territory": territory}) == Decimal(expected)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (100000, "1000.00"),  # the first row: 1.000
        (125000, "1125.00"),  # a quarter of the way: 1.000 + 0.25 x 0.500 = 1.125
        (150000, "1250.00"),  # half way: 1.250
        (133333, "1167.00"),  # 1.000 + 0.33333 x 0.500 = 1.166665, rounded to 3: 1.167
        (200000, "1500.00"),  # the last row: 1.500
        (230000, "1560.00"),  # past it: 1.500 + 3 steps of 10,000 x 0.02 = 1.560
        (205000, "1510.00"),  # half a step, pro rata: 1.500 + 0.5 x 0.02 = 1.510
    ],
)
def test_an_amount_between_rows_gets_the_straight_line_and_past_the_last_the_beyond_rule(
    tmp_path: Path, amount: int, expected: str
) -> None:
    folder = write_manual(tmp_path, AMOUNT_MANIFEST, AMOUNT_TABLES)
    assert premium(folder, {"coverage_a": amount}) == Decimal(expected)


def test_an_amount_below_the_first_row_matches_nothing(tmp_path: Path) -> None:
    folder = write_manual(tmp_path, AMOUNT_MANIFEST, AMOUNT_TABLES)
    with pytest.raises(RateshopError, match="table aoi has no row for amount=99999"):
        rate(load_plan(folder, tests=False), {"coverage_a": 99999})


def problems(tmp_path: Path, manifest: str, tables: dict[str, str]) -> list[str]:
    with pytest.raises(ManualError) as caught:
        load_plan(write_manual(tmp_path, manifest, tables), tests=False)
    return [f"{p.file}:{p.line}: {p.reason}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("age_csv", "line", "said"),
    [
        ("age,factor\n16-30,1.50\n25-64,1.00\n65+,1.20\n", 3, "overlap"),
        ("age,factor\n16-24,1.50\n30-64,1.00\n65+,1.20\n", 3, "gap"),
        ("age,factor\n16-24,1.50\n25-64,lots\n65+,1.20\n", 3, "lots"),
    ],
    ids=["overlap", "gap", "not-a-number"],
)
def test_a_table_a_manual_may_not_write_is_refused_at_its_row(
    tmp_path: Path, age_csv: str, line: int, said: str
) -> None:
    found = problems(tmp_path, BASE_MANIFEST, {**BASE_TABLES, "age.csv": age_csv})
    assert any(f"tables/age.csv:{line}: table age: " in p and said in p for p in found), found


def test_amounts_that_do_not_increase_are_refused(tmp_path: Path) -> None:
    tables = {"aoi.csv": "amount,factor\n200000,1.500\n100000,1.000\n"}
    found = problems(tmp_path, AMOUNT_MANIFEST, tables)
    assert any("amount must increase from row to row" in p for p in found), found
