"""The batch path gives exactly the single-risk answers, for every manual in the repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paths import ROOT
from rateshop.errors import RiskError
from rateshop.manual.folders import find_manuals
from rateshop.rating.batch import BatchResult, rate_many
from rateshop.rating.fused import FALLBACKS, rate_many_fused
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline
from rateshop.rating.single import rate
from risks import risk_strategy
from samples import compiled

MANUALS = (
    find_manuals(ROOT / "manuals")
    + find_manuals(ROOT / "tests" / "fixtures")
    + find_manuals(ROOT / "benchmarks" / "manuals")
)


def single_answer(plan: Plan, risk: dict[str, Any]) -> tuple[Any, ...]:
    try:
        answer = rate(plan, risk, trace=False)
    except RiskError:
        return ("error",)
    if isinstance(answer, Decline):
        return ("decline", tuple(answer.reasons))
    comps = {c.id: int(c.amount.scaleb(2)) for c in answer.components}
    return ("quote", int(answer.premium.scaleb(2)), int(answer.total.scaleb(2)), comps)


def batch_answers(
    plan: Plan, risks: list[dict[str, Any]], rate_fn: Callable[..., BatchResult] = rate_many
) -> list[tuple[Any, ...]]:
    result = rate_fn(plan, risks)
    out: list[tuple[Any, ...]] = []
    for i in range(len(risks)):
        status = result.status_of(i)
        if status == "error":
            out.append(("error",))
        elif status == "decline":
            out.append(("decline", tuple(result.declined[i])))
        else:
            comps = {k: int(v[i]) for k, v in result.components.items()}
            # a component no unit rated is absent from the single quote; batch sums it as 0
            single_like = {k: v for k, v in comps.items() if v or k in _rated(plan, risks[i])}
            out.append(("quote", int(result.premium[i]), int(result.total[i]), single_like))
    return out


def _rated(plan: Plan, risk: dict[str, Any]) -> set[str]:
    answer = rate(plan, risk, trace=False)
    assert not isinstance(answer, Decline)
    return {c.id for c in answer.components}


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_batch_equals_single(folder: Path) -> None:
    plan = compiled(folder)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(risk_strategy(plan.manual), min_size=1, max_size=6))
    def check(risks: list[dict[str, Any]]) -> None:
        expected = [single_answer(plan, r) for r in risks]
        assert batch_answers(plan, risks) == expected

    check()


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_fused_equals_single(folder: Path) -> None:
    """The fused kernel path gives the single-risk answers too (each plan compiles one kernel,
    kept on disk by the plan cache, so the examples are fewer than the column-wise test's)."""
    plan = compiled(folder)
    before = dict(FALLBACKS)

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(risk_strategy(plan.manual), min_size=1, max_size=8))
    def check(risks: list[dict[str, Any]]) -> None:
        expected = [single_answer(plan, r) for r in risks]
        assert batch_answers(plan, risks, rate_many_fused) == expected

    check()
    cases = [c.risk for c in plan.manual.tests]
    if cases:
        expected = [single_answer(plan, r) for r in cases]
        assert batch_answers(plan, cases, rate_many_fused) == expected
    # no shipped manual needs the column-wise fallback (a test fixture may: by-peril chains
    # carry more decimals than int64 holds, and fall back, still equal to the single path)
    if folder.is_relative_to(ROOT / "manuals"):
        assert before == FALLBACKS


WITH_CASES = [m for m in MANUALS if (m / "tests.yaml").is_file()]


@pytest.mark.parametrize("folder", WITH_CASES, ids=[str(m.relative_to(ROOT)) for m in WITH_CASES])
def test_stored_cases_batch_equals_single(folder: Path) -> None:
    plan = compiled(folder)
    risks = [c.risk for c in plan.manual.tests]
    assert batch_answers(plan, risks) == [single_answer(plan, r) for r in risks]


def test_chunked_batches_give_the_same_answers() -> None:
    from rateshop.rating.batch import book_from_risks, rate_book

    plan = compiled(ROOT / "tests" / "fixtures" / "auto-mini")
    risks = [dict(c.risk) for c in plan.manual.tests] * 7
    book = book_from_risks(plan, risks)
    whole = rate_book(plan, book, chunk=10_000)
    for size in (1, 2, 3, 5):
        parts = rate_book(plan, book_from_risks(plan, risks), chunk=size)
        assert parts.premium.tolist() == whole.premium.tolist()
        assert parts.total.tolist() == whole.total.tolist()
        assert parts.status.tolist() == whole.status.tolist()
        assert parts.declined == whole.declined
