"""A carrier sandbox: any rate manual served as a live carrier's quoting service, faults included.

Operators try an integration against it before a carrier's test endpoint exists; rateshop's own
tests use it as a real HTTP peer on loopback. It speaks the sandbox carrier's JSON format
(:mod:`rateshop.carriers.sandbox_wire`) or ACORD-style XML (:mod:`rateshop.carriers.acord`),
answers at once (``sync``) or by submit-then-poll
(``async``: ``202`` with a quote number, ``GET /v1/quotes/{id}`` with ``Retry-After`` until done),
checks an API key or OAuth2 client-credentials tokens, waits a random latency, fails a share of
requests, and injects one fault on every quote request when asked (see :data:`~rateshop.carriers.sandbox_options.FAULTS`).

Routes: ``POST /v1/quotes``, ``GET /v1/quotes/{id}``, ``POST /oauth/token``, ``GET /sandbox/stats``
(how many token fetches, quote requests and polls it has served, for tests and the conformance kit).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from rateshop.carriers import acord, sandbox_wire as wire
from rateshop.carriers.sandbox_options import (
    BIG_BYTES,
    EXPIRED_AFTER,
    MAX_JOBS,
    SLOW_SECONDS,
    VALID_DAYS,
    SandboxConfig,
)
from rateshop.compare.connectors import off_loop
from rateshop.compare.nearest import fit
from rateshop.errors import ManualNotFound, RateshopError
from rateshop.rating.library import Library
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate


@dataclass
class _Job:
    """An asynchronous quote: its answer once rated, and how to write it (line, request id)."""

    task: asyncio.Task[tuple[int, dict[str, Any]]]
    line: str
    request_uid: str | None


@dataclass
class Sandbox:
    """One sandbox carrier: its manuals, its behaviour, the tokens it issued, what it served."""

    config: SandboxConfig
    library: Library = field(init=False)
    carrier: str = field(init=False)
    stats: Counter[str] = field(default_factory=Counter)
    _tokens: dict[str, float] = field(default_factory=dict)
    _jobs: dict[str, _Job] = field(default_factory=dict)
    _keyed: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _rated: dict[str, tuple[Quote | Decline, Any]] = field(default_factory=dict)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.library = Library.load(self.config.manuals)
        carriers = sorted({p.manual.identity.carrier for p in self.library})
        if self.config.carrier is not None:
            if self.config.carrier not in carriers:
                raise ValueError(f"no manual of {self.config.carrier} in {self.config.manuals}")
            self.carrier = self.config.carrier
        elif len(carriers) == 1:
            self.carrier = carriers[0]
        else:
            raise ValueError(f"{self.config.manuals} holds {len(carriers)} carriers: pick one")
        self._random = random.Random(self.config.seed)

    # --- the service ------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The sandbox as an aiohttp application."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/oauth/token", self.token)
        app.router.add_post("/v1/quotes", self.submit)
        app.router.add_get("/v1/quotes/{quote_id}", self.poll)
        app.router.add_get("/sandbox/stats", self.show_stats)
        return app

    async def show_stats(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.stats))

    async def token(self, request: web.Request) -> web.Response:
        """OAuth2 client credentials: a bearer token for the right secret."""
        self.stats["token_fetches"] += 1
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if form.get("client_secret") != self.config.secret:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_urlsafe(24)
        ttl = EXPIRED_AFTER if self.config.fault == "token-expiry" else self.config.token_ttl
        self._tokens[token] = asyncio.get_running_loop().time() + ttl
        body = {"access_token": token, "token_type": "Bearer", "expires_in": self.config.token_ttl}
        return web.json_response(body)

    def _refused(self, request: web.Request) -> web.Response | None:
        """A 401 when the request does not carry what the sandbox's auth asks for."""
        if self.config.auth == "apikey":
            if request.headers.get("X-Api-Key") != self.config.secret:
                return web.json_response({"error": "invalid_api_key"}, status=401)
        elif self.config.auth == "oauth2":
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            until = self._tokens.get(token) if scheme.lower() == "bearer" else None
            if until is None or until < asyncio.get_running_loop().time():
                return web.json_response(
                    {"error": "invalid_token"},
                    status=401,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
        return None

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """A quote request: answered now (sync) or accepted to be polled (async)."""
        self.stats["quote_requests"] += 1
        refused = self._refused(request)
        if refused is not None:
            return refused
        uid = None
        try:
            if self.config.format == "xml":
                message = acord.parse_request_message(await request.read())
                risk, uid = message.risk, message.request_uid
            else:
                risk = wire.read_request(await request.json())
        except (ValueError, wire.WireError) as exc:  # AcordError is a ValueError
            return web.json_response({"error": "bad_request", "message": str(exc)}, status=400)
        line = str(risk["line"])
        key = request.headers.get("Idempotency-Key")
        if key is not None and key in self._keyed:
            self.stats["idempotent_repeats"] += 1  # answered as before, not rated again
            status, answer = self._keyed[key]
            return self._send(status, answer, line, uid)
        quote_id = f"SBX-{secrets.token_hex(6).upper()}"
        fault = await self._fault(request)
        if fault is not None:
            return fault
        if self.config.mode == "async":
            task = asyncio.create_task(self._answer(risk, quote_id))
            self._jobs[quote_id] = _Job(task, line, uid)
            if len(self._jobs) > MAX_JOBS:  # the oldest quote is forgotten: polled, it is a 404
                self._jobs.pop(next(iter(self._jobs))).task.cancel()
            pending = wire.status_only("PENDING", quote_id, "rating")
            return self._send(202, pending, line, uid, pending=True)
        status, answer = await self._answer(risk, quote_id)
        if key is not None:
            self._keyed[key] = (status, answer)
            if len(self._keyed) > MAX_JOBS:
                self._keyed.pop(next(iter(self._keyed)))
        if self.config.fault == "reset-once" and request.transport is not None:
            # Rated, then cut before the answer: the quote exists at the carrier. Sent again
            # with the same key, it is answered as it was; without a key, every one is cut.
            self.stats["cut_after_rating"] += 1
            request.transport.abort()
            return web.Response(status=500)
        return self._send(status, answer, line, uid)

    async def poll(self, request: web.Request) -> web.StreamResponse:
        """An asynchronous quote: still pending (with Retry-After) or its answer."""
        self.stats["polls"] += 1
        refused = self._refused(request)
        if refused is not None:
            return refused
        quote_id = request.match_info["quote_id"]
        job = self._jobs.get(quote_id)
        if job is None:
            return web.json_response({"error": "not_found"}, status=404)
        if not job.task.done():
            pending = wire.status_only("PENDING", quote_id, "rating")
            return self._send(200, pending, job.line, job.request_uid, pending=True)
        status, answer = job.task.result()
        return self._send(status, answer, job.line, job.request_uid)

    def _retry_after(self) -> dict[str, str]:
        # Whole seconds, as HTTP says; at least one.
        return {"Retry-After": str(max(1, round(self.config.latency[1])))}

    def _send(
        self,
        status: int,
        answer: dict[str, Any],
        line: str,
        request_uid: str | None,
        pending: bool = False,
    ) -> web.Response:
        """The answer in the sandbox's format (``Retry-After`` while pending)."""
        self.stats[f"answered_{status}"] += 1
        headers = self._retry_after() if pending else {}
        if self.config.format == "json":
            return web.json_response(answer, status=status, headers=headers)
        retry = float(headers["Retry-After"]) if pending else None
        body = acord.build_response(wire.as_reply(answer, retry), line, request_uid)
        return web.Response(
            body=body, status=status, headers=headers, content_type="application/xml"
        )

    # --- faults -----------------------------------------------------------------------------

    async def _fault(self, request: web.Request) -> web.StreamResponse | None:
        """The response of a fault that replaces the answer, or None to answer (maybe spoilt)."""
        fault = self.config.fault
        if self.config.error_rate and self._random.random() < self.config.error_rate:
            await self._wait()
            return web.json_response({"error": "internal", "message": "sandbox error"}, status=500)
        if fault == "hang":
            await asyncio.sleep(3600)
        if fault == "5xx":
            return web.json_response({"error": "unavailable"}, status=503)
        if fault == "429":
            return web.json_response(
                {"error": "rate_limited"}, status=429, headers={"Retry-After": "2"}
            )
        if fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        xml = self.config.format == "xml"
        kind = "application/xml" if xml else "application/json"
        if fault == "malformed":
            cut = "<ACORD><InsuranceSvcRs><PersAutoPolicy" if xml else '{"quote": {"premium": '
            return web.Response(text=cut, content_type=kind)
        if fault == "big":
            padding = "x" * BIG_BYTES
            text = (
                f"<ACORD><!-- {padding} --></ACORD>"
                if xml
                else json.dumps({"quote": {"status": "QUOTED", "padding": padding}})
            )
            return web.Response(text=text, content_type=kind)
        return None

    async def _wait(self) -> None:
        low, high = self.config.latency
        if self.config.fault == "slow":
            low = high = SLOW_SECONDS
        if high > 0:
            await asyncio.sleep(self._random.uniform(low, high))

    # --- rating -----------------------------------------------------------------------------

    async def _answer(self, risk: Mapping[str, Any], quote_id: str) -> tuple[int, dict[str, Any]]:
        """Rate the risk with the manual in force, after the latency; a status and a body."""
        await self._wait()
        if self.config.fault == "referred":
            return 200, wire.status_only("REFERRED", quote_id, "an underwriter reviews this risk")
        # Rating is pure: the same risk asked again is answered from memory, on the loop, so a
        # load test measures the carrier's latency and its client, not the sandbox's own CPU.
        key = json.dumps(risk, sort_keys=True)
        try:
            rated = self._rated.get(key)
            if rated is None:
                rated = await off_loop(self._rate, risk)
                self._rated[key] = rated
                if len(self._rated) > 256:
                    self._rated.pop(next(iter(self._rated)))
            answer, fitted = rated
        except ManualNotFound as exc:
            return 422, wire.status_only("ERROR", quote_id, str(exc))
        except RateshopError as exc:
            return 422, wire.status_only("ERROR", quote_id, str(exc))
        if isinstance(answer, Decline):
            return 200, wire.declined(answer, quote_id)
        valid = dt.date.today() + dt.timedelta(days=VALID_DAYS)
        link = f"https://sample.invalid/{self.carrier}/quotes"
        out = wire.quoted(answer, quote_id, risk, fitted, link, valid)
        self._spoil(out)
        return 200, out

    def _rate(self, risk: Mapping[str, Any]) -> tuple[Quote | Decline, Any]:
        line, state = str(risk.get("line")), str(risk.get("state", "")).upper()
        on = dt.date.fromisoformat(str(risk.get("effective_date")))
        plan = self.library.select(self.carrier, line, state, on)
        fitted = fit(plan.manual, risk)
        return rate(plan, fitted.risk), fitted.substitutions

    def _spoil(self, out: dict[str, Any]) -> None:
        """The faults that answer with a quote that must not count."""
        quote = out["quote"]
        if self.config.fault == "currency":
            quote["currency"] = "EUR"
        elif self.config.fault == "parts":
            quote["premium"]["total"] = str(Decimal(quote["premium"]["total"]) + Decimal("17.00"))


async def start(sandbox: Sandbox, port: int, host: str = "127.0.0.1") -> tuple[web.AppRunner, int]:
    """Serve ``sandbox`` on ``host:port`` (0: any free port); the runner and the port bound."""
    runner = web.AppRunner(sandbox.app(), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    await web.SockSite(runner, sock).start()
    bound: int = sock.getsockname()[1]
    return runner, bound


async def serve_forever(
    sandbox: Sandbox, port: int, ready: Callable[[int], Awaitable[None] | None] | None = None
) -> None:
    """Serve until cancelled (Ctrl-C); ``ready`` is told the port once listening."""
    runner, bound = await start(sandbox, port)
    try:
        if ready is not None:
            said = ready(bound)
            if said is not None:
                await said
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
