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
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from apikit import Client, Server, example, runtime, server_settings

from gates import Gate, Held
from rateshop.app import create_app
from rateshop.compare.connectors import Connector
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


def test_ten_thousand_incidents_are_refused_by_size_before_they_are_read(api: Client) -> None:
    reply = api.post("/comparisons", incidents(10_000))
    # Refused for its bytes, not for its incidents: the body was never parsed, let alone rated.
    assert reply.status == 413
    assert reply.json["error"] == "too_large"
    assert "65,536 bytes" in reply.json["message"]


def test_more_incidents_than_an_application_allows_is_422_at_the_field(api: Client) -> None:
    for count, status in ((20, 201), (21, 422)):
        reply = api.post("/comparisons", incidents(count))
        assert reply.status == status, reply.text
    assert reply.json["errors"] == [
        {
            "field": "drivers[0].incidents",
            "problem": "is too long",
            "allowed": "at most 20 items",
        }
    ]


def test_the_worst_accepted_risk_is_rated_while_the_service_answers_others(
    api: Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six drivers with twenty incidents each: rated by every carrier, and while its comparison is
    in flight (one carrier held until the test lets it answer) another request is answered."""
    worst = example("auto")
    driver = worst["drivers"][0]
    driver["incidents"] = [
        {"kind": kind, "date": f"2025-{month:02d}-01"}
        for month in range(1, 11)
        for kind in ("minor_speeding", "not_at_fault_accident")
    ]
    worst["drivers"] = [copy.deepcopy(driver) for _ in range(6)]
    registry = runtime(server).registry
    real = registry.connectors
    gate = Gate()

    def with_one_held(line: str, state: str) -> list[Connector]:
        found = real(line, state)
        return [Held(c, gate) if c.carrier == "pinnacle-direct" else c for c in found]

    monkeypatch.setattr(registry, "connectors", with_one_held)

    async def race(base: str) -> tuple[int, dict[str, Any], int, bool]:
        async with aiohttp.ClientSession(base) as session:

            async def heavy() -> tuple[int, dict[str, Any]]:
                async with session.post("/comparisons", json=worst) as reply:
                    return reply.status, await reply.json()

            comparing = asyncio.ensure_future(heavy())
            while not gate.asked.is_set() and not comparing.done():
                await asyncio.sleep(0.01)
            async with session.get("/states") as reply:
                light = reply.status
            held_meanwhile = not gate.released.is_set() and not comparing.done()
            gate.release()
            status, body = await comparing
            return status, body, light, held_meanwhile

    status, body, light, held_meanwhile = asyncio.run(race(api_base(api)))
    assert (status, light, held_meanwhile) == (201, 200, True), body
    answered = [a["carrier"] for kind in ("quotes", "declines", "errors") for a in body[kind]]
    assert len(answered) == 5
    assert body["errors"] == []


def api_base(api: Client) -> str:
    return str(api.session._base_url)


def raw_post(api: Client, path: str, head: bytes, body: bytes) -> bytes:
    """POST over a plain socket: the head, then ``body``, which is only the start of what the head
    announces, then wait for the answer without ever sending the rest.

    So an answer proves the server answered while the body was still being sent; a server that
    waited for the whole body would never answer (the socket's timeout ends the test then). An HTTP
    client library would not stop half-way, and would report the broken write, not the answer.
    """
    host, port = api_base(api).removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s\r\n"
            % (path.encode(), head)
        )
        with contextlib.suppress(OSError):  # the server may close while we still write
            sock.sendall(body)
        return sock.recv(65536)


def test_a_body_over_the_limit_is_refused_whether_declared_or_chunked(api: Client) -> None:
    # A length over the limit is refused from the head alone: not one byte of the body is sent.
    declared = raw_post(api, "/comparisons", b"Content-Length: 200000\r\n", b"")
    assert declared.startswith(b"HTTP/1.1 413"), declared[:80]
    # Sent in chunks with no length said: refused once 64 KiB have come, though more would follow
    # (seventeen chunks of 4 KiB and no last chunk: the body never ends).
    chunk = b"%x\r\n%s\r\n" % (4096, b"x" * 4096)
    chunked = raw_post(api, "/echo", b"Transfer-Encoding: chunked\r\n", chunk * 17)
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:80]
    assert b'"too_large"' in chunked
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
