"""The conformance kit: what a live carrier's connector must pass before it joins the market.

Run against the sandbox or the carrier's own test endpoint (``rateshop carrier conform ID``):

* **round trip** — every example risk of a line and state the carrier writes is answered (a
  quote, a decline or a referral; never a failure), which exercises the mapping both ways;
* **deadline** — a carrier that never answers is reported ``timeout`` within the call deadline;
* **faults** — 5xx, 429, a cut connection: each its own kind, the quote request sent once only
  (or, to a carrier that honours idempotency keys, again with the same key); a refused connection
  is ``unavailable``;
* **bad answers** — the carrier's own answer, passed through a local proxy that spoils it
  (malformed, 10 MB, another currency, parts that do not add up): each ``invalid_response``;
* **token expiry** (OAuth2) — a token the carrier no longer accepts is fetched again, once.

The hostile peers are local (127.0.0.1, a free port) and live only while the kit runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from rateshop.carriers.auth import OAuth2
from rateshop.carriers.http import HttpConnector, connector, xml_connector
from rateshop.compare.market import Carrier
from rateshop.compare.outcomes import Failure
from rateshop.compare.registry import ConnectorContext

Spoil = Callable[[bytes], bytes]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Check:
    """One check of the kit: its name, whether it passed, and what was seen."""

    name: str
    passed: bool
    detail: str


@dataclass
class Report:
    """Every check of one carrier's run."""

    carrier: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def add(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))


@asynccontextmanager
async def _peer(handle: Handler) -> AsyncIterator[str]:
    """A local HTTP peer answering every request with ``handle``; its base URL."""
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()


def _at(carrier: Carrier, url: str) -> Carrier:
    assert carrier.endpoint is not None
    endpoint = carrier.endpoint.model_copy(update={"url": url, "url_env": None})
    return carrier.model_copy(update={"endpoint": endpoint})


