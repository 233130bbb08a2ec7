"""The ``http`` and ``xml`` connectors: a carrier's own quoting API over HTTP, in JSON through its
mapping file, or in ACORD-style XML.

Building the request and reading the answer are pure (:mod:`rateshop.carriers.wires`: JSON through
:mod:`rateshop.carriers.mapping`, XML through :mod:`rateshop.carriers.acord`), checking the
answer too (:mod:`rateshop.carriers.checks`); this module does the asking: credentials
(:mod:`rateshop.carriers.auth`), one deadline per call, polling an asynchronous carrier with its
``Retry-After`` within that deadline, retries only where the carrier cannot have seen the request,
a concurrency limit and a circuit breaker per carrier. Every carrier-side fault is an answer of
kind ``failed``, never an exception.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from multidict import CIMultiDict, CIMultiDictProxy

from rateshop.carriers import mapping as wire
from rateshop.carriers.auth import Auth, auth_for
from rateshop.carriers.breaker import Breaker
from rateshop.carriers.checks import outcome
from rateshop.carriers.reply import CarrierReply
from rateshop.carriers.transport import (
    MAX_ANSWER_BYTES,
    NotSent,
    Response,
    Transport,
    shared_transport,
)
from rateshop.carriers.wires import AcordWire, JsonWire, Outgoing, Wire
from rateshop.compare.connectors import Offer
from rateshop.compare.market import Carrier, Endpoint
from rateshop.compare.outcomes import Failure, FailureKind
from rateshop.compare.registry import HEALTH_OUTCOME, ConnectorContext, HealthRecorder
from rateshop.config import Settings, named_secret
from rateshop.errors import (
    CarrierAuthError,
    CarrierBadResponse,
    CarrierError,
    CarrierRateLimited,
    CarrierUnavailable,
)

RETRIES = 2  # more attempts when a connection could not be made at all
BACKOFF = 0.1  # seconds before the first retry; doubled each time, with jitter
# A carrier's quote reference goes into the poll's path: only a plain token may, never a path.
PLAIN_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.~-]{0,127}")


def base_url(carrier: Carrier) -> str:
    """The carrier's base URL: written in the catalog, or read from the variable it names."""
    endpoint = carrier.endpoint
    if endpoint is None:
        raise CarrierUnavailable(f"{carrier.id} has no endpoint in the catalog")
    url = endpoint.url or (named_secret(endpoint.url_env) if endpoint.url_env else None)
    if not url:
        said = f"set {endpoint.url_env}" if endpoint.url_env else "the catalog gives no url"
        raise CarrierUnavailable(f"{carrier.id} is not configured: {said}")
    return url.rstrip("/")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header as seconds (the delay form; a date is not honoured)."""
    try:
        return max(0.0, float(headers["retry-after"]))
    except (KeyError, ValueError):
        return None


class Limit:
    """At most ``size`` calls at once; the others wait their turn, first come first served.

    A call that finds room takes it without awaiting anything (:meth:`take`), which is nearly
    always, so the common case costs a counter rather than a semaphore's wait machinery.
    """

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiting: deque[asyncio.Future[None]] = deque()

    def take(self) -> bool:
        """Take a place if one is free now (and nobody is waiting for one)."""
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return True
        return False

    async def wait(self) -> None:
        """Wait for a place, handed over by :meth:`give`."""
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.give()  # handed a place while being cancelled: pass it on
            raise

    def give(self) -> None:
        """Give a place back: to the first call still waiting, or to the free ones."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.free += 1


