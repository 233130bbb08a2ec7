"""The I/O of live carriers: one aiohttp session per process, its errors turned into ours.

:func:`mapped` is the one place aiohttp's exceptions become rateshop's
(:class:`~rateshop.errors.CarrierError` and its kinds), the cause kept; nothing of aiohttp leaks
past a connector. :class:`Transport` holds the process's one ``ClientSession`` (remade only when
the event loop changes: a command line may run several loops one after another), with a limit of
connections per carrier host, and reads answers up to a size limit.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import aiohttp
from yarl import URL

from rateshop.errors import CarrierBadResponse, CarrierError, CarrierTimeout, CarrierUnavailable

MAX_ANSWER_BYTES = 1024 * 1024  # no quote answer is larger; a bigger one is refused unread


class NotSent(CarrierUnavailable):
    """The connection was never made, so the carrier cannot have seen the request: safe to retry."""


def mapped(carrier: str, exc: BaseException) -> CarrierError:
    """Rateshop's error for aiohttp's (or a timeout's) ``exc``; raise it ``from exc``."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return NotSent(f"{carrier} could not be reached: {exc.os_error or exc}")
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return CarrierTimeout(f"{carrier} did not answer in time")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return CarrierBadResponse(f"{carrier} sent a broken body: {exc}")
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return CarrierError(f"{carrier} cut the connection: {exc}")
    return CarrierError(f"{carrier}: {type(exc).__name__}: {exc}")


class Response(NamedTuple):
    """What came back: the status, the headers (names looked up lower-case) and the body.

    A named tuple: one is made for every carrier call.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport:
    """The process's one HTTP client session, with at most ``per_host`` connections to a carrier."""

    def __init__(self, per_host: int, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.per_host = per_host
        self.max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._urls: dict[str, URL] = {}
        self._timeouts: dict[int, aiohttp.ClientTimeout] = {}

    def session(self) -> aiohttp.ClientSession:
        """The session of the running event loop (made on first use)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=self.per_host)
            # No cookie jar: a quote request carries nothing of another comparison's (one
            # session serves them all), and no request pays for looking cookies up.
            self._session = aiohttp.ClientSession(
                connector=connector, raise_for_status=False, cookie_jar=aiohttp.DummyCookieJar()
            )
            self._loop = loop
        return self._session

    def _url(self, url: str) -> URL:
        # Parsing a URL is a good part of a request's cost; carriers' few URLs are parsed once.
        found = self._urls.get(url)
        if found is None:
            if len(self._urls) >= 1024:  # polls' URLs are each their own: kept bounded
                self._urls.clear()
            found = self._urls[url] = URL(url)
        return found

    async def send(
        self,
        carrier: str,
        method: str,
        url: str,
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
    ) -> Response:
        """One request within ``timeout`` seconds; the answer read whole, up to the size limit."""
        if timeout <= 0:
            raise CarrierTimeout(f"{carrier}: no time left for the call")
        # A timeout object per call costs as much as a small request's own bookkeeping: the calls
        # starting within the same millisecond share one (rounded up to the millisecond).
        millis = math.ceil(timeout * 1000)
        limit = self._timeouts.get(millis)
        if limit is None:
            if len(self._timeouts) >= 4096:
                self._timeouts.clear()
            limit = self._timeouts[millis] = aiohttp.ClientTimeout(total=millis / 1000)
        # A try rather than a context manager: this runs for every carrier of every comparison.
        try:
            async with self.session().request(
                method,
                self._url(url),
                headers=headers,
                json=json,
                data=data,
                timeout=limit,
                allow_redirects=False,
            ) as response:
                declared = response.content_length
                if declared is not None and declared > self.max_bytes:
                    raise CarrierBadResponse(
                        f"{carrier} sent {declared} bytes, more than {self.max_bytes}"
                    )
                # Read in any case (``retry-after``), as they came: no copy made.
                heads = response.headers
                if declared is not None:
                    # aiohttp reads no more than the declared length: one read, within the limit.
                    return Response(response.status, heads, await response.read())
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise CarrierBadResponse(f"{carrier} sent more than {self.max_bytes} bytes")
                    chunks.append(chunk)
                return Response(response.status, heads, b"".join(chunks))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise mapped(carrier, exc) from exc

    async def aclose(self) -> None:
        """Close the session (when its loop is the running one)."""
        if self._session is not None and not self._session.closed:
            if self._loop is asyncio.get_running_loop():
                await self._session.close()
            self._session = None


_SHARED: dict[int, Transport] = {}


def shared_transport(per_host: int) -> Transport:
    """The process's transport for this connection limit (one session for every carrier)."""
    found = _SHARED.get(per_host)
    if found is None:
        found = _SHARED[per_host] = Transport(per_host)
    return found
