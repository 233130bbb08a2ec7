"""No request, however shaped, holds the service: bounded bodies, bounded risks, rates per address,
and logs that never hold a comparison's reference. Each against a real server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from apikit import Client, Server, example, server_settings

from rateshop.app import create_app
from rateshop.config import Settings

REDIS_URL = os.environ.get("RATESHOP_TEST_REDIS_URL", "async+redis://127.0.0.1:6379")


def tight(database: str, **extra: Any) -> Settings:
    """A server held to small limits, so a test can reach them in a few requests."""
    limits = {"rate_limit_compare": "3/minute", "rate_limit_read": "8/minute"}
    return server_settings(database, **{**limits, **extra})


@pytest.fixture
def served(tmp_path: Any) -> Iterator[Client]:
    server = Server(create_app(tight(f"sqlite:///{tmp_path / 'guards.db'}")))
    server.start()
    client = Client(server.url)
    yield client
    client.close()
    server.stop()


def incidents(count: int) -> dict[str, Any]:
    risk = example("auto")
    risk["drivers"][0]["incidents"] = [
        {"kind": "minor_speeding", "date": "2025-06-01"} for _ in range(count)
    ]
    return risk


def test_ten_thousand_incidents_are_refused_in_milliseconds(api: Client) -> None:
    started = time.perf_counter()
    reply = api.post("/comparisons", incidents(10_000))
    took = time.perf_counter() - started
    assert reply.status == 413
    assert reply.json["error"] == "too_large"
    assert "65,536 bytes" in reply.json["message"]
    assert took < 0.5, f"refusing took {took:.3f} s"


def test_more_incidents_than_an_application_allows_is_422_at_the_field(api: Client) -> None:
    for count, status in ((20, 201), (21, 422)):
        started = time.perf_counter()
        reply = api.post("/comparisons", incidents(count))
        assert reply.status == status, reply.text
        assert time.perf_counter() - started < 2.0
    assert reply.json["errors"] == [
        {
            "field": "drivers[0].incidents",
            "problem": "is too long",
            "allowed": "at most 20 items",
        }
    ]


def test_the_worst_accepted_risk_leaves_the_service_answering_others(api: Client) -> None:
    """Six drivers with twenty incidents each: rated by every carrier, others still answered."""
    worst = example("auto")
    driver = worst["drivers"][0]
    driver["incidents"] = [
        {"kind": kind, "date": f"2025-{month:02d}-01"}
        for month in range(1, 11)
        for kind in ("minor_speeding", "not_at_fault_accident")
    ]
    worst["drivers"] = [copy.deepcopy(driver) for _ in range(6)]

    async def race(base: str) -> tuple[float, float, int]:
        async with aiohttp.ClientSession(base) as session:

            async def heavy() -> tuple[float, int]:
                started = time.perf_counter()
                async with session.post("/comparisons", json=worst) as reply:
                    await reply.read()
                    return time.perf_counter() - started, reply.status

            async def light() -> float:
                await asyncio.sleep(0.01)
                started = time.perf_counter()
                async with session.get("/states") as reply:
                    assert reply.status == 200
                return time.perf_counter() - started

            (took, status), quick = await asyncio.gather(heavy(), light())
            return took, quick, status

    took, quick, status = asyncio.run(race(api_base(api)))
    assert status == 201
    assert took < 5.0, f"the worst accepted risk took {took:.2f} s"
    assert quick < 1.0, f"another request waited {quick:.2f} s"


def api_base(api: Client) -> str:
    return str(api.session._base_url)


def raw_post(api: Client, path: str, head: bytes, parts: Iterator[bytes]) -> bytes:
    """POST over a plain socket, writing ``parts`` until the server answers or closes.

    The server answers 413 as soon as a body passes the limit and closes without reading the
    rest; an HTTP client library would report the broken write rather than the answer.
    """
    host, port = api_base(api).removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s\r\n"
            % (path.encode(), head)
        )
        with contextlib.suppress(OSError):  # the server may close while we still write
            for part in parts:
                sock.sendall(part)
        return sock.recv(65536)


def test_a_body_over_the_limit_is_refused_whether_declared_or_chunked(api: Client) -> None:
    started = time.perf_counter()
    declared = raw_post(api, "/comparisons", b"Content-Length: 200000\r\n", iter([b"x" * 200_000]))
    assert declared.startswith(b"HTTP/1.1 413"), declared[:80]
    # Sent in chunks with no length said: refused once 64 KiB have come, whatever follows.
    chunk = b"%x\r\n%s\r\n" % (4096, b"x" * 4096)
    chunked = raw_post(
        api, "/echo", b"Transfer-Encoding: chunked\r\n", (chunk for _ in range(1000))
    )
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:80]
    assert b'"too_large"' in chunked
    assert time.perf_counter() - started < 2.0
    assert api.get("/states").status == 200


def test_free_text_is_bounded_and_must_be_text(api: Client) -> None:
    risk = example("auto")
    risk["vehicles"][0]["make"] = "M" * 61
    reply = api.post("/echo", risk)
    assert reply.status == 422
    assert reply.json["errors"][0]["field"] == "vehicles[0].make"
    assert reply.json["errors"][0]["allowed"] == "at most 60 characters"
    # A lone surrogate (JSON allows writing one) cannot be stored or sent back as UTF-8.
    raw = json.dumps(example("auto")).replace('"make": "', '"make": "\\ud800', 1)
    assert "\\ud800" in raw
    surrogate = api.call(
        "POST", "/echo", data=raw.encode(), headers={"Content-Type": "application/json"}
    )
    assert surrogate.status == 422, surrogate.text
    assert surrogate.json["errors"][0]["field"] == "vehicles[0].make"


def test_each_address_is_held_to_its_rates_with_retry_after(served: Client) -> None:
    made = [served.post("/comparisons", example("life")).status for _ in range(4)]
    assert made == [201, 201, 201, 429]
    refused = served.post("/comparisons", example("life"))
    assert refused.status == 429
    assert refused.json["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    reads = [served.get("/states").status for _ in range(10)]
    assert reads.count(429) >= 1, reads
    assert served.get("/static/app.css").status == 200  # the pages' own files are never limited


def test_reads_that_rate_again_count_as_comparisons(served: Client) -> None:
    made = served.post("/comparisons", example("life"))
    ref = made.json["ref"]
    rating = [
        served.get(f"/c/{ref}").status,
        served.get(f"/comparisons/{ref}/tips").status,
        served.get(f"/comparisons/{ref}/replay").status,
    ]
    assert (made.status, rating) == (201, [200, 200, 429])
    assert served.get(f"/comparisons/{ref}").status == 200  # a plain read is not rating


def test_redis_counters_are_shared_by_every_worker(tmp_path: Any) -> None:
    namespace = secrets.token_hex(4)
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = tight(
        database,
        rate_limit_storage=REDIS_URL,
        rate_limit_prefix=f"rateshop-test-{namespace}",
        rate_limit_compare=f"{4}/minute",
    )
    first, second = Server(create_app(settings)), Server(create_app(settings))
    first.start()
    second.start()
    a, b = Client(first.url), Client(second.url)
    try:
        statuses = [
            client.post("/comparisons", example("life")).status for client in (a, b, a, b, a, b)
        ]
    finally:
        a.close()
        b.close()
        first.stop()
        second.stop()
    if statuses == [201] * 6 and os.environ.get("RATESHOP_REQUIRE_REDIS") != "1":
        pytest.skip(f"Redis at {REDIS_URL} is unreachable (each process counted alone)")
    assert statuses == [201, 201, 201, 201, 429, 429]


def test_an_unreachable_counter_store_limits_per_process(tmp_path: Any) -> None:
    settings = tight(
        f"sqlite:///{tmp_path / 'down.db'}", rate_limit_storage="async+redis://127.0.0.1:9"
    )
    server = Server(create_app(settings))
    server.start()
    client = Client(server.url)
    try:
        made = [client.post("/comparisons", example("life")).status for _ in range(4)]
    finally:
        client.close()
        server.stop()
    assert made == [201, 201, 201, 429]


def test_the_access_log_never_holds_a_reference(
    api: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rateshop"):
        made = api.post("/comparisons", example("life")).json
        ref = made["ref"]
        api.get(f"/comparisons/{ref}")
        api.get(f"/comparisons/{ref}/export")
        api.call("DELETE", f"/comparisons/{ref}", headers={"X-Owner-Key": made["owner_key"]})
        api.get(f"/no/such/{ref}")
    lines = [r.getMessage() for r in caplog.records if r.name == "rateshop.access"]
    assert any(line.startswith("GET /comparisons/{ref} 200") for line in lines), lines
    assert any(line.startswith("DELETE /comparisons/{ref} 204") for line in lines), lines
    assert any(line.startswith("GET (no route) 404") for line in lines), lines
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert ref not in everything
    assert made["owner_key"] not in everything
