"""Answers that try to steer the connector: a quote reference that is a path, a crossed RqUID.

Each is served by a small hostile carrier on loopback that records every request it gets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sandboxkit import ROOT, RunningSandbox, live_carrier

from rateshop.carriers import acord
from rateshop.carriers.http import HttpConnector, connector, xml_connector
from rateshop.carriers.reply import CarrierReply
from rateshop.compare.outcomes import Failure, LiveQuote
from rateshop.compare.registry import ConnectorContext
from rateshop.config import Settings
from rateshop.rating.library import Library

LIBRARY = Library.load(ROOT / "manuals" / "ironclad-casualty")
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())
ON = dt.date.fromisoformat(RISK["effective_date"])
FIXTURES = Path(__file__).parent / "fixtures" / "acord"

Handler = Callable[[web.Request], web.Response]


class Hostile:
    """A carrier on 127.0.0.1 answering every request with ``handler``; ``seen`` its requests."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[str] = []
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    async def _any(self, request: web.Request) -> web.Response:
        self.seen.append(f"{request.method} {request.raw_path}")
        return self.handler(request)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        runner = web.AppRunner(app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = runner.addresses[0][1]
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> Hostile:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def ask(conn: HttpConnector) -> Any:
    async def once() -> Any:
        try:
            return (await conn.quote_nearest(RISK, "auto", "TX", ON)).answer
        finally:
            await conn.aclose()

    return asyncio.run(once())


def settings() -> Settings:
    return Settings(carrier_call_deadline=2.0)


@pytest.mark.parametrize("retry", ["0.05", "30"], ids=["polled-soon", "past-the-deadline"])
@pytest.mark.parametrize(
    "ref", ["../../admin/delete?all=1", "..", "a/b", "SBX-1?x=1", "SBX%2F..", "SBX 1", ""]
)
def test_a_quote_reference_that_is_not_plain_is_never_put_in_a_poll_path(
    ref: str, retry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pending(request: web.Request) -> web.Response:
        answer = {"quote": {"status": "PENDING", "quoteNumber": ref}}
        return web.json_response(answer, status=202, headers={"Retry-After": retry})

    with Hostile(pending) as carrier:
        monkeypatch.setenv("RATESHOP_TEST_HOSTILE_URL", f"http://127.0.0.1:{carrier.port}")
        conn = connector(
            live_carrier(url_env="RATESHOP_TEST_HOSTILE_URL"),
            ConnectorContext(LIBRARY, settings()),
        )
        got = ask(conn)
        seen = list(carrier.seen)
    # Only the quote request was sent; no poll went anywhere, let alone to another path. Even
    # with no time left to poll, such a reference is not kept as the carrier's pending answer.
    assert seen == ["POST /v1/quotes"]
    assert isinstance(got, Failure), got
    assert got.kind == "invalid_response"
    # An empty reference is no reference: nothing to poll, and said so otherwise.
    assert ("not plain" in got.message) == bool(ref), got.message


def test_a_plain_quote_reference_is_polled_below_the_quote_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def pending(request: web.Request) -> web.Response:
        answer = {"quote": {"status": "PENDING", "quoteNumber": "SBX-7.a_b~c"}}
        return web.json_response(answer, status=202, headers={"Retry-After": "0.05"})

    with Hostile(pending) as carrier:
        monkeypatch.setenv("RATESHOP_TEST_HOSTILE_URL", f"http://127.0.0.1:{carrier.port}")
        conn = connector(
            live_carrier(url_env="RATESHOP_TEST_HOSTILE_URL", call_deadline=0.5),
            ConnectorContext(LIBRARY, settings()),
        )
        ask(conn)
        seen = list(carrier.seen)
    assert seen[0] == "POST /v1/quotes"
    assert len(seen) > 1
    assert set(seen[1:]) == {"GET /v1/quotes/SBX-7.a_b~c"}


def _quoted_xml(request_uid: str | None) -> bytes:
    reply = acord.parse_response((FIXTURES / "response_quoted_auto.xml").read_bytes())
    return acord.build_response(reply, "auto", request_uid)


@pytest.mark.parametrize("echo", ["another-request", None])
def test_an_acord_answer_to_another_request_is_refused(
    echo: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _quoted_xml(echo)

    def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/xml")

    with Hostile(answer) as carrier:
        monkeypatch.setenv("RATESHOP_TEST_HOSTILE_URL", f"http://127.0.0.1:{carrier.port}")
        conn = xml_connector(
            live_carrier("acord-mutual", url_env="RATESHOP_TEST_HOSTILE_URL"),
            ConnectorContext(LIBRARY, settings()),
        )
        got = ask(conn)
    assert isinstance(got, Failure), got
    assert got.kind == "invalid_response"
    assert "answers another request" in got.message


def test_each_acord_call_sends_its_own_rquid_and_the_echo_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = RunningSandbox(format="xml").start()
    try:
        monkeypatch.setenv("RATESHOP_TEST_XML_URL", served.url)
        carrier = live_carrier("acord-mutual", url_env="RATESHOP_TEST_XML_URL")
        uids = set()
        for _ in range(2):
            conn = xml_connector(carrier, ConnectorContext(LIBRARY, settings()))
            uids.add(acord.parse_request_message(conn.wire.request(RISK).body).request_uid)
            assert isinstance(ask(conn), LiveQuote)
    finally:
        served.stop()
    # Two comparisons of the same risk are told apart: a stale answer cannot pass for a new one.
    assert len(uids) == 2


def test_the_parser_checks_the_echo_only_when_given_the_uid_sent() -> None:
    body = _quoted_xml("uid-1")
    assert isinstance(acord.parse_response(body), CarrierReply)
    assert acord.parse_response(body, request_uid="uid-1").status == "quoted"
    with pytest.raises(acord.AcordError, match="answers another request"):
        acord.parse_response(body, request_uid="uid-2")
