"""The rateshop error tree, whole: every error rateshop raises on purpose, wherever it is defined.

The core's errors are defined here; the outer rooms define theirs beside their code (the module
is named on the right), always under :class:`RateshopError`. ``rateshop.answers.STATUS`` maps
the tree to HTTP statuses once, for the API's JSON and the web pages alike (a test walks every
class below and checks it has a status)::

    RateshopError
    ├── ManualError            a rate manual is wrong; every problem found (file, line, reason)
    │   └── MappingError       a live carrier's mapping file is wrong (file, line, reason)
    ├── RiskError              the risk is wrong; each field, its problem and what is allowed
    │   └── NoMatch            a table has no row for the risk's keys      (rating.expressions)
    ├── ManualNotFound         no manual version applies to the carrier/line/state/date asked
    ├── WorksheetUnavailable   a stored quote's worksheet cannot be made again exactly
    ├── BookError              a book of business cannot be analysed as asked (a missing column)
    ├── Ineligible             for callers who treat a decline as exceptional (with its reasons)
    ├── CarrierError           a carrier could not give an answer (``kind`` names it)
    │   ├── CarrierTimeout       it did not answer before the deadline           (timeout)
    │   ├── CarrierBadResponse   it answered with something we cannot read       (invalid_response)
    │   ├── CarrierAuthError     it refused our credentials                      (auth)
    │   ├── CarrierRateLimited   it asked us to slow down (429)                  (rate_limited)
    │   └── CarrierUnavailable   it cannot be reached, or is not configured      (unavailable)
    │       └── NotSent          the request never left (safe to retry)  (carriers.transport)
    ├── StoreError             the store could not do what was asked             (store.errors)
    │   ├── SecretKeyMissing, ComparisonNotFound, OwnerKeyRejected, CarrierNotInComparison,
    │   │   InvalidContact, ContactUnreadable, UnstorableComparison, UploadExists
    │   ├── StoreFailure       the database failed; nothing was kept
    │   │   └── StoreFull      no room left
    │   ├── AccountError       log-ins and users                              (store.accounts)
    │   │   └── InvalidAccount, UserExists, BadCredentials, TooManyAttempts
    │   └── AgencyStoreError   agencies, their leads and clients
    │       └── AgencyNotFound, NotAMember, LeadNotFound, ClientNotFound, InvalidAgencyData
    ├── UnknownCarrier         no carrier of the market has this id (or none answered as asked)
    ├── InvalidParameter       a parameter names nothing usable (an unknown group, a date too early)
    ├── CarrierKeyRejected     a carrier's own route called without that carrier's key
    ├── NotComparable          two manual versions that cannot be diffed  (services.manual_diff)
    ├── UploadRejected         an uploaded manual, with every reason     (services.manual_upload)
    │   └── BodyTooLarge       larger than an upload may be                        (web.admin)
    └── WebError               a web page cannot be served as asked               (web.errors)
        └── CsrfRejected, LoginRequired, Forbidden                          (web.accounts)

A live connector turns carrier errors into a failed answer of their ``kind``: it never raises
them past itself. A decline (the risk is not eligible) is not an error: rating returns a
:class:`~rateshop.rating.quote.Decline` with its reasons.

Parsers' own errors (``ExprError``, ``SourceError``, ``NumberTooLarge``, ``AcordError``,
``WireError``, ``AnswerError``, ``MissingColumn``) never leave their module: each becomes one of
the above (a manual problem with file and line, or a carrier's ``invalid_response``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class RateshopError(Exception):
    """Base of every error rateshop raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a manual: where it is and what is wrong."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class ManualError(RateshopError):
    """A rate manual could not be loaded; ``problems`` lists every mistake found, with file and line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class MappingError(ManualError):
    """A live carrier's mapping file (its rules as data, like a manual) could not be loaded."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with a risk: the field's path, the problem and what is allowed."""

    field: str
    problem: str
    allowed: str | None = None

    def __str__(self) -> str:
        text = f"{self.field}: {self.problem}"
        return f"{text} (allowed: {self.allowed})" if self.allowed else text


class RiskError(RateshopError):
    """The risk given to rating is malformed; ``problems`` names each field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class ManualNotFound(RateshopError):
    """No manual version is in force for the carrier, line, state and date asked for."""


class WorksheetUnavailable(RateshopError):
    """A stored quote's worksheet cannot be given: its manual version is no longer in the library,
    or rating it again does not give the stored price (then no worksheet is better than a wrong one)."""


class Ineligible(RateshopError):
    """Raised by callers that treat a decline as exceptional; carries the decline reasons."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


class BookError(RateshopError):
    """A book of business cannot be analysed as asked: a column missing, no rows, no carrier.

    Bad rows are not errors: they are reported, with their row numbers, in the run's errors file.
    """


class CarrierError(RateshopError):
    """A carrier's connector could not produce an answer; ``kind`` is the failed answer's kind."""

    kind = "carrier_error"


class CarrierTimeout(CarrierError):
    """The carrier did not answer before the deadline."""

    kind = "timeout"


class CarrierBadResponse(CarrierError):
    """The carrier answered with something that could not be read or does not hold together."""

    kind = "invalid_response"


class CarrierAuthError(CarrierError):
    """The carrier refused our credentials (or we have none for it)."""

    kind = "auth"


class CarrierRateLimited(CarrierError):
    """The carrier asked us to slow down; ``retry_after`` seconds when it said."""

    kind = "rate_limited"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CarrierUnavailable(CarrierError):
    """The carrier cannot be reached now (refused, breaker open) or is not configured."""

    kind = "unavailable"


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