def _spoilers(kind: str) -> dict[str, Spoil]:
    """Ways to spoil a good answer, each the conformance kit expects refused."""

    def cut(body: bytes) -> bytes:
        return body[: max(1, len(body) // 2)]

    def big(body: bytes) -> bytes:
        return body + b" " * (10 * 1024 * 1024)

    if kind == "xml":
        return {
            "malformed": cut,
            "10 MB body": big,
            "wrong currency": lambda b: b.replace(b"<CurCd>USD</CurCd>", b"<CurCd>EUR</CurCd>"),
            "parts not adding up": lambda b: re.sub(
                rb"<Amt>([0-9.]+)</Amt>",
                lambda m: b"<Amt>%s</Amt>" % str(Decimal(m[1].decode()) + 17).encode(),
                b,
                count=1,
            ),
        }

    def currency(body: bytes) -> bytes:
        return re.sub(rb'"USD"', b'"EUR"', body)

    def parts(body: bytes) -> bytes:
        data = json.loads(body)
        _bump_total(data)
        return json.dumps(data).encode()

    return {"malformed": cut, "10 MB body": big, "wrong currency": currency,
            "parts not adding up": parts}  # fmt: skip


def _bump_total(data: Any) -> bool:
    # The first field named like a total gets 17 more: parts no longer add up to it.
    if isinstance(data, dict):
        for key, value in data.items():
            if "total" in key.lower() and isinstance(value, str | int | float):
                data[key] = str(Decimal(str(value)) + 17)
                return True
            if _bump_total(value):
                return True
    if isinstance(data, list):
        return any(_bump_total(v) for v in data)
    return False


@contextmanager
def _timed() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started


class Kit:
    """Runs the checks of one live carrier (see the module's docstring)."""

    def __init__(self, carrier: Carrier, context: ConnectorContext, risks: list[dict[str, Any]]):
        self.carrier, self.context, self.risks = carrier, context, risks
        self.kind = carrier.connector
        self.report = Report(carrier.id)

    def make(self, carrier: Carrier | None = None) -> HttpConnector:
        made = xml_connector if self.kind == "xml" else connector
        return made(carrier or self.carrier, self.context)

    async def ask(self, conn: HttpConnector, risk: dict[str, Any]) -> Any:
        on = dt.date.fromisoformat(str(risk["effective_date"]))
        return (await conn.quote_nearest(risk, str(risk["line"]), str(risk["state"]), on)).answer

    async def run(self) -> Report:
        conn = self.make()
        try:
            await self.round_trip(conn)
            await self.hostile()
            await self.spoilt()
            await self.token_expiry(conn)
        finally:
            await conn.aclose()
        return self.report

    async def round_trip(self, conn: HttpConnector) -> None:
        deadline = conn.call_deadline
        for risk in self.risks:
            with _timed() as took:
                got = await self.ask(conn, risk)
            name = f"round trip {risk['line']} {risk['state']}"
            ok = not isinstance(got, Failure) and took() <= deadline + 0.5
            said = got.message if isinstance(got, Failure) else type(got).__name__
            self.report.add(name, ok, f"{said} in {took():.2f} s")

    async def hostile(self) -> None:
        risk = self.risks[0]
        assert self.carrier.endpoint is not None
        key_header = self.carrier.endpoint.idempotency_header
        seen: list[tuple[str, str | None]] = []  # each request's method and idempotency key

        def note(request: web.Request) -> None:
            seen.append((request.method, request.headers.get(key_header or "", None)))

        async def hang(request: web.Request) -> web.StreamResponse:
            note(request)
            await asyncio.sleep(3600)
            return web.Response()

        async def reset(request: web.Request) -> web.StreamResponse:
            note(request)
            await request.read()
            if request.transport is not None:
                request.transport.abort()
            return web.Response()

        def status(code: int, headers: dict[str, str]) -> Handler:
            async def answer(request: web.Request) -> web.StreamResponse:
                note(request)
                return web.Response(status=code, headers=headers, text="no")

            return answer

        cases: list[tuple[str, Handler, str]] = [
            ("a carrier that hangs", hang, "timeout"),
            ("a cut connection", reset, "carrier_error"),
            ("HTTP 503", status(503, {}), "carrier_error"),
            ("HTTP 429 with Retry-After", status(429, {"Retry-After": "2"}), "rate_limited"),
        ]
        token_path = self.carrier.endpoint.token_path

        def with_tokens(handle: Handler) -> Handler:
            # The peer plays the carrier's token service too, so the fault hits the quote request.
            async def answer(request: web.Request) -> web.StreamResponse:
                if request.path.endswith(token_path):
                    return web.json_response({"access_token": "kit", "expires_in": 3600})
                return await handle(request)

            return answer

        for name, handle, kind in cases:
            seen.clear()
            async with _peer(with_tokens(handle)) as url:
                conn = self.make(_at(self.carrier, url))
                with _timed() as took:
                    got = await self.ask(conn, risk)
                await conn.aclose()
            keys = [k for method, k in seen if method == "POST"]
            posts = len(keys)
            # Sent once; or, to a carrier that honours idempotency keys, again with the same key.
            safe = posts <= 1 or (key_header is not None and len(set(keys)) == 1 and keys[0])
            ok = isinstance(got, Failure) and got.kind == kind and bool(safe)
            ok = ok and took() <= conn.call_deadline + 0.5
            said = got.kind if isinstance(got, Failure) else type(got).__name__
            self.report.add(name, ok, f"{said}, {posts} quote request(s), {took():.2f} s")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        conn = self.make(_at(self.carrier, f"http://127.0.0.1:{port}"))
        got = await self.ask(conn, risk)
        await conn.aclose()
        ok = isinstance(got, Failure) and got.kind == "unavailable"
        self.report.add("a refused connection", ok, getattr(got, "kind", type(got).__name__))

    async def spoilt(self) -> None:
        risk = self.risks[0]
        upstream = self.make()
        target = upstream.quote_url.removesuffix(upstream.endpoint.quote_path)
        token_path = upstream.endpoint.token_path
        await upstream.aclose()
        for name, spoil in _spoilers(self.kind).items():

            async def proxy(request: web.Request, spoil: Spoil = spoil) -> web.StreamResponse:
                # The carrier's own answer, passed on spoilt (the token service's untouched).
                body = await request.read()
                headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
                async with (
                    aiohttp.ClientSession() as session,
                    session.request(
                        request.method, target + request.path_qs, data=body, headers=headers
                    ) as got,
                ):
                    answer = await got.read()
                    kind = got.headers.get("Content-Type", "application/octet-stream")
                    status = got.status
                if not request.path.endswith(token_path):
                    answer = spoil(answer)
                return web.Response(body=answer, status=status, headers={"Content-Type": kind})

            async with _peer(proxy) as url:
                conn = self.make(_at(self.carrier, url))
                got = await self.ask(conn, risk)
                await conn.aclose()
            ok = isinstance(got, Failure) and got.kind == "invalid_response"
            said = (
                f"{got.kind}: {got.message[:80]}"
                if isinstance(got, Failure)
                else type(got).__name__
            )
            self.report.add(f"bad answer: {name}", ok, said)

    async def token_expiry(self, conn: HttpConnector) -> None:
        if not isinstance(conn.auth, OAuth2):
            return
        auth = conn.auth
        before = auth.fetches
        auth.use("expired")  # a token the carrier no longer accepts, as if it had expired early
        got = await self.ask(conn, self.risks[0])
        ok = not isinstance(got, Failure) and auth.fetches == before + 1
        self.report.add("token expiry", ok, f"{type(got).__name__}, {auth.fetches - before} fetch")


def example_risks(carrier: Carrier, examples: Path) -> list[dict[str, Any]]:
    """The example risks of each line the carrier writes, in the first state it writes it."""
    out = []
    for line, states in carrier.writes.items():
        path = examples / f"{line}.json"
        if states and path.exists():
            risk = json.loads(path.read_text(encoding="utf-8"))
            out.append({**risk, "state": states[-1] if "TX" not in states else "TX"})
    return out
