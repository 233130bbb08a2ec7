"""Worksheet data and decimal text: the fast JSON form says exactly what the line objects say."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from paths import ROOT
from rateshop.manual.folders import find_manuals
from rateshop.money import decimal_text, to_decimal
from rateshop.rating.quote import WORKSHEET_COLUMNS, Quote
from rateshop.rating.single import rate
from samples import compiled

MANUALS = find_manuals(ROOT / "manuals") + find_manuals(ROOT / "tests" / "fixtures")


@given(st.integers(min_value=-(10**30), max_value=10**30), st.integers(min_value=-3, max_value=12))
def test_decimal_text_is_the_decimals_own_text(value: int, scale: int) -> None:
    assert decimal_text(value, scale) == str(to_decimal(value, scale))


@pytest.mark.parametrize(
    ("value", "scale", "text"),
    [(0, 3, "0.000"), (5, 3, "0.005"), (-5, 3, "-0.005"), (1070, 3, "1.070"), (1, 7, "1E-7")],
)
def test_decimal_text_examples(value: int, scale: int, text: str) -> None:
    assert decimal_text(value, scale) == text
    assert Decimal(text) == to_decimal(value, scale)


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_line_data_says_what_the_lines_say(folder: Path) -> None:
    plan = compiled(folder)
    priced = [c for c in plan.manual.tests if c.decline is None]
    for case in priced:
        answer = rate(plan, case.risk)
        assert isinstance(answer, Quote), case.name
        made = answer.worksheet.line_dicts()
        assert made == [ln.to_dict() for ln in answer.worksheet.lines], case.name
        assert all(tuple(line) == WORKSHEET_COLUMNS for line in made)
