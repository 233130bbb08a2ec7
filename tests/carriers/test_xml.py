"""The xml connector against a real sandbox carrier speaking ACORD-style XML on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sandboxkit import ROOT, RunningSandbox, live_carrier

from rateshop.carriers.http import HttpConnector, xml_connector
from rateshop.compare.connectors import ManualConnector, Offer
from rateshop.compare.outcomes import Failure, LiveQuote, Referral
from rateshop.compare.registry import ConnectorContext
from rateshop.config import Settings
from rateshop.rating.library import Library
from rateshop.rating.quote import Quote

LIBRARY = Library.load(ROOT / "manuals" / "ironclad-casualty")
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())
ON = dt.date.fromisoformat(RISK["effective_date"])


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    served = RunningSandbox(format="xml", **getattr(request, "param", {})).start()
    yield served
    served.stop()


def make(
    served: RunningSandbox, monkeypatch: pytest.MonkeyPatch, deadline: float = 2.0
) -> HttpConnector:
    monkeypatch.setenv("RATESHOP_TEST_XML_URL", served.url)
    carrier = live_carrier("acord-mutual", url_env="RATESHOP_TEST_XML_URL")
    return xml_connector(
        carrier, ConnectorContext(LIBRARY, Settings(carrier_call_deadline=deadline))
    )


def ask(conn: HttpConnector) -> Offer:
    async def once() -> Offer:
        try:
            return await conn.quote_nearest(RISK, "auto", "TX", ON)
        finally:
            await conn.aclose()

    return asyncio.run(once())


def test_an_acord_quote_is_the_manuals_own_price(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch)).answer
    assert isinstance(got, LiveQuote), got
    manual = asyncio.run(
        ManualConnector("ironclad-casualty", LIBRARY).quote_nearest(RISK, "auto", "TX", ON)
    )
    assert isinstance(manual.answer, Quote)
    assert got.total == manual.answer.total
    assert {c.code for c in got.coverages} == set(RISK["coverages"])
    assert got.quote_ref
    assert got.quote_ref.startswith("SBX-")


@pytest.mark.parametrize("running", [{"mode": "async", "latency": (0.2, 0.3)}], indirect=True)
def test_an_acord_carrier_answering_in_progress_is_polled(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch, deadline=4.0)).answer
    assert isinstance(got, LiveQuote), got
    assert running.stats["polls"] >= 1


@pytest.mark.parametrize("running", [{"fault": "referred"}], indirect=True)
def test_an_acord_referral(running: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(ask(make(running, monkeypatch)).answer, Referral)


FAULTS = [
    ("malformed", "invalid_response", "unreadable XML"),
    ("big", "invalid_response", "bytes"),
    ("currency", "invalid_response", "quoted in EUR"),
    ("parts", "invalid_response", "add up to"),
    ("hang", "timeout", "in time"),
    ("5xx", "carrier_error", "HTTP 503"),
]


@pytest.mark.parametrize(
    ("running", "kind", "said"),
    [({"fault": f}, k, s) for f, k, s in FAULTS],
    ids=[f for f, _, _ in FAULTS],
    indirect=["running"],
)
def test_each_xml_fault_is_a_failure_of_its_kind_within_the_deadline(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch, kind: str, said: str
) -> None:
    got = ask(make(running, monkeypatch, deadline=1.0)).answer
    assert isinstance(got, Failure), got
    assert (got.kind, said in got.message) == (kind, True), got.message
    assert running.stats["quote_requests"] == 1
    if kind == "timeout":  # given up at the deadline while the carrier still held the request
        assert not [k for k in running.stats if k.startswith("answered_")], running.stats
