"""What every request passes before the app reads it: a size limit, a rate limit, an access log.

* **Body size.** A comparison is a few kilobytes; a request body larger than
  ``RATESHOP_MAX_BODY_BYTES`` (64 KiB) is refused with 413 before it is read whole, from its
  ``Content-Length`` when it says one and by counting when it is sent in chunks. Manual uploads
  (``/admin/``) have their own, larger limit.
* **Rate.** Each client address may make ``RATESHOP_RATE_LIMIT_COMPARE`` comparisons (they rate
  every carrier and are stored) and ``RATESHOP_RATE_LIMIT_READ`` other requests; past either, 429
  with ``Retry-After``. The counters live in ``RATESHOP_RATE_LIMIT_STORAGE``: ``memory://`` (each
  process counts alone: the embedded default) or ``async+redis://HOST:PORT`` (every worker and node
  shares them). If that store fails the process counts alone until it is back, so a Redis outage
  never takes the service down nor leaves it unlimited.
* **Access log.** One line per request naming the route's template (``/comparisons/{ref}``), never
  the path itself: a comparison's reference is a secret and must not land in logs.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rateshop.api.errors import ErrorBody, RequestTooLarge, respond
from rateshop.config import Settings

log = logging.getLogger(__name__)
access = logging.getLogger("rateshop.access")

# Requests that make a comparison: each rates every carrier of a line and stores the answers.
COMPARING = {
    ("POST", "/comparisons"),
    ("POST", "/comparisons/stream"),
    ("POST", "/households"),
    ("POST", "/quote/stream"),
}
# Never limited: files the pages load, and the probes an operator's monitoring calls.
UNLIMITED_PREFIXES = ("/static/",)
UPLOAD_PREFIX = "/admin/"


class BodyLimit:
    """Refuse request bodies over the configured size with 413, before the app reads any of it.

    A declared ``Content-Length`` over the limit is refused at once; a body sent in chunks is read
    here up to the limit and handed on whole (a comparison's body is a few kilobytes), so the app
    never starts on a body it would have to give up half-way.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.max_upload_bytes if path.startswith(UPLOAD_PREFIX) else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(limit, scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(limit, scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    body = ErrorBody(error="too_large", message=str(RequestTooLarge(limit)))
    await respond(413, body, headers={"Connection": "close"})(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives ``messages`` back, then whatever comes next (a disconnect)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


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


class RateLimit:
    """Hold each client address to its rates; 429 with ``Retry-After`` past them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = Limits.of(settings)
        shared = _storage(settings.rate_limit_storage, settings.rate_limit_prefix)
        self.shared = SlidingWindowCounterRateLimiter(shared)
        # Used while the shared store is unreachable: limits per process rather than none.
        self.local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._failing_since: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        who = client[0] if client else "unknown"
        kind = "compare" if (scope["method"], scope["path"]) in COMPARING else "read"
        item = self.limits.compare if kind == "compare" else self.limits.read
        wait = await self._wait(item, kind, who)
        if wait is not None:
            body = ErrorBody(
                error="rate_limited",
                message=f"too many requests from this address: at most {item} "
                f"({kind}); try again in {wait} s",
            )
            await respond(429, body, headers={"Retry-After": str(wait)})(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _wait(self, item: RateLimitItem, kind: str, who: str) -> int | None:
        """None when the request may go ahead, else the whole seconds to wait."""
        limiter = self.shared
        try:
            allowed = await limiter.hit(item, kind, who)
            if self._failing_since is not None:
                log.warning("rate-limit store is back after %.0f s", self._since())
                self._failing_since = None
        except Exception as exc:  # the shared store is down: count in this process meanwhile
            if self._failing_since is None:
                self._failing_since = time.monotonic()
                log.error(
                    "rate-limit store failed (%s); counting per process until it is back", exc
                )
            limiter = self.local
            allowed = await limiter.hit(item, kind, who)
        if allowed:
            return None
        stats = await limiter.get_window_stats(item, kind, who)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _since(self) -> float:
        return time.monotonic() - (self._failing_since or time.monotonic())


def _storage(uri: str, prefix: str) -> Storage:
    if uri.startswith("memory://"):
        return MemoryStorage()
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