class HttpConnector:
    """One live carrier over HTTP (see the module's docstring).

    Given a health recorder, it times and counts each call there itself (a call the comparison
    gives up on at its deadline counts as failed ``timeout``), and tells it its breaker's state.
    """

    records_health = True

    def __init__(
        self,
        carrier: Carrier,
        codec: Wire,
        url: str,
        auth: Auth,
        transport: Transport,
        settings: Settings,
        health: HealthRecorder | None = None,
    ) -> None:
        assert carrier.endpoint is not None
        self.carrier = carrier.id
        self.endpoint: Endpoint = carrier.endpoint
        self.may_requote = self.endpoint.may_requote
        self.wire = codec
        self.quote_url = url + self.endpoint.quote_path
        self.auth = auth
        self.transport = transport
        self.call_deadline = min(
            self.endpoint.call_deadline or settings.carrier_call_deadline,
            settings.carrier_call_deadline,
        )
        self.breaker = Breaker(
            settings.breaker_failures, settings.breaker_window, settings.breaker_cooldown
        )
        self.health = health
        self._noted: str | None = None  # the breaker state the health recorder was last told
        self._limits: dict[asyncio.AbstractEventLoop, Limit] = {}
        # Headers that never change are made once, the credential with them when it is fixed,
        # and in the client's own kind of mapping, which it would otherwise copy them into.
        self._fixed = auth.fixed
        reading = {**(self._fixed or {}), "Accept": codec.content_type}
        self._reading = CIMultiDictProxy(CIMultiDict(reading))
        self._sending = CIMultiDictProxy(
            CIMultiDict({**reading, "Content-Type": codec.content_type})
        )
        # Neither headers to fetch nor a key to add: a quote request is sent as it is.
        self._direct = self._fixed is not None and not self.endpoint.idempotency_header

    def _limit(self, loop: asyncio.AbstractEventLoop) -> Limit:
        found = self._limits.get(loop)
        if found is None:
            self._limits.clear()  # the waiting calls of a finished loop are of no use
            found = self._limits[loop] = Limit(self.endpoint.concurrency)
        return found

    def check_risk(self, risk: Mapping[str, Any]) -> None:
        """Raise :class:`RiskError` when the carrier's request cannot carry ``risk`` (a value its
        mapping has no code for, a fact it needs missing); asks the carrier nothing."""
        self.wire.request(risk)

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        """Ask the carrier; its answer checked, or a failure of its kind."""
        request = self.wire.request(risk)  # a value it has no code for: RiskError
        breaker = self.breaker
        if not breaker.allow():
            why = f"{self.carrier} failed repeatedly; not asked until its cool-down ends"
            offer = Offer(Failure("unavailable", why))
            if self.health is not None:
                self.health.record(self.carrier, "failed", 0.0, "unavailable")
            return offer
        if breaker.state != self._noted:
            self._note_breaker()
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.call_deadline
        limit = self._limit(loop)
        try:
            if not limit.take():
                await limit.wait()
            try:
                if self._direct:
                    sent = await self._post(request.body, deadline, loop)
                else:
                    sent = await self._send("POST", self.quote_url, deadline, body=request.body)
                reply = self._read(sent, request)
                if reply.status == "pending" and reply.quote_ref:
                    reply = await self._poll(reply, sent, request, deadline)
                offer = outcome(reply, self.carrier, risk)
            finally:
                limit.give()
        except CarrierError as exc:
            offer = Offer(Failure(cast(FailureKind, exc.kind), str(exc)))
        except asyncio.CancelledError:
            self.breaker.record(False)  # the comparison's deadline came first
            self._note_breaker()
            if self.health is not None:
                took = time.perf_counter() - started
                self.health.record(self.carrier, "failed", took, "timeout")
            raise
        got = offer.answer
        breaker.record(not isinstance(got, Failure))
        if breaker.state != self._noted:
            self._note_breaker()
        if self.health is not None:
            took = time.perf_counter() - started
            if isinstance(got, Failure):
                self.health.record(self.carrier, "failed", took, got.kind)
            else:
                self.health.record(self.carrier, HEALTH_OUTCOME.get(got.kind, "pending"), took)
        return offer

    def _note_breaker(self) -> None:
        # Told on a change only (callers check first): a call would otherwise pay for two metric
        # updates saying nothing.
        state = self.breaker.state
        if self.health is not None and state != self._noted:
            self.health.set_breaker(self.carrier, state)
            self._noted = state

    async def _poll(
        self, reply: CarrierReply, got: Response, request: Outgoing, deadline: float
    ) -> CarrierReply:
        """Ask again after a pending answer, with the carrier's ``Retry-After``, until it answers
        or the deadline would pass (then pending, with its reference)."""
        loop = asyncio.get_running_loop()
        while reply.status == "pending" and reply.quote_ref:
            # Checked even when there is no time left to poll: the reference is kept and shown.
            poll = self.poll_url(reply.quote_ref)
            wait = reply.retry_after or retry_after(got.headers) or 1.0
            if loop.time() + wait >= deadline:
                break  # answered as pending: the carrier still has it, with its reference
            await asyncio.sleep(wait)
            # A poll only reads: asking again cannot make a second quote.
            got = await self._send("GET", poll, deadline)
            reply = self._read(got, request)
        return reply

    def poll_url(self, quote_ref: str) -> str:
        """Where to ask after a pending quote: one plain path segment below the quote path.

        The reference comes from the carrier's answer; one that is not a plain token (``../``,
        ``?``, ``/``, ``%``) could send our credentials to another path of its host, so it is an
        invalid answer, and even a plain one is percent-quoted.
        """
        if PLAIN_REF.fullmatch(quote_ref) is None:
            raise CarrierBadResponse(
                f"{self.carrier} gave a quote reference that is not plain: {quote_ref[:80]!r}"
            )
        return f"{self.quote_url}/{quote(quote_ref, safe='')}"

    async def _post(
        self, body: bytes, deadline: float, loop: asyncio.AbstractEventLoop
    ) -> Response:
        """The quote request of a carrier with fixed headers and no idempotency key, sent as
        :meth:`_send` sends it, the transport awaited here (one coroutine less per call); only
        a connection never made, or a credential refused, goes on to :meth:`_send`."""
        try:
            got = await self.transport.send(
                self.carrier, "POST", self.quote_url, timeout=deadline - loop.time(),
                headers=self._sending, data=body,
            )  # fmt: skip
        except NotSent:
            if not await self._again(0, deadline):
                raise
            return await self._send("POST", self.quote_url, deadline, body, attempt=1)
        if got.status == 401 and self.auth.refused(self._sending):
            return await self._send("POST", self.quote_url, deadline, body, renewed=True)
        return got

    async def _send(
        self,
        method: str,
        url: str,
        deadline: float,
        body: bytes | None = None,
        *,
        attempt: int = 0,
        renewed: bool = False,
    ) -> Response:
        """One request, sent again where that is safe (see below): from its ``attempt``-th retry
        on, a refused credential already ``renewed`` or not."""
        loop = asyncio.get_running_loop()
        # A read (a poll) may always be sent again; a quote request only when the carrier honours
        # an idempotency key, the same key on every attempt, so it answers a repeat, not re-rates.
        plain = self._sending if body is not None else self._reading
        keyed = {}
        if body is not None and self.endpoint.idempotency_header:
            keyed = {self.endpoint.idempotency_header: uuid.uuid4().hex}
        resendable = method == "GET" or bool(keyed)

        while True:
            # The headers that never change are made once; a call adds only what is its own.
            headers: Mapping[str, str]
            if self._fixed is None:
                headers = {**await self.auth.headers(deadline), **plain, **keyed}
            else:
                headers = {**plain, **keyed} if keyed else plain
            try:
                got = await self.transport.send(
                    self.carrier, method, url, timeout=deadline - loop.time(),
                    headers=headers, data=body,
                )  # fmt: skip
            except NotSent:
                # Never connected, so never sent: any request may be sent again.
                if await self._again(attempt, deadline):
                    attempt += 1
                    continue
                raise
            except CarrierError as exc:
                # Sent, then cut: the carrier may have taken it. Again only if that is safe.
                if (
                    exc.kind == "carrier_error"
                    and resendable
                    and await self._again(attempt, deadline)
                ):
                    attempt += 1
                    continue
                raise
            if got.status >= 500 and resendable and await self._again(attempt, deadline):
                attempt += 1
                continue
            if got.status == 401 and not renewed and self.auth.refused(headers):
                # The carrier refused the credential, so it did not take the request: once more
                # with a fresh one (an expired token).
                renewed = True
                continue
            return got

    @staticmethod
    async def _again(attempt: int, deadline: float) -> bool:
        """After the ``attempt``-th retry: wait with backoff and jitter, if another is allowed."""
        pause = BACKOFF * 2**attempt * random.uniform(0.5, 1.5)
        if attempt >= RETRIES or asyncio.get_running_loop().time() + pause >= deadline:
            return False
        await asyncio.sleep(pause)
        return True

    def _read(self, got: Response, sent: Outgoing) -> CarrierReply:
        if got.status in (401, 403):
            raise CarrierAuthError(f"{self.carrier} refused our credentials ({got.status})")
        if got.status == 429:
            wait = retry_after(got.headers)
            said = f"; retry after {wait:g} s" if wait is not None else ""
            raise CarrierRateLimited(f"{self.carrier} asks us to slow down{said}", wait)
        if got.status >= 500:
            raise CarrierError(f"{self.carrier} answered HTTP {got.status}")
        try:
            return self.wire.reply(got.body, sent)
        except CarrierBadResponse as exc:
            if got.status >= 400:  # an error page rather than an answer
                raise CarrierError(f"{self.carrier} answered HTTP {got.status}") from exc
            raise

    async def aclose(self) -> None:
        """Close the shared session (a process's last carrier call is done)."""
        await self.transport.aclose()


