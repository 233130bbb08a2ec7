"""A plan's batch runner lives as long as the plan and no longer.

The runners are kept per plan so a second book rated with the same plan reuses its compilation;
a plan the library's bounded cache lets go must take its runner with it, or every plan ever rated
stays in memory.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from rateshop.rating import batch
from rateshop.rating.library import load_plan

EDGE = sorted((Path(__file__).parent / "edges").iterdir())[0]


def _rate_and_let_go(rate_many: Callable[[Any, list[dict[str, Any]]], Any]) -> weakref.ref[Any]:
    plan = load_plan(EDGE)
    risks = yaml.safe_load((EDGE / "risks.yaml").read_text())
    first = rate_many(plan, risks)
    again = rate_many(plan, risks)  # the same runner, the same answers
    assert list(first.premium) == list(again.premium)
    return weakref.ref(plan)


def test_a_plan_let_go_takes_its_runner_with_it() -> None:
    held = len(batch._RUNNERS)
    gone = _rate_and_let_go(batch.rate_many)
    gc.collect()
    assert gone() is None
    assert len(batch._RUNNERS) == held


def test_a_plan_let_go_takes_its_fused_runner_with_it() -> None:
    fused = pytest.importorskip("rateshop.rating.fused")
    held = len(fused._RUNNERS)
    gone = _rate_and_let_go(fused.rate_many_fused)
    gc.collect()
    assert gone() is None
    assert len(fused._RUNNERS) == held
