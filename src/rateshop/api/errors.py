"""The API's error handling: each error answered as :mod:`rateshop.answers` says (one status table,
one body shape, no traceback ever sent), for the API's JSON and, through :func:`answer_pages_with`,
the web pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rateshop.answers import KIND, ErrorBody, FieldError, body_of
from rateshop.errors import CarrierKeyRejected, RateshopError
from rateshop.risk.problems import PATTERNS as RISK_PATTERNS, field_problem
from rateshop.services.contact import PATTERNS as CONTACT_PATTERNS

# Seconds a client should wait before trying again after a 503: long enough for a database
# restart or a failover to finish, short enough that a shopper retrying by hand is not kept waiting.
RETRY_AFTER_SECONDS = 5


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "The request has problems, each named by field."},
    500: {"model": ErrorBody, "description": "Internal error: a generic message, never a trace."},
    503: {
        "model": ErrorBody,
        "description": "The store is unavailable or full: try again after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        },
    },
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No comparison has this reference."}
}
WORKSHEET_GONE: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "A worksheet cannot be given: the quote's manual version is gone, or "
        "rating it again no longer gives the stored price (`worksheet_unavailable`).",
    },
}
NO_WORKSHEET: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorBody,
        "description": "No comparison has this reference, or the carrier gave no quote in it.",
    },
    **WORKSHEET_GONE,
}
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "The owner key is not this comparison's."}
}
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "The carrier's key is missing or wrong."}
}


def as_json(responses: Mapping[int | str, Mapping[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Error answers documented as JSON, for a route whose own answer is not JSON (FastAPI would
    document them in the route's media type, e.g. ``text/event-stream``)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, doc in responses.items():
        described = {k: v for k, v in doc.items() if k != "model"}
        schema = {"$ref": f"#/components/schemas/{doc['model'].__name__}"}
        out[status] = {**described, "content": {"application/json": {"schema": schema}}}
    return out


def respond(status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> Response:
    """The JSON answer for an error body; a 503 always says when to try again."""
    sent = dict(headers or {})
    if status == 503:
        sent.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return JSONResponse(body.model_dump(exclude_none=True), status, headers=sent)


# --- request validation -----------------------------------------------------------------------

# The question sets' patterns, and the contact request's.
PATTERNS = {**RISK_PATTERNS, **CONTACT_PATTERNS}


def _from_pydantic(error: Mapping[str, Any]) -> FieldError:
    """One of pydantic's validation errors as a field, its problem and what is allowed."""
    p = field_problem(error, PATTERNS)
    return FieldError(field=p.field, problem=p.problem, allowed=p.allowed)


# --- wiring -----------------------------------------------------------------------------------


# How a web page answers an error (set by the web app, :func:`answer_pages_with`): the same
# status and message as the API's JSON, as a page.
PageAnswer = Callable[[Request, int, ErrorBody], Response]


def answer_pages_with(app: FastAPI, page: PageAnswer) -> None:
    """Answer errors of ``app``'s web pages (routes outside the API's schema) with ``page``."""
    app.state.error_page = page


def _answer(
    request: Request, status: int, body: ErrorBody, headers: Mapping[str, str] | None = None
) -> Response:
    """``respond``, or for a web page opened by a browser the page saying the same (one status
    table for both)."""
    page: PageAnswer | None = getattr(request.app.state, "error_page", None)
    route = request.scope.get("route")
    # A page's own scripts ask its routes for JSON: only a browser opening the page gets a page.
    opened = "text/html" in request.headers.get("accept", "")
    if (
        page is not None
        and opened
        and route is not None
        and not getattr(route, "include_in_schema", True)
    ):
        answered = page(request, status, body)
        if status == 503:
            answered.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        for name, value in (headers or {}).items():
            answered.headers[name] = value
        return answered
    return respond(status, body, headers)


async def _rateshop_error(request: Request, exc: Exception) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, CarrierKeyRejected) else None
    status, body = body_of(exc)
    return _answer(request, status, body, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields = [_from_pydantic(e) for e in exc.errors()]
    message = "; ".join(f"{f.field}: {f.problem}" for f in fields)
    return respond(422, ErrorBody(error=KIND[422], message=message, errors=fields))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status, headers = exc.status_code, dict(exc.headers or {})
    if status == 405:
        # The router names the methods of the first route matching the path only; a path served
        # by several routes (GET and DELETE of one comparison) allows all of theirs.
        headers["Allow"] = ", ".join(_methods_of(request)) or headers.get("Allow", "")
    kind = KIND.get(status, "error")
    return _answer(request, status, ErrorBody(error=kind, message=str(exc.detail)), headers)


def _methods_of(request: Request) -> list[str]:
    """The methods the app's OpenAPI document lists for the request's path.

    A literal path wins over a template that also matches it: ``/comparisons/stream`` is the
    stream's (POST), not a comparison named ``stream`` (GET, DELETE). A path the document does
    not list (a web page) gets none here, and keeps the router's own ``Allow``.
    """
    paths: Mapping[str, Mapping[str, Any]] = request.app.openapi().get("paths", {})
    found: list[tuple[int, str]] = []
    for template in paths:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            found.append((template.count("{"), template))
    if not found:
        return []
    _, best = min(found)
    return [m.upper() for m in paths[best] if m.upper() in _METHODS]


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class CatchAll:
    """The last line: an exception no handler answered becomes a generic 500, logged once here.

    A response already under way (a stream) cannot be replaced: the error goes on to the server,
    which closes the connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise
            status, body = body_of(exc)
            await _answer(Request(scope), status, body)(scope, receive, send)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as the table above says."""
    app.add_exception_handler(RateshopError, _rateshop_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_middleware(CatchAll)