def _made(carrier: Carrier, context: ConnectorContext, codec: Wire) -> HttpConnector:
    assert carrier.endpoint is not None
    url = base_url(carrier)
    transport = shared_transport(context.settings.carrier_connections)
    auth = auth_for(carrier.id, carrier.endpoint, url, transport)
    return HttpConnector(carrier, codec, url, auth, transport, context.settings, context.health)


def connector(carrier: Carrier, context: ConnectorContext) -> HttpConnector:
    """The ``http`` connector of a catalog entry: its mapping checked, its credentials read.

    Raises :class:`~rateshop.errors.MappingError` for a bad mapping file and
    :class:`~rateshop.errors.CarrierUnavailable` when its URL or a secret is not set.
    """
    mapping = wire.load_mapping(mapping_path(carrier))
    return _made(carrier, context, JsonWire(carrier.id, mapping))


def mapping_path(carrier: Carrier) -> Path:
    """The carrier's mapping file: its entry's ``mapping`` in the carrier's folder.

    The mapping may be shared (``../common/…``): the path is normalised, the folder need not exist.
    """
    if carrier.endpoint is None or carrier.folder is None:
        raise CarrierUnavailable(f"{carrier.id} has no endpoint in the catalog")
    return Path(os.path.normpath(carrier.folder / carrier.endpoint.mapping))


def xml_connector(carrier: Carrier, context: ConnectorContext) -> HttpConnector:
    """The ``xml`` connector of a catalog entry: ACORD-style messages, its credentials read."""
    if carrier.endpoint is None:
        raise CarrierUnavailable(f"{carrier.id} has no endpoint in the catalog")
    return _made(carrier, context, AcordWire(carrier.id, MAX_ANSWER_BYTES))
