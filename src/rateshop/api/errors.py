"""How errors become HTTP responses: one table of statuses, one body shape, no traceback ever sent.

The rateshop error tree (see :mod:`rateshop.errors` and :mod:`rateshop.store.errors`) meets HTTP
here and only here::

    RateshopError                         500  (anything not listed below)
    ├── RiskError                         422  errors: each field, problem, allowed
    ├── ManualNotFound                    422  nothing in force for the request's date
    ├── Ineligible                        422
    ├── CarrierError                      502
    │   └── CarrierTimeout                504
    ├── StoreError
    │   ├── ComparisonNotFound            404
    │   ├── OwnerKeyRejected              403
    │   ├── CarrierNotInComparison        422  errors: the carrier field, the carriers allowed
    │   ├── InvalidContact                422
    │   ├── AgencyStoreError (store.agency_records)
    │   │   ├── AgencyNotFound · LeadNotFound · ClientNotFound   404
    │   │   ├── NotAMember                403
    │   │   └── InvalidAgencyData         422
    │   └── StoreFailure                  503  Retry-After
    │       └── StoreFull                 503  Retry-After, its own word and message
    ├── UnknownCarrier (this module)      404
    ├── CarrierKeyRejected (this module)  401  a carrier's own routes need its key
    └── InvalidParameter (this module)    422  errors: the parameter, its problem, what is allowed
    a JSON body that cannot be read       422  errors: ``body``: not UTF-8, not JSON, nested too
                                               deep, a lone surrogate or a NUL in a string
    a body over the size accepted         413  (api.guards)
    request validation (pydantic)         422  errors: each field, problem, allowed
    too many requests (api.guards)        429  with Retry-After
    HTTP errors of the router             their own status (404 unknown path, 405 with every
                                               method of the path in Allow …)
    any other exception                   500  a generic message and an incident id; logged here

Every error body has the same shape (:class:`ErrorBody`), every 503 says in ``Retry-After`` when
to try again. Messages of 5xx answers are generic (a full store excepted, which names no
internals): the details, which may name database internals, go to the server's log with the
incident id.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rateshop.api.comparisons.schemas import EMAIL_PATTERN, PHONE_PATTERN
from rateshop.errors import (
    CarrierError,
    CarrierTimeout,
    FieldProblem,
    Ineligible,
    ManualNotFound,
    RateshopError,
    RiskError,
    WorksheetUnavailable,
)
from rateshop.risk.problems import PATTERNS as RISK_PATTERNS
from rateshop.risk.problems import field_problem
from rateshop.store.agency_records import (
    AgencyNotFound,
    ClientNotFound,
    InvalidAgencyData,
    LeadNotFound,
    NotAMember,
)
from rateshop.store.errors import (
    CarrierNotInComparison,
    ComparisonNotFound,
    InvalidContact,
    OwnerKeyRejected,
    StoreFailure,
    StoreFull,
)

log = logging.getLogger(__name__)


class UnknownCarrier(RateshopError):
    """No carrier of the market has this id (or none by this id answered where one was asked)."""

    def __init__(self, carrier: str, message: str | None = None) -> None:
        self.carrier = carrier
        super().__init__(message or f"no carrier {carrier!r} in the market")


class InvalidParameter(RateshopError):
    """A query parameter is well-formed but names nothing usable (an unknown group, a date too early)."""

    def __init__(self, problem: FieldProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class CarrierKeyRejected(RateshopError):
    """A carrier's own route was called without that carrier's key (or with a wrong one)."""

    def __init__(self, carrier: str) -> None:
        self.carrier = carrier
        super().__init__(f"the key given is not the one of carrier {carrier!r}")


STATUS: Mapping[type[Exception], int] = {
    RiskError: 422,
    InvalidParameter: 422,
    ManualNotFound: 422,
    WorksheetUnavailable: 409,
    Ineligible: 422,
    CarrierNotInComparison: 422,
    InvalidContact: 422,
    InvalidAgencyData: 422,
    ComparisonNotFound: 404,
    AgencyNotFound: 404,
    LeadNotFound: 404,
    ClientNotFound: 404,
    NotAMember: 403,
    UnknownCarrier: 404,
    OwnerKeyRejected: 403,
    CarrierKeyRejected: 401,
    CarrierTimeout: 504,
    CarrierError: 502,
    StoreFailure: 503,
}

# The ``error`` word of a body, by status: stable words a client can branch on.
KIND = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    502: "carrier_error",
    503: "unavailable",
    504: "carrier_timeout",
}

# Words more precise than the status's, for errors a client may want to tell apart.
KIND_OF: Mapping[type[Exception], str] = {
    StoreFull: "store_full",
    WorksheetUnavailable: "worksheet_unavailable",
}

GENERIC = "the server could not answer this request; the error is logged"
# A full store is the operator's to fix, but the client should know it is no passing fault.
FULL = "the store is full: nothing was saved; try again later"

# Seconds a client should wait before trying again after a 503: long enough for a database
# restart or a failover to finish, short enough that a shopper retrying by hand is not kept waiting.
RETRY_AFTER_SECONDS = 5


class FieldError(BaseModel):
    """One thing wrong with a request: the field's path, the problem, what is allowed."""

    field: str = Field(examples=["drivers[0].birth_date"])
    problem: str
    allowed: str | None = None


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="`invalid_request`, `not_found`, `internal_error` …")
    message: str
    errors: list[FieldError] = Field(
        default_factory=list, description="For 422: each field with its problem."
    )
    incident: str | None = Field(
        default=None, description="For 5xx: quote it to the operator; the server logged it."
    )


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


