"""Cases where the batch path once differed from the single path (found in review).

Each folder under ``edges/`` holds a small manual and the risks that exposed the difference:
a lookup shared by components and policy steps (m1), a household with no members (m2), a
negative extrapolation rounded half-up (m3), products past 64-bit integers in an expression (m5),
a discount with many groups (m7) and a large amount with added decimals (m8).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rateshop.errors import RiskError
from rateshop.rating.batch import book_from_risks, rate_book
from rateshop.rating.library import load_plan
from rateshop.rating.quote import Decline
from rateshop.rating.single import rate

EDGES = sorted((Path(__file__).parent / "edges").iterdir())


def single(plan: Any, risk: dict[str, Any]) -> tuple[Any, ...]:
    try:
        answer = rate(plan, risk)
    except RiskError:
        return ("error",)
    if isinstance(answer, Decline):
        return ("decline",)
    return ("quote", int(answer.premium.scaleb(2)), int(answer.total.scaleb(2)))


@pytest.mark.parametrize("folder", EDGES, ids=[f.name for f in EDGES])
@pytest.mark.parametrize("chunk", [1, 2, 10_000])
def test_batch_equals_single_on_edge_cases(folder: Path, chunk: int) -> None:
    plan = load_plan(folder)
    risks = yaml.safe_load((folder / "risks.yaml").read_text())
    result = rate_book(plan, book_from_risks(plan, risks), chunk=chunk)
    batch = [
        ("quote", int(result.premium[i]), int(result.total[i]))
        if result.status_of(i) == "quote"
        else (result.status_of(i),)
        for i in range(len(risks))
    ]
    assert batch == [single(plan, r) for r in risks]
