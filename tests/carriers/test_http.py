"""The http connector against a real sandbox carrier on loopback: answers, auth, polling, faults.

Every fault test is bounded by the connector's call deadline (a second or two); a test shows the
connector gave up in time by what the carrier had not yet done when the answer came, not by a clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandboxkit import ROOT, RunningSandbox, live_carrier

from rateshop.carriers.http import RETRIES, HttpConnector, connector
from rateshop.compare.connectors import ManualConnector, Offer
from rateshop.compare.outcomes import Failure, LiveQuote, Pending, Referral
from rateshop.compare.registry import ConnectorContext
from rateshop.config import Settings
from rateshop.rating.library import Library
from rateshop.rating.quote import Quote

LIBRARY = Library.load(ROOT / "manuals" / "ironclad-casualty")
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())
ON = dt.date.fromisoformat(RISK["effective_date"])


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    options = getattr(request, "param", {})
    served = RunningSandbox(**options).start()
    yield served
    served.stop()


def make(
    served: RunningSandbox | None,
    monkeypatch: pytest.MonkeyPatch,
    url: str | None = None,
    call_deadline: float = 2.0,
    **endpoint: Any,
) -> HttpConnector:
    monkeypatch.setenv("RATESHOP_TEST_SANDBOX_URL", url or (served.url if served else ""))
    monkeypatch.setenv("RATESHOP_TEST_SANDBOX_KEY", "sandbox-secret")
    monkeypatch.setenv("RATESHOP_TEST_SANDBOX_CLIENT", "rateshop")
    carrier = live_carrier(url_env="RATESHOP_TEST_SANDBOX_URL", **endpoint)
    settings = Settings(carrier_call_deadline=call_deadline, breaker_failures=3)
    return connector(carrier, ConnectorContext(LIBRARY, settings))


def ask(conn: HttpConnector, risk: dict[str, Any] = RISK) -> Offer:
    async def once() -> Offer:
        try:
            return await conn.quote_nearest(risk, "auto", "TX", ON)
        finally:
            await conn.aclose()

    return asyncio.run(once())


def test_a_sync_quote_is_the_manuals_own_price_with_its_cover_and_reference(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch)).answer
    assert isinstance(got, LiveQuote), got
    manual = asyncio.run(
        ManualConnector("ironclad-casualty", LIBRARY).quote_nearest(RISK, "auto", "TX", ON)
    )
    assert isinstance(manual.answer, Quote)
    # The mapping carried every fact there and back: the carrier priced exactly our risk.
    assert got.total == manual.answer.total
    assert got.premium == manual.answer.premium
    assert {c.code for c in got.coverages} == set(RISK["coverages"])
    assert got.quote_ref
    assert got.quote_ref.startswith("SBX-")
    assert got.valid_until is not None
    assert got.bridge_url
    assert got.worksheet is None
    assert running.stats["quote_requests"] == 1


@pytest.mark.parametrize("running", [{"mode": "async", "latency": (0.2, 0.3)}], indirect=True)
def test_an_async_carrier_is_polled_with_its_retry_after_until_it_answers(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch, call_deadline=4.0)).answer
    assert isinstance(got, LiveQuote), got
    assert running.stats["quote_requests"] == 1
    # Polled after each Retry-After (1 s), never sooner: no more polls than fit in the deadline.
    assert 1 <= running.stats["polls"] <= 4


@pytest.mark.parametrize("running", [{"mode": "async", "latency": (5.0, 5.0)}], indirect=True)
def test_an_async_carrier_still_rating_at_the_deadline_is_pending_with_its_reference(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch, call_deadline=1.5)).answer
    assert isinstance(got, Pending), got
    assert got.quote_ref.startswith("SBX-")
    # Answered while the carrier was still rating: its Retry-After (5 s) passes the deadline, so
    # it was never polled and never gave its answer.
    assert "polls" not in running.stats
    assert running.stats["answered_202"] == 1
    assert "answered_200" not in running.stats


@pytest.mark.parametrize("running", [{"auth": "apikey"}], indirect=True)
def test_an_api_key_is_sent_and_a_wrong_one_is_an_auth_failure(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = make(running, monkeypatch, auth="apikey", key_env="RATESHOP_TEST_SANDBOX_KEY")
    assert isinstance(ask(good).answer, LiveQuote)
    bad = make(running, monkeypatch, auth="apikey", key_env="RATESHOP_TEST_SANDBOX_CLIENT")
    got = ask(bad).answer
    assert isinstance(got, Failure)
    assert got.kind == "auth"


def _oauth(running: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> HttpConnector:
    return make(
        running,
        monkeypatch,
        auth="oauth2",
        client_id_env="RATESHOP_TEST_SANDBOX_CLIENT",
        client_secret_env="RATESHOP_TEST_SANDBOX_KEY",
        concurrency=64,
    )


@pytest.mark.parametrize("running", [{"auth": "oauth2"}], indirect=True)
def test_fifty_comparisons_at_once_fetch_one_oauth2_token(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _oauth(running, monkeypatch)

    async def fifty() -> list[Offer]:
        return await asyncio.gather(
            *(conn.quote_nearest(RISK, "auto", "TX", ON) for _ in range(50))
        )

    offers = asyncio.run(fifty())
    assert all(isinstance(o.answer, LiveQuote) for o in offers), offers[0]
    assert running.stats["token_fetches"] == 1
    assert running.stats["quote_requests"] == 50


@pytest.mark.parametrize("running", [{"auth": "oauth2", "fault": "token-expiry"}], indirect=True)
def test_an_expired_token_is_fetched_again_and_the_quote_sent_once_more(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = _oauth(running, monkeypatch)

    async def twice() -> tuple[Offer, Offer]:
        first = await conn.quote_nearest(RISK, "auto", "TX", ON)
        await asyncio.sleep(1.2)  # the sandbox's tokens stop working after a second
        second = await conn.quote_nearest(RISK, "auto", "TX", ON)
        await conn.aclose()
        return first, second

    first, second = asyncio.run(twice())
    assert isinstance(first.answer, LiveQuote)
    assert isinstance(second.answer, LiveQuote), second
    assert running.stats["token_fetches"] == 2
    # The refused request was never taken by the carrier (401), so it was safe to send again.
    assert running.stats["quote_requests"] == 3


FAULTS = [
    ("5xx", "carrier_error", "HTTP 503"),
    ("429", "rate_limited", "retry after 2 s"),
    ("malformed", "invalid_response", "malformed JSON"),
    ("currency", "invalid_response", "quoted in EUR, not USD"),
    ("parts", "invalid_response", "add up to"),
    ("reset", "carrier_error", "connection"),
    ("big", "invalid_response", "bytes"),
    ("hang", "timeout", "in time"),
    ("slow", "timeout", "in time"),
]


@pytest.mark.parametrize(
    ("running", "kind", "said"),
    [({"fault": f}, k, s) for f, k, s in FAULTS],
    ids=[f for f, _, _ in FAULTS],
    indirect=["running"],
)
def test_each_fault_is_a_failure_of_its_kind_within_the_deadline_and_never_resent(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch, kind: str, said: str
) -> None:
    got = ask(make(running, monkeypatch, call_deadline=1.0)).answer
    assert isinstance(got, Failure), got
    assert (got.kind, said in got.message) == (kind, True), got.message
    assert running.stats["quote_requests"] == 1  # a quote request is never sent twice
    if kind == "timeout":  # given up at the deadline while the carrier still held the request
        assert not [k for k in running.stats if k.startswith("answered_")], running.stats


@pytest.mark.parametrize("running", [{"fault": "referred"}], indirect=True)
def test_a_referral_says_why(running: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    got = ask(make(running, monkeypatch)).answer
    assert isinstance(got, Referral)
    assert got.messages == ("an underwriter reviews this risk",)


def test_a_carrier_refusing_connections_is_retried_then_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tries: list[int] = []
    again = HttpConnector._again

    async def counted(attempt: int, deadline: float) -> bool:
        tries.append(attempt)
        return await again(attempt, deadline)

    monkeypatch.setattr(HttpConnector, "_again", staticmethod(counted))
    got = ask(make(None, monkeypatch, url=f"http://127.0.0.1:{port}")).answer
    assert isinstance(got, Failure)
    assert got.kind == "unavailable"
    # Tried again RETRIES times with backoff, then given up (the last call says no more).
    assert tries == list(range(RETRIES + 1))


@pytest.mark.parametrize("running", [{"fault": "5xx"}], indirect=True)
def test_the_breaker_opens_after_repeated_failures_and_answers_at_once(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = make(running, monkeypatch)
    kinds = [ask(conn).answer for _ in range(5)]
    assert [getattr(k, "kind", None) for k in kinds] == ["carrier_error"] * 3 + ["unavailable"] * 2
    assert running.stats["quote_requests"] == 3  # an open breaker does not ask the carrier
    assert conn.breaker.state == "open"


def test_a_missing_url_makes_the_carrier_unavailable_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rateshop.errors import CarrierUnavailable

    monkeypatch.delenv("RATESHOP_TEST_NOWHERE_URL", raising=False)
    with pytest.raises(CarrierUnavailable, match="not configured: set RATESHOP_TEST_NOWHERE_URL"):
        connector(
            live_carrier(url_env="RATESHOP_TEST_NOWHERE_URL"),
            ConnectorContext(LIBRARY, Settings()),
        )


@pytest.mark.parametrize("running", [{"fault": "reset-once"}], indirect=True)
def test_a_request_cut_after_the_carrier_took_it_is_not_sent_again_without_a_key(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch)).answer
    assert isinstance(got, Failure)
    assert got.kind == "carrier_error"
    assert running.stats["quote_requests"] == 1


@pytest.mark.parametrize("running", [{"fault": "reset-once"}], indirect=True)
def test_with_an_idempotency_key_it_is_sent_again_and_answered_not_rated_twice(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch, idempotency_header="Idempotency-Key")).answer
    assert isinstance(got, LiveQuote), got
    assert running.stats["quote_requests"] == 2
    assert running.stats["cut_after_rating"] == 1
    assert running.stats["idempotent_repeats"] == 1  # the carrier answered the repeat as before


@pytest.mark.parametrize("running", [{"fault": "5xx"}], indirect=True)
def test_with_an_idempotency_key_a_5xx_is_tried_again_within_the_deadline(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = ask(make(running, monkeypatch, idempotency_header="Idempotency-Key")).answer
    assert isinstance(got, Failure)
    assert got.kind == "carrier_error"
    assert running.stats["quote_requests"] == 3  # the first try and two more, with backoff
