"""What every request passes before the app reads it: a size limit, a rate limit, an access log.

* **Bodies.** A comparison is a few kilobytes; a request body larger than
  ``RATESHOP_MAX_BODY_BYTES`` (64 KiB) is refused with 413 before it is read whole, from its
  ``Content-Length`` when it says one and by counting when it is sent in chunks. A manual upload
  has its own limit, checked after the admin's session. A JSON body the app could not read (not
  UTF-8, nested too deep, a lone surrogate or a NUL in a string) is a 422 naming the field.
* **Rate.** Each client address may make ``RATESHOP_RATE_LIMIT_COMPARE`` requests that rate
  (comparisons, and the reads that re-rate a stored one: its results page, tips, replay, re-quote)
  and ``RATESHOP_RATE_LIMIT_READ`` other requests; past either, 429 with ``Retry-After``. The
  counters live in ``RATESHOP_RATE_LIMIT_STORAGE``: ``memory://`` (each process counts alone: the
  embedded default) or ``async+redis://HOST:PORT`` (every worker and node shares them). The window
  moves with each request (every hit is counted, none estimated), so a limit holds exactly, at a
  window's edge too. If that store fails the process counts alone until it is back, so a Redis
  outage never takes the service down nor leaves it unlimited.
* **Access log.** One line per request naming the route's template (``/comparisons/{ref}``), never
  the path itself: a comparison's reference is a secret and must not land in logs.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import orjson
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rateshop.answers import KIND, ErrorBody, FieldError
from rateshop.api.errors import respond
from rateshop.config import Settings
from rateshop.risk.problems import field_path

log = logging.getLogger(__name__)
access = logging.getLogger("rateshop.access")

# Requests that rate: a comparison (every carrier of a line, stored), and the reads that rate a
# stored comparison again (its results page prices tips; tips, replay and re-quote re-rate it).
# They count against the smaller rate: a page view must not cost what a cheap read costs.
RATING = re.compile(
    r"POST /(comparisons(/stream)?|households|quote/stream|carriers/[^/]+/rate)"
    r"|GET /(c/[^/]+|comparisons/[^/]+/(tips|replay|requote))"
)
# Never limited: files the pages load, and the probes an operator's monitoring calls.
UNLIMITED_PREFIXES = ("/static/",)
# The manual upload: its route checks the admin's session before reading the body, then caps it.
UPLOAD_PATH = "/admin/upload"
# A risk nests four levels deep; a household six. Deeper JSON is junk, and refusing it early
# keeps the parser and the validators far from Python's recursion limit.
MAX_DEPTH = 32


class BodyGuard:
    """Reads a request's body before the app does and refuses what cannot be a request.

    A body over the limit is a 413: at once when its ``Content-Length`` says so, else as soon as
    the chunks read pass it (an endless body costs the limit, no more). A JSON body the app could
    not read is a 422 naming ``body`` (or the string's field): not UTF-8, nested deeper than
    :data:`MAX_DEPTH` (thousands of ``[`` would take the parser near Python's recursion limit), a
    lone surrogate (no answer could echo it) or a NUL (PostgreSQL cannot store it).

    The manual upload (:data:`UPLOAD_PATH`) is passed through untouched: it is bigger, and its
    route checks the admin's session from the headers before reading any of the body, then caps
    it itself (:mod:`rateshop.web.admin`).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or scope["path"] == UPLOAD_PATH
        ):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await respond(413, too_large(limit), {"Connection": "close"})(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before sending its body: the app hears of it as usual.
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await respond(413, too_large(limit), {"Connection": "close"})(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        data = b"".join(chunks)
        problem = json_problem(data) if data and _reads_json(scope) else None
        if problem is not None:
            await respond(422, unreadable(problem.problem, problem.field))(scope, receive, send)
            return
        first: Message = {"type": "http.request", "body": data, "more_body": False}
        await self.app(scope, _replay([first], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` giving ``messages`` first, then the client's own (a disconnect, for a stream)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def unreadable(problem: str, field: str = "body") -> ErrorBody:
    """The 422 body for a request body that cannot be read as the JSON of a request."""
    return ErrorBody(
        error=KIND[422],
        message=f"{field}: {problem}",
        errors=[FieldError(field=field, problem=problem, allowed="a JSON object in UTF-8")],
    )


def too_large(limit: int) -> ErrorBody:
    """The 413 body for a request body over ``limit`` bytes."""
    problem = f"is larger than {limit:,} bytes"
    return ErrorBody(
        error=KIND[413],
        message=f"body: {problem}",
        errors=[FieldError(field="body", problem=problem, allowed=f"at most {limit:,} bytes")],
    )


def json_problem(body: bytes) -> FieldError | None:
    """What makes ``body`` unreadable as a request's JSON, or None if nothing does.

    Beyond what the parser refuses: nesting deeper than :data:`MAX_DEPTH`, and strings holding a
    lone surrogate (``"\\ud800"``, which no UTF-8 text can carry, so no answer could echo it) or a
    NUL (which PostgreSQL cannot store in text); those name the string's field.

    A request that is fine (nearly every one) is answered by orjson's parser alone: it refuses
    what is not UTF-8 and lone surrogates itself, a NUL can only come from its ``\\u0000``
    escape, and a body with no more than :data:`MAX_DEPTH` brackets cannot nest deeper. Anything
    else goes on to the standard parser and the walk below, which name the problem.
    """
    if _plainly_readable(body):
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FieldError(field="body", problem=f"is not UTF-8 text (byte {exc.start})")
    deep = f"nests more than {MAX_DEPTH} levels deep"
    try:
        data = json.loads(text)
    except RecursionError:
        return FieldError(field="body", problem=deep)
    except json.JSONDecodeError as exc:
        return FieldError(field="body", problem=f"is not valid JSON: {exc}")
    # One pass over every value, without recursion: the depth is the point being checked.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            if len(where) >= MAX_DEPTH:
                return FieldError(field="body", problem=deep)
            # Names first: a path naming a bad name could not be written in the answer.
            for key in value:
                problem = _text_problem(key)
                if problem is not None:
                    return FieldError(
                        field=field_path(where) or "body", problem=f"a name {problem}"
                    )
            stack.extend((item, (*where, key)) for key, item in value.items())
        elif isinstance(value, list):
            if len(where) >= MAX_DEPTH:
                return FieldError(field="body", problem=deep)
            stack.extend((item, (*where, i)) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = _text_problem(value)
            if problem is not None:
                return FieldError(field=field_path(where) or "body", problem=problem)
    return None


def _plainly_readable(body: bytes) -> bool:
    """Whether ``body`` is surely a readable request's JSON, seen at a glance (see
    :func:`json_problem`); False says only that a closer look is needed."""
    if b"\\u0000" in body or body.count(b"{") + body.count(b"[") > MAX_DEPTH:
        return False
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return True


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "holds a NUL character (\\u0000), which is not text"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "holds a lone surrogate (\\ud800-\\udfff), which is not text"
    return None


def _reads_json(scope: Scope) -> bool:
    """Whether FastAPI would read this request's body as JSON (no content type counts as JSON)."""
    if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
        return False
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = bytes(value).split(b";")[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return True


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


@dataclass(frozen=True)
class Limits:
    """The two rates a client address is held to."""

    compare: RateLimitItem
    read: RateLimitItem

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(parse(settings.rate_limit_compare), parse(settings.rate_limit_read))


class LocalWindow:
    """Moving-window counters kept in this process: the time of each hit let through, per key,
    for as long as its window lasts.

    The same rule as the shared store's moving window (a hit goes ahead when fewer than the
    limit's amount were let through in the window before it; a refused hit is not counted), at the
    cost of a few list operations: no task, no thread, no copy of the window per request.
    """

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._swept = time.monotonic()
        # The longest window seen: a key none of whose hits is younger than it holds nothing.
        self._longest = 0.0

    def hit(self, item: RateLimitItem, kind: str, who: str) -> int | None:
        """Count a hit of ``who`` against ``item``: None when it may go ahead, else the whole
        seconds until the oldest hit of its window leaves it."""
        now = time.monotonic()
        window = float(item.get_expiry())
        if now - self._swept > max(window, self._longest):
            self._sweep(now)
        self._longest = max(self._longest, window)
        key = (kind, who)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        start = now - window
        while hits and hits[0] <= start:
            hits.popleft()
        if len(hits) >= item.amount:
            return max(1, math.ceil(hits[0] + window - now))
        hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        # Addresses that stopped asking are dropped, so the table holds only the recent ones.
        start = now - self._longest
        self._hits = {key: hits for key, hits in self._hits.items() if hits and hits[-1] > start}
        self._swept = now


class RateLimit:
    """Hold each client address to its rates; 429 with ``Retry-After`` past them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = Limits.of(settings)
        # Counted in this process: the embedded default, and the fallback while the shared store
        # is unreachable (limits per process rather than none).
        self.local = LocalWindow()
        self.shared = (
            None
            if settings.rate_limit_storage.startswith("memory://")
            else MovingWindowRateLimiter(
                _storage(settings.rate_limit_storage, settings.rate_limit_prefix)
            )
        )
        self._failing_since: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        who = client[0] if client else "unknown"
        kind = "compare" if RATING.fullmatch(f"{scope['method']} {scope['path']}") else "read"
        item = self.limits.compare if kind == "compare" else self.limits.read
        if self.shared is None:
            wait = self.local.hit(item, kind, who)
        else:
            wait = await self._wait(self.shared, item, kind, who)
        if wait is not None:
            body = ErrorBody(
                error="rate_limited",
                message=f"too many requests from this address: at most {item} "
                f"({kind}); try again in {wait} s",
            )
            await respond(429, body, headers={"Retry-After": str(wait)})(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _wait(
        self, shared: MovingWindowRateLimiter, item: RateLimitItem, kind: str, who: str
    ) -> int | None:
        """None when the request may go ahead, else the whole seconds to wait (the shared store's
        count, or this process's while that store fails)."""
        try:
            allowed = await shared.hit(item, kind, who)
            if self._failing_since is not None:
                log.warning("rate-limit store is back after %.0f s", self._since())
                self._failing_since = None
        except Exception as exc:  # the shared store is down: count in this process meanwhile
            if self._failing_since is None:
                self._failing_since = time.monotonic()
                log.error(
                    "rate-limit store failed (%s); counting per process until it is back", exc
                )
            return self.local.hit(item, kind, who)
        if allowed:
            return None
        stats = await shared.get_window_stats(item, kind, who)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _since(self) -> float:
        return time.monotonic() - (self._failing_since or time.monotonic())


def _storage(uri: str, prefix: str) -> Storage:
    # A store that does not answer within a second is treated as down (see RateLimit._wait).
    storage = storage_from_string(
        uri, wrap_exceptions=True, key_prefix=prefix, stream_timeout=1, connect_timeout=1
    )
    if not isinstance(storage, Storage):
        raise ValueError(
            f"RATESHOP_RATE_LIMIT_STORAGE {uri!r} is not an async storage: use async+…"
        )
    return storage


class AccessLog:
    """One log line per request with the route's template, the status and the time taken."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            where = getattr(route, "path", None) or _static(scope["path"])
            ms = (time.perf_counter() - started) * 1000
            access.info("%s %s %d %.1f ms", scope["method"], where, status, ms)


def _static(path: str) -> str:
    # Static files and unknown paths hold no reference worth logging by its value.
    return path if path.startswith(UNLIMITED_PREFIXES) else "(no route)"