def status_of(exc: Exception) -> int:
    """The HTTP status of an error: the entry of its nearest class in :data:`STATUS`."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def kind_of(exc: Exception, status: int) -> str:
    """The ``error`` word answering ``exc``: its own (:data:`KIND_OF`) or its status's."""
    for cls in type(exc).__mro__:
        if cls in KIND_OF:
            return KIND_OF[cls]
    return KIND.get(status, "error")


def body_of(exc: Exception) -> tuple[int, ErrorBody]:
    """The status and body answering ``exc``; 5xx are logged with an incident id."""
    status = status_of(exc)
    kind = kind_of(exc, status)
    if status >= 500:
        incident = secrets.token_hex(6)
        log.error("incident %s: %s: %s", incident, type(exc).__name__, exc, exc_info=exc)
        message = FULL if isinstance(exc, StoreFull) else GENERIC
        return status, ErrorBody(error=kind, message=message, incident=incident)
    return status, ErrorBody(error=kind, message=str(exc), errors=_fields_of(exc))


def _fields_of(exc: Exception) -> list[FieldError]:
    if isinstance(exc, RiskError):
        return [
            FieldError(field=p.field, problem=p.problem, allowed=p.allowed) for p in exc.problems
        ]
    if isinstance(exc, CarrierNotInComparison):
        allowed = ", ".join(dict.fromkeys(exc.carriers))
        return [FieldError(field="carrier", problem=str(exc), allowed=allowed or None)]
    if isinstance(exc, InvalidContact):
        return [FieldError(field="contact", problem=str(exc))]
    if isinstance(exc, InvalidParameter):
        p = exc.problem
        return [FieldError(field=p.field, problem=p.problem, allowed=p.allowed)]
    return []


def respond(status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> Response:
    """The JSON answer for an error body; a 503 always says when to try again."""
    sent = dict(headers or {})
    if status == 503:
        sent.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return JSONResponse(body.model_dump(exclude_none=True), status, headers=sent)


# --- request validation -----------------------------------------------------------------------

# The question sets' patterns, and the contact request's.
PATTERNS = {
    **RISK_PATTERNS,
    EMAIL_PATTERN: "an e-mail address",
    PHONE_PATTERN: "a phone number",
}


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
