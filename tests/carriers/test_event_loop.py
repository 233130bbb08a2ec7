"""Rating never holds the server's event loop: a slow plan delays only its own carrier.

A real server on loopback; one carrier's rating is made slow (a blocking sleep inside rating, as a
pathological manual or a huge risk would be). Another request sent meanwhile is answered at once,
and the comparison answers at its deadline with that carrier timed out.
"""

from __future__ import annotations

import time
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

SLOW = 3.0
DEADLINE = 1.0


@pytest.fixture
def slow_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    real = connectors._nearest

    def slow(plan: Plan, risk: Mapping[str, Any]) -> Offer:
        if plan.manual.identity.carrier == "pinnacle-direct":
            time.sleep(SLOW)
        return real(plan, risk)

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


def _while_comparing(server: Server, path: str) -> tuple[Any, float, float]:
    """Send a comparison, and meanwhile a small request: the comparison, its time, the other's."""
    slow, quick = Client(server.url), Client(server.url)
    try:
        with ThreadPoolExecutor(1) as pool:
            started = time.perf_counter()
            if path.endswith("stream"):
                pending = pool.submit(slow.stream, path, example("auto"))
            else:
                pending = pool.submit(slow.post, path, example("auto"))
            time.sleep(0.3)  # the comparison is rating by now
            asked = time.perf_counter()
            assert quick.get("/lines").status == 200
            other = time.perf_counter() - asked
            answered = pending.result(timeout=20)
            took = time.perf_counter() - started
    finally:
        slow.close()
        quick.close()
    return answered, took, other


def test_a_slow_rating_neither_blocks_other_requests_nor_outlives_the_deadline(
    slow_server: Server,
) -> None:
    reply, took, other = _while_comparing(slow_server, "/comparisons")
    assert other < 0.5, f"another request waited {other:.2f} s behind a slow rating"
    assert took < DEADLINE + 1.0, f"the comparison took {took:.2f} s past a {DEADLINE} s deadline"
    assert reply.status == 201, reply.text
    errors = {a["carrier"]: a["error"]["kind"] for a in reply.json["errors"]}
    assert errors == {"pinnacle-direct": "timeout"}
    assert len(reply.json["quotes"]) == 3


def test_the_stream_reports_the_slow_carrier_timed_out_while_the_server_answers_others(
    slow_server: Server,
) -> None:
    streamed, took, other = _while_comparing(slow_server, "/comparisons/stream")
    assert other < 0.5, f"another request waited {other:.2f} s behind a slow rating"
    assert took < DEADLINE + 1.0
    late = [e.data for e in streamed.events if e.data.get("carrier") == "pinnacle-direct"]
    assert late[0]["error"]["kind"] == "timeout"
    assert streamed.events[-1].name == "done"
