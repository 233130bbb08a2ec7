"""The rateshop error tree.

Every error rateshop raises on purpose derives from :class:`RateshopError`::

    RateshopError
    ├── ManualError          a rate manual is wrong; carries every problem found (file, line, reason)
    │   └── MappingError     a live carrier's mapping file is wrong (file, line, reason)
    ├── RiskError            the risk given to rating is wrong; carries each field, problem and what is allowed
    ├── ManualNotFound       no manual version applies to the carrier/line/state/date asked for
    ├── StoreError           the store could not do what was asked (see rateshop.store.errors)
    ├── BookError            a book of business cannot be analysed as asked (a missing column, no carrier)
    └── CarrierError         a carrier could not give an answer (live connectors; ``kind`` names it)
        ├── CarrierTimeout   it did not answer before the deadline             (timeout)
        ├── CarrierBadResponse  it answered with something we cannot read      (invalid_response)
        ├── CarrierAuthError    it refused our credentials                     (auth)
        ├── CarrierRateLimited  it asked us to slow down (429)                 (rate_limited)
        └── CarrierUnavailable  it cannot be reached, or is not configured     (unavailable)

A live connector turns these into a failed answer of their ``kind``: it never raises them past itself.

A decline (the risk is not eligible) is not an error: rating returns a :class:`~rateshop.rating.quote.Decline`
with its reasons. :class:`Ineligible` exists for callers who want to raise one.
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
