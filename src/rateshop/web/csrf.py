"""Cross-site request forgery, refused in one place for every page route that changes something.

Every page carries the browser's CSRF token (:func:`rateshop.web.pages.csrf_token`, kept in an
HTTP-only cookie); a form sends it back as its hidden ``csrf`` field, a page's script as the
``X-CSRF-Token`` header. Another site can read neither the cookie nor the page, so it cannot send
the matching value. :class:`CsrfGuard` checks it before the route runs, so no handler has to
remember to.

A route that changes nothing (checking a risk as it is typed) says so with :func:`changes_nothing`.
A multipart form (a manual's upload, megabytes) is judged before its body is read by where the
browser says it comes from (``Sec-Fetch-Site``, else ``Origin``); its token is in the body, which
the upload reads itself within its own limit, and checks with :func:`check_csrf`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rateshop.deferred_routes import DeferredRoutes
from rateshop.web.errors import CsrfRejected
from rateshop.web.pages import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, render

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

F = TypeVar("F", bound=Callable[..., object])


def changes_nothing(endpoint: F) -> F:
    """Mark a page route that accepts POST but changes nothing: the guard lets it through."""
    endpoint.__dict__["csrf_exempt"] = True
    return endpoint


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a request whose token does not match the browser's cookie (:class:`CsrfRejected`)."""
    if not matches(request.cookies.get(CSRF_COOKIE), sent):
        raise CsrfRejected()


def matches(cookie: str | None, sent: str | None) -> bool:
    """Whether the token sent is the browser's own (compared in constant time)."""
    return bool(cookie) and bool(sent) and secrets.compare_digest(str(cookie), str(sent))


def same_site(request: Request) -> bool:
    """Whether the browser says the request comes from this site's own pages.

    Browsers say where a request comes from in ``Sec-Fetch-Site``; older ones only in ``Origin``,
    which is compared with this request's own (a proxy must pass the Host header through).
    """
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None:
        return fetched_from in ("same-origin", "none")
    origin = request.headers.get("origin")
    return origin in (None, "null", f"{request.url.scheme}://{request.url.netloc}")


def guarded(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    """The routes among ``routes`` that accept a state-changing method and do not change nothing."""
    return [
        route
        for route in routes
        if isinstance(route, APIRoute)
        and (route.methods or set()) - SAFE_METHODS
        and not getattr(route.endpoint, "csrf_exempt", False)
    ]


def refusal(request: Request) -> Response:
    """The answer to a forged (or expired) request: a page for a form, plain words for a script."""
    message = str(CsrfRejected())
    if request.headers.get("content-type", "").startswith("application/json"):
        return PlainTextResponse(message, status_code=403)
    return render(request, "message.html", status=403, title="Form expired", message=message)


class CsrfGuard:
    """Refuse a state-changing request to one of ``routes`` without the browser's CSRF token.

    The token is read from the ``X-CSRF-Token`` header, else from the ``csrf`` field of a form
    (its body read here and handed on whole to the route).
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        routes = list(routes)
        self.routes = guarded(routes)
        # Routers not loaded yet: looked into when a request comes under their paths.
        self.deferred = [route for route in routes if isinstance(route, DeferredRoutes)]

    def _guards(self, scope: Scope) -> bool:
        if any(route.matches(scope)[0] is Match.FULL for route in self.routes):
            return True
        return any(
            route.matches(scope)[0] is Match.FULL
            for stand_in in self.deferred
            if stand_in.covers(scope)
            for route in guarded(stand_in.routes)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or not self._guards(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        sent = request.headers.get(CSRF_HEADER)
        if kind == MULTIPART and sent is None:
            # Judged from its headers; the upload checks the token in its body once read.
            allowed = same_site(request)
        else:
            if sent is None and kind == FORM:
                body = await _body(receive)
                receive = _replay(body, receive)
                sent = next(iter(parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [])), None)
            allowed = matches(request.cookies.get(CSRF_COOKIE), sent)
        if not allowed:
            await refusal(request)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _body(receive: Receive) -> bytes:
    """The whole body of a request (a form's: its size is limited further out, by the body guard)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then what the connection says (its end)."""
    given = False

    async def receive() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
