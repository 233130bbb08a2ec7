"""Comparing a stored risk again (the agents' re-quote), as a service of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest

from api.apikit import example, server_settings
from rateshop.errors import RiskError
from rateshop.risk.problems import read_risk
from rateshop.services.comparisons import View, compare_again, compare_and_store
from rateshop.services.runtime import Runtime
from rateshop.store.records import StoredComparison


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    database = tmp_path_factory.mktemp("services") / "rateshop.db"
    runtime = Runtime.start(server_settings(f"sqlite:///{database}"))
    try:
        yield runtime
    finally:
        runtime.close()


def stored(rt: Runtime, risk: dict[str, object]) -> StoredComparison:
    made = asyncio.run(compare_and_store(rt, read_risk(risk), View(rt, "price", None, None)))
    return rt.store.get(made["ref"])


def test_a_risk_compared_again_is_a_new_comparison_from_today_at_the_earliest(rt: Runtime) -> None:
    first = stored(rt, example("life"))
    new_ref, start = asyncio.run(compare_again(rt, first))
    again = rt.store.get(new_ref)
    assert new_ref != first.ref
    assert start == max(first.effective, dt.date.today()) == again.effective
    assert {a.carrier for a in again.answers} == {a.carrier for a in first.answers}


def test_a_stored_risk_the_questions_no_longer_read_is_a_risk_error_by_field(rt: Runtime) -> None:
    first = stored(rt, example("life"))
    changed = replace(first, risk={**first.risk, "tobacco": "sometimes"})
    with pytest.raises(RiskError) as refused:
        asyncio.run(compare_again(rt, changed))
    assert [p.field for p in refused.value.problems] == ["tobacco"]
