"""The Python generated per plan: same answers as the general paths, and no manual text as code."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_single import RISK

from builders import write_manual
from paths import ROOT
from rateshop.errors import RiskError
from rateshop.manual.folders import find_manuals
from rateshop.rating.library import load_plan
from rateshop.rating.prepare import _derive, _flatten, _validate_fully, validate_risk
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate
from samples import compiled

MANUALS = find_manuals(ROOT / "manuals") + find_manuals(ROOT / "tests" / "fixtures")
# Manuals whose stored cases all use forms the fast check hands to the general checker: the
# medical malpractice example reads a decimal input (its schedule rating).
GENERAL_ONLY = {"cas-medmal-nurse"}


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_fast_check_gives_exactly_the_general_checks_values(folder: Path) -> None:
    plan = compiled(folder)
    checked = 0
    for case in plan.manual.tests:
        fast = plan.code.check(case.risk)
        if fast is None:
            continue
        checked += 1
        # repr also tells True from 1 and a date from a datetime
        assert repr(fast) == repr(_validate_fully(plan, case.risk)), case.name
        if plan.code.flatten is not None:
            _derive(plan, fast)
            general: dict[str, Any] = {}
            _flatten(fast, "", general)
            assert plan.code.flatten(fast) == general
    # A manual whose cases all went to the general checker would check nothing here.
    assert checked or folder.name in GENERAL_ONLY, f"no case of {folder.name} took the fast check"


AUTO = ROOT / "tests" / "fixtures" / "auto-mini"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("payment_plan",), "monthly"),  # not an allowed value
        (("homeowner",), 1),  # not a boolean
        (("effective_date",), "20250801"),  # not YYYY-MM-DD
        (("effective_date",), "2025-02-30"),  # no such day
        (("drivers", 0, "birth_date"), dt.datetime(1980, 5, 5)),  # not a plain date
        (("vehicles", 0, "symbol"), "12"),  # a number as text: only the general check reads it
        (("vehicles", 0, "symbol"), 12.0),
        (("vehicles", 0, "symbol"), True),
        (("vehicles", 0, "symbol"), 40),  # out of range
        (("coverages", "PD", "limit"), "25"),
        (("coverages", "COLL"), False),
        (("coverages", "XX"), True),  # not offered
        (("drivers",), []),  # too few
    ],
)
def test_fast_check_leaves_every_other_form_to_the_general_check(
    path: tuple[Any, ...], value: Any
) -> None:
    plan = compiled(AUTO)
    risk = copy.deepcopy(RISK)
    holder: Any = risk
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = value
    fast = plan.code.check(risk)
    if fast is not None:
        assert repr(fast) == repr(_validate_fully(plan, risk))
        return
    try:
        expected: Any = _validate_fully(plan, risk)
    except RiskError as exc:
        expected = exc.problems
    try:
        got: Any = validate_risk(plan, risk)
    except RiskError as exc:
        got = exc.problems
    assert repr(got) == repr(expected)


QUOTED_TEXT = """\
manual:
  carrier: test
  line: test
  state: XX
  effective: 2025-01-01
inputs:
  age: {type: int, min: 16, max: 99}
  territory: ["north'); raise SystemExit('", 'so"uth']
coverages:
  BI: {label: "Bodily injury'); raise SystemExit(1); ('", required: true}
tables:
  age:
    file: tables/age.csv
    keys: {age: {band: age}}
  territory:
    file: tables/territory.csv
    keys: {territory: territory}
components:
  - {id: BI, label: "x\\n'''\\\\", coverage: BI}
rating:
  steps:
    - {id: base, label: "{__import__('os')}", start: 100.00}
    - {id: age, multiply: age, round: cent}
    - {id: territory, multiply: territory, round: cent}
"""


def test_text_from_a_manual_is_data_in_generated_code(tmp_path: Path) -> None:
    tables = {
        "age.csv": "age,factor\n16-24,1.50\n25-64,1.00\n65+,1.20\n",
        "territory.csv": (
            'territory,factor\n"north\'); raise SystemExit(\'",1.10\n"so""uth",0.90\n'
        ),
    }
    plan = load_plan(write_manual(tmp_path, QUOTED_TEXT, tables))
    answer = rate(
        plan, {"age": 30, "territory": "north'); raise SystemExit('", "coverages": {"BI": True}}
    )
    assert isinstance(answer, Quote)
    assert answer.premium == Decimal("110.00")
    assert answer.components[0].label == "x\n'''\\"
    assert answer.worksheet.lines[0].label == "{__import__('os')}"


def test_a_plain_json_risk_takes_the_fast_path() -> None:
    plan = compiled(AUTO)
    assert plan.code.check(RISK) is not None
    assert plan.code.flatten is not None
