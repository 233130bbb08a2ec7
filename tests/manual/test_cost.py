"""The worst-case work of one risk is estimated when a manual loads, and bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import line_of, write_manual
from paths import ROOT
from rateshop.errors import ManualError, Problem
from rateshop.manual.cost import estimate
from rateshop.manual.folders import find_manuals
from rateshop.manual.limits import WORK_BUDGET
from rateshop.manual.loader import load_manual

LISTS = """\
manual: {carrier: t, line: t, state: XX, effective: 2025-01-01}
inputs:
  owners:
    type: list
    item: owner
    min: 1
    max: OWNERS
    fields:
      claims:
        type: list
        item: claim
        required: false
        max: CLAIMS
        fields: {kind: [a, b], amount: int}
derived:
  claim.repeats: >-
    count(o for o in owner.claims if o.kind == claim.kind)
  pairs: "count(c for w in owners for c in w.claims if any(d.amount > c.amount for v in owners for d in v.claims))"
rating:
  steps:
    - {id: base, start: pairs}
"""


def lists(owners: int, claims: int) -> str:
    return LISTS.replace("OWNERS", str(owners)).replace("CLAIMS", str(claims))


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ManualError) as caught:
        load_manual(folder)
    return caught.value.problems


def test_loops_multiply_along_their_nesting(tmp_path: Path) -> None:
    costs = {c.what: c for c in estimate(load_manual(write_manual(tmp_path, lists(3, 10), {})))}
    assert costs["input claims"].total == 30
    # computed for each of 30 claims, each looking at the 10 claims of its owner
    assert (costs["derived claim.repeats"].times, costs["derived claim.repeats"].each) == (30, 11)
    # 3 owners, 30 claims, and for each claim 3 owners and 30 claims again
    assert costs["derived pairs"].total == 1 + 3 + 30 + 30 * (3 + 30)


def test_a_loop_inside_a_loop_over_big_lists_is_refused(tmp_path: Path) -> None:
    manifest = lists(5, 40)
    problems = problems_of(write_manual(tmp_path, manifest, {}))
    by_line = {p.line: p.reason for p in problems}
    reason = by_line[line_of(manifest, "pairs:")]
    # 1 + 5 owners + 200 claims × (1 + 5 owners + 200 claims)
    assert reason.startswith("derived pairs: one risk could cost 41,206 element visits at worst")
    assert f"more than the budget of {WORK_BUDGET:,}" in reason
    assert "occurrence()" in reason
    # 200 claims × 41 visits each fits on its own
    assert line_of(manifest, "claim.repeats:") not in by_line


def test_parts_that_fit_alone_are_refused_together(tmp_path: Path) -> None:
    pairs = next(line for line in LISTS.splitlines() if line.startswith("  pairs:"))
    manifest = lists(6, 50).replace(
        pairs,
        '  claim.larger: "count(o for o in owner.claims if o.amount > claim.amount)"\n'
        '  pairs: "len(owners)"',
    )
    (problem,) = problems_of(write_manual(tmp_path, manifest, {}))
    assert problem.line == line_of(manifest, "claim.repeats:")
    # 6 owners + 300 claims + 2 × (300 claims × 51) + 1 for pairs
    assert problem.reason.startswith("one risk could cost 30,907 element visits at worst")
    assert "the costliest part is derived claim.repeats (300 runs × 51 = 15,300" in problem.reason


def test_the_shipped_manuals_fit_the_budget_with_room_to_spare() -> None:
    totals = {
        folder.name: sum(c.total for c in estimate(load_manual(folder)))
        for folder in find_manuals(ROOT / "manuals")
    }
    assert max(totals.values()) > 1_000  # the auto manuals' incidents are counted
    assert max(totals.values()) <= WORK_BUDGET // 10
