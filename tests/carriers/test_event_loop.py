"""Rating never holds the server's event loop: a slow plan delays only its own carrier.

A real server on loopback; one carrier's rating is held (blocked inside rating, as a pathological
manual or a huge risk would be) until the test lets it go, which it does only at the very end.
Another request sent while it is held is answered, and the comparison answers at its deadline
with that carrier timed out: neither could have waited for the held rating. No wall-clock
assertion: the order of events proves it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from api.apikit import ROOT, SECRET, Client, Server, example
from rateshop.api import create_app
from rateshop.compare import connectors
from rateshop.compare.connectors import Offer
from rateshop.config import Settings
from rateshop.rating.plan import Plan

DEADLINE = 1.0
HELD = 60.0  # the longest a held rating waits if a test fails before letting it go


@pytest.fixture
def slow_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    real = connectors._nearest

    def slow(plan: Plan, risk: Mapping[str, Any], trace: bool = True) -> Offer:
        if plan.manual.identity.carrier == "pinnacle-direct":
            RATING.set()
            RELEASE.wait(HELD)
        return real(plan, risk, trace)

    RATING.clear()
    RELEASE.clear()

    monkeypatch.setattr(connectors, "_nearest", slow)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'rateshop.db'}",
        secret_key=SECRET,
        manuals=ROOT / "manuals",
        market=ROOT / "market",
        compare_deadline=DEADLINE,
    )
    served = Server(create_app(settings))
    served.start()
    yield served
    served.stop()


RATING = threading.Event()  # the slow carrier's rating has started
RELEASE = threading.Event()  # the test lets it finish


def _while_comparing(server: Server, path: str) -> Any:
    """Send a comparison and, while one carrier's rating is held, a small request; the answer."""
    slow, quick = Client(server.url), Client(server.url)
    try:
        with ThreadPoolExecutor(1) as pool:
            if path.endswith("stream"):
                pending = pool.submit(slow.stream, path, example("auto"))
            else:
                pending = pool.submit(slow.post, path, example("auto"))
            assert RATING.wait(30), "the slow carrier was never rated"
            assert quick.get("/lines").status == 200  # answered while the rating is held
            answered = pending.result(timeout=30)  # came while the rating is still held
            assert not RELEASE.is_set()
    finally:
        RELEASE.set()
        slow.close()
        quick.close()
    return answered


def test_a_slow_rating_neither_blocks_other_requests_nor_outlives_the_deadline(
    slow_server: Server,
) -> None:
    reply = _while_comparing(slow_server, "/comparisons")
    assert reply.status == 201, reply.text
    errors = {a["carrier"]: a["error"]["kind"] for a in reply.json["errors"]}
    assert errors == {"pinnacle-direct": "timeout"}
    assert len(reply.json["quotes"]) == 3


def test_the_stream_reports_the_slow_carrier_timed_out_while_the_server_answers_others(
    slow_server: Server,
) -> None:
    streamed = _while_comparing(slow_server, "/comparisons/stream")
    late = [e.data for e in streamed.events if e.data.get("carrier") == "pinnacle-direct"]
    assert late[0]["error"]["kind"] == "timeout"
    assert streamed.events[-1].name == "done"
