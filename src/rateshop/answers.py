"""How an error is answered over HTTP, for the API's JSON and the web pages alike: one table of
statuses, one body shape, no traceback ever sent.

The rateshop error tree (see :mod:`rateshop.errors` and :mod:`rateshop.store.errors`) meets HTTP
here and only here (the API's handlers, :mod:`rateshop.api.errors`, and the pages answer with it)::

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
    │   ├── AgencyStoreError
    │   │   ├── AgencyNotFound · LeadNotFound · ClientNotFound   404
    │   │   ├── NotAMember                403
    │   │   └── InvalidAgencyData         422
    │   └── StoreFailure                  503  Retry-After
    │       └── StoreFull                 503  Retry-After, its own word and message
    ├── UnknownCarrier                    404
    ├── CarrierKeyRejected                401  a carrier's own routes need its key
    └── InvalidParameter                  422  errors: the parameter, its problem, what is allowed
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
import secrets
from collections.abc import Mapping

from pydantic import BaseModel, Field

from rateshop.errors import (
    CarrierError,
    CarrierKeyRejected,
    CarrierTimeout,
    Ineligible,
    InvalidParameter,
    ManualNotFound,
    RiskError,
    UnknownCarrier,
    WorksheetUnavailable,
)
from rateshop.store.errors import (
    AgencyNotFound,
    CarrierNotInComparison,
    ClientNotFound,
    ComparisonNotFound,
    InvalidAgencyData,
    InvalidContact,
    LeadNotFound,
    NotAMember,
    OwnerKeyRejected,
    StoreFailure,
    StoreFull,
)

log = logging.getLogger(__name__)


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
