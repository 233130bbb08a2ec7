"""The streamed comparison: an event per carrier as it answers, then ``done`` with a stored ref."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from apikit import Client, Server, example

from rateshop.api.comparisons.schemas import StreamDone
from rateshop.api.schemas import AnswerOut
from rateshop.compare.connectors import Connector, ManualConnector, Offer
from rateshop.rating.quote import Decline, Quote
from rateshop.services.runtime import Runtime
from rateshop.store import StoreFailure


class Slow:
    """A carrier answering like a live API: after a delay, from its real manual."""

    def __init__(self, inner: ManualConnector, delay: float) -> None:
        self.carrier = inner.carrier
        self.inner = inner
        self.delay = delay

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


def runtime(server: Server) -> Runtime:
    app: Any = server.server.config.app
    found: Runtime = app.state.runtime
    return found


def test_one_answer_event_per_carrier_then_done_with_a_ref_that_can_be_fetched(
    api: Client,
) -> None:
    streamed = api.stream("/comparisons/stream", example("auto"))
    assert streamed.status == 200, streamed.text
    assert streamed.headers["Content-Type"].startswith("text/event-stream")
    names = [e.name for e in streamed.events]
    assert names == ["answer"] * 5 + ["done"]
    answers = [AnswerOut.model_validate(e.data) for e in streamed.events[:-1]]
    assert len({a.carrier for a in answers}) == 5

    done = StreamDone.model_validate(streamed.events[-1].data)
    assert (done.quotes, done.declines, done.errors) == (4, 1, 0)
    assert [r.rank for r in done.ranking] == [1, 2, 3, 4]
    yearly = [Decimal(r.per_year) for r in done.ranking]
    assert yearly == sorted(yearly)
    quoted = {a.carrier: a.quote.per_year for a in answers if a.quote}
    assert {r.carrier: r.per_year for r in done.ranking} == quoted

    stored = api.get(f"/comparisons/{done.ref}")
    assert stored.status == 200
    assert [q["carrier"] for q in stored.json["quotes"]] == [r.carrier for r in done.ranking]
    # Stored whole: each answer exactly as it was streamed.
    kept = {a["carrier"]: a for kind in ("quotes", "declines", "errors") for a in stored.json[kind]}
    assert kept == {e.data["carrier"]: e.data for e in streamed.events[:-1]}


def test_answers_arrive_as_each_carrier_answers_not_all_at_the_end(
    api: Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = runtime(server).registry
    real = registry.connectors

    def with_a_slow_carrier(line: str, state: str) -> list[Connector]:
        return [
            Slow(c, 0.8) if c.carrier == "pinnacle-direct" and isinstance(c, ManualConnector) else c
            for c in real(line, state)
        ]

    monkeypatch.setattr(registry, "connectors", with_a_slow_carrier)
    streamed = api.stream("/comparisons/stream", example("auto"))
    at = {e.data.get("carrier", e.name): e.at for e in streamed.events}
    assert at["harborview"] < 0.5, at
    assert at["pinnacle-direct"] >= 0.8, at
    assert at["done"] >= at["pinnacle-direct"]


def test_a_risk_no_carrier_can_read_is_refused_before_the_stream_starts(api: Client) -> None:
    risk = example("auto")
    del risk["drivers"][1]["gender"]  # optional in the question set; every Texas manual needs it
    streamed = api.stream("/comparisons/stream", risk)
    assert streamed.status == 422
    assert json.loads(streamed.text)["errors"][0]["field"] == "drivers[1].gender"
    assert streamed.events == []


def test_a_failure_after_the_stream_began_is_a_last_error_event(
    api: Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_save(*args: object, **kwargs: object) -> str:
        raise StoreFailure("the database failed: OperationalError: server at 10.1.2.3 closed")

    # SQLite's saves go through save_many (several comparisons in one commit), others' through save.
    monkeypatch.setattr(runtime(server).store, "save", failing_save)
    monkeypatch.setattr(runtime(server).store, "save_many", failing_save)
    streamed = api.stream("/comparisons/stream", example("life"))
    assert [e.name for e in streamed.events] == ["answer"] * 4 + ["error"]
    last = streamed.events[-1].data
    assert last["status"] == 503
    assert last["error"] == "unavailable"
    assert "10.1.2.3" not in last["message"]
    assert last["incident"]


def test_a_stream_dropped_before_its_last_answer_stores_nothing(
    api: Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = runtime(server).registry
    real = registry.connectors

    def with_a_slow_carrier(line: str, state: str) -> list[Connector]:
        return [
            Slow(c, 1.0) if c.carrier == "pinnacle-direct" and isinstance(c, ManualConnector) else c
            for c in real(line, state)
        ]

    monkeypatch.setattr(registry, "connectors", with_a_slow_carrier)
    store = runtime(server).store
    before = len(store.recent(limit=10_000))

    async def leave_after_the_first_answer() -> bytes:
        async with (
            aiohttp.ClientSession(server.url) as session,
            session.post("/comparisons/stream", json=example("auto")) as reply,
        ):
            return await reply.content.readuntil(b"\n\n")

    first = asyncio.run(leave_after_the_first_answer())
    assert first.startswith(b"event: answer")
    time.sleep(2.0)  # past the slow carrier: the server would have stored it by now
    assert len(store.recent(limit=10_000)) == before
