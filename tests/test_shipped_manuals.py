"""Every manual shipped in the repository loads and passes the cases stored beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from paths import ROOT
from rateshop.manual.folders import find_manuals
from rateshop.rating.checks import run_cases
from samples import compiled, sample_library

MANUALS = find_manuals(ROOT / "manuals") + find_manuals(ROOT / "tests" / "fixtures")


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_manual_loads_and_its_cases_pass(folder: Path) -> None:
    plan = compiled(folder)
    results = run_cases(plan)
    assert len(results) >= 5, "every manual carries at least five stored cases"
    assert {r.case.name: r.failures for r in results if not r.passed} == {}


def test_no_two_manuals_share_carrier_line_state_and_date() -> None:
    lib = sample_library()
    assert len({p.key for p in lib}) == len(lib.plans)
