"""Forms of the manual format that real filings need, each on a small manual of its own.

The manuals live in ``tests/fixtures/format`` (the batch-equals-single tests run them too) and
are shown in the manual-format reference; the shipped market's own edges are checked here too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rateshop.errors import ManualError, ManualNotFound
from rateshop.rating.checks import run_cases
from rateshop.rating.library import Library, load_plan
from rateshop.rating.quote import Decline
from rateshop.rating.single import rate

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "tests" / "fixtures" / "format"


def _copy(name: str, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of a format example with one piece of its manifest replaced."""
    folder = tmp_path / name
    folder.mkdir()
    text = (FORMS / name / "manual.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "manual.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- validity end
def test_a_plan_year_manual_ends_with_its_plan_year() -> None:
    lib = Library([load_plan(FORMS / "plan-year")])
    last = lib.select("example-health", "health", "XX", dt.date(2026, 12, 31))
    assert last.manual.identity.expires == dt.date(2027, 1, 1)
    with pytest.raises(ManualNotFound) as found:
        lib.select("example-health", "health", "XX", dt.date(2027, 1, 1))
    assert str(found.value) == (
        "no 2027 rates filed yet: example-health's health rates in XX ended 2026-12-31"
    )
    assert lib.in_force("health", "XX", dt.date(2027, 3, 1)) == []


def test_ends_and_expires_are_one_or_the_other(tmp_path: Path) -> None:
    both = _copy(
        "plan-year", tmp_path, "  ends: 2026-12-31", "  ends: 2026-12-31\n  expires: 2027-01-01"
    )
    with pytest.raises(ManualError, match="not both"):
        load_plan(both)
    (tmp_path / "early").mkdir()
    early = _copy("plan-year", tmp_path / "early", "ends: 2026-12-31", "ends: 2025-12-31")
    with pytest.raises(ManualError, match=r"manual\.ends must be on or after manual\.effective"):
        load_plan(early)


def test_every_shipped_health_manual_ends_with_plan_year_2026() -> None:
    lib = Library.load(ROOT / "manuals", store=None)
    for state in ("CA", "NY", "TX"):
        carriers = lib.carriers("health", state)
        assert carriers
        assert len(lib.in_force("health", state, dt.date(2026, 12, 31))) == len(carriers)
        assert lib.in_force("health", state, dt.date(2027, 1, 1)) == []
        with pytest.raises(ManualNotFound, match="no 2027 rates filed yet"):
            lib.select(carriers[0], "health", state, dt.date(2027, 1, 1))


# ---------------------------------------------------------------- leap-day birthdays
def test_leap_day_birthdays_by_the_default_convention() -> None:
    plan = load_plan(FORMS / "leap-birthday")
    assert [r.failures for r in run_cases(plan)] == [[]] * len(plan.manual.tests)


def test_leap_day_birthdays_on_1_march(tmp_path: Path) -> None:
    folder = _copy(
        "leap-birthday", tmp_path, "leap_birthday: february_28", "leap_birthday: march_1"
    )
    plan = load_plan(folder)
    on_28th = rate(plan, {"birth_date": "2008-02-29", "effective_date": "2026-02-28"})
    assert isinstance(on_28th, Decline)
    on_1st = rate(plan, {"birth_date": "2008-02-29", "effective_date": "2026-03-01"})
    assert not isinstance(on_1st, Decline)
    assert str(on_1st.premium) == "150.00"


def test_an_unknown_leap_convention_is_refused(tmp_path: Path) -> None:
    folder = _copy("leap-birthday", tmp_path, "leap_birthday: february_28", "leap_birthday: feb29")
    with pytest.raises(
        ManualError, match=r"manual\.leap_birthday must be one of february_28, march_1"
    ):
        load_plan(folder)
