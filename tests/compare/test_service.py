"""The comparison: every carrier asked at once, answers streamed, the slow ones cut at a deadline."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import rateshop
from gates import Held
from paths import ROOT
from rateshop.compare.connectors import ManualConnector, Offer, manual_connectors
from rateshop.compare.service import Comparison, compare, stream
from rateshop.errors import CarrierBadResponse, RiskError
from rateshop.rating.quote import Decline, Quote
from samples import sample_library, sample_market

LIBRARY = sample_library()
MARKET = sample_market()
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())


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


def test_every_carrier_is_asked_at_once_and_answers_stream_as_they_arrive() -> None:
    held = {
        name: Held(ManualConnector(name, LIBRARY))
        for name in ("pinnacle-direct", "bluebonnet-county", "ironclad-casualty")
    }
    release_order = ["bluebonnet-county", "ironclad-casualty", "pinnacle-direct"]

    async def run() -> list[str]:
        answers = aiter(stream(RISK, list(held.values()), MARKET))
        first = asyncio.ensure_future(anext(answers))
        # Every carrier is asked while none has answered: they are asked at once, not in turn.
        for _ in range(100):  # turns of the loop, enough to start every carrier's call
            await asyncio.sleep(0)
        assert all(h.gate.asked.is_set() for h in held.values())
        assert not first.done()
        order: list[str] = []
        for name in release_order:
            held[name].gate.release()
            got = await (first if not order else anext(answers))
            order.append(got.carrier)
        return order

    assert asyncio.run(run()) == release_order


def test_a_carrier_past_the_deadline_is_a_timeout_and_the_rest_still_answer() -> None:
    hung = Held(ManualConnector("ironclad-casualty", LIBRARY))  # never released
    conns = [ManualConnector("pinnacle-direct", LIBRARY), hung, Broken()]
    result = compare(RISK, conns, MARKET, deadline=0.2)
    # The comparison answered while the carrier was still held, and gave up on its call.
    assert hung.gate.asked.is_set()
    assert not hung.gate.released.is_set()
    assert hung.gate.cancelled.is_set()
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


def test_the_blocking_call_never_writes_out_its_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    # asyncio.run puts its Ctrl-C handler back at the end, and the signal module then builds the
    # repr of the main task with its result: a whole comparison, about a millisecond of work.
    written: list[object] = []

    def counted(self: object) -> str:
        written.append(self)  # (reprlib would swallow an error raised here)
        return "Comparison(...)"

    monkeypatch.setattr(Comparison, "__repr__", counted)
    # as in a program of its own (a test runner may have set a handler of its own)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert compare(RISK, manual_connectors(LIBRARY, "auto", "TX"), MARKET).quotes
    finally:
        signal.signal(signal.SIGINT, before)
    assert written == []
