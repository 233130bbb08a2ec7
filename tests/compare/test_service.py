"""The comparison: every carrier asked at once, answers streamed, the slow ones cut at a deadline."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import rateshop
from rateshop.compare.connectors import ManualConnector, Offer, manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import compare, stream
from rateshop.errors import CarrierBadResponse, RiskError
from rateshop.rating.library import Library
from rateshop.rating.quote import Decline, Quote

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = Library.load(ROOT / "manuals")
MARKET = Market.load(ROOT / "market")
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())


class Slow:
    """A carrier that answers like a live API: after a delay, by delegating to a real manual."""

    def __init__(self, carrier: str, delay: float) -> None:
        self.carrier = carrier
        self.delay = delay
        self.inner = ManualConnector(carrier, LIBRARY)

    async def quote(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Quote | Decline:
        await asyncio.sleep(self.delay)
        return await self.inner.quote(risk, line, state, on)

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        await asyncio.sleep(self.delay)
        return await self.inner.quote_nearest(risk, line, state, on)


class Broken:
    carrier = "ghost-mutual"

    async def quote(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Quote | Decline:
        raise CarrierBadResponse("unreadable XML")

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        raise CarrierBadResponse("unreadable XML")


def test_ranked_by_annual_price_with_declines_kept() -> None:
    result = compare(RISK, manual_connectors(LIBRARY, "auto", "TX"), MARKET)
    prices = [a.quote.monthly for a in result.quotes if a.quote]
    assert prices == sorted(prices)
    assert [a.carrier for a in result.declines] == ["harborview"]
    assert result.errors == []


def test_answers_stream_as_they_arrive_and_the_wait_is_the_slowest() -> None:
    conns = [
        Slow("pinnacle-direct", 0.3),
        Slow("bluebonnet-county", 0.1),
        Slow("ironclad-casualty", 0.2),
    ]

    async def run() -> list[str]:
        return [a.carrier async for a in stream(RISK, conns, MARKET)]

    started = time.perf_counter()
    order = asyncio.run(run())
    elapsed = time.perf_counter() - started
    assert order == ["bluebonnet-county", "ironclad-casualty", "pinnacle-direct"]
    assert elapsed < 0.55  # concurrent: about the slowest (0.3 s), not the sum (0.6 s)


def test_a_carrier_past_the_deadline_is_a_timeout_and_the_rest_still_answer() -> None:
    conns = [Slow("pinnacle-direct", 0.0), Slow("ironclad-casualty", 2.0), Broken()]
    started = time.perf_counter()
    result = compare(RISK, conns, MARKET, deadline=0.2)
    assert time.perf_counter() - started < 1.0
    assert [a.carrier for a in result.quotes] == ["pinnacle-direct"]
    kinds = {a.carrier: a.error_kind for a in result.errors}
    assert kinds == {"ironclad-casualty": "timeout", "ghost-mutual": "invalid_response"}
    assert {a.status for a in result.errors} == {"failed"}


def test_a_request_without_line_or_state_is_refused_by_field() -> None:
    with pytest.raises(RiskError) as caught:
        compare({"effective_date": "2026-12-01"}, [], MARKET)
    assert {p.field for p in caught.value.problems} == {"line", "state"}


def test_the_blocking_call_works_inside_a_running_event_loop() -> None:
    """A notebook runs its cells inside an event loop: the library call must still answer."""
    risk = json.loads((Path(__file__).resolve().parents[2] / "examples" / "life.json").read_text())

    async def inside() -> int:
        return len(rateshop.compare_risk(risk).quotes)

    assert asyncio.run(inside()) >= 2
