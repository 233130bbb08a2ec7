"""The expression language: typing and exact evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from rateshop.manual.expr import ExprError, Scope
from rateshop.manual.expr_check import parse
from rateshop.manual.types import BOOL, DATE, INT, Num, Text
from rateshop.rating.expressions import Compiler

SCOPE = Scope({"n": INT, "x": Num(2), "kind": Text(("a", "b")), "d": DATE, "flag": BOOL})


def run(text: str, **env: object) -> object:
    return Compiler({}, flat=False).compile(parse(text, SCOPE))(dict(env))


def test_decimal_literals_are_exact() -> None:
    assert run("x * 0.1", x=333) == 333  # 3.33 x 0.1 = 0.333, held at scale 3
    assert run("round(x * 0.1, 2)", x=333) == 33
    assert run("round(x * 0.15, 2)", x=333) == 50  # 0.4995 -> 0.50 half-up


def test_division_only_inside_rounding() -> None:
    with pytest.raises(ExprError, match="only allowed as round"):
        parse("n / 3", SCOPE)
    assert run("round(n / 3, 2)", n=2) == 67
    assert run("ceil(n / 125)", n=251) == 3
    assert run("floor(n / 125)", n=251) == 2


def test_in_list_compares_values_not_text() -> None:
    assert run("n in [1.0, 2]", n=1) is True
    assert run("n in [1.5]", n=1) is False


def test_dates_and_ages() -> None:
    born, on = dt.date(2000, 3, 1), dt.date(2026, 2, 28)
    assert run("age(d, date('2026-02-28'))", d=born) == 25
    assert run("months_between(d, date('2026-02-28'))", d=born) == 311
    assert on > born


def test_category_literals_are_checked() -> None:
    with pytest.raises(ExprError, match="'c' is never a value of kind"):
        parse("kind == 'c'", SCOPE)


def test_arbitrary_python_is_refused() -> None:
    for text in ("__import__('os')", "[c for c in 'ab']", "lambda: 1", "n.__class__", "open('x')"):
        with pytest.raises(ExprError):
            parse(text, SCOPE)
