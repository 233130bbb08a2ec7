"""How a carrier's answer is obtained. Callers see only :class:`Connector`.

The ``manual`` connector rates locally from the carrier's manual in force on the effective date;
live ``http``/``xml`` connectors (:mod:`rateshop.carriers`) implement the same protocol, awaiting
the carrier's reply. Which connector a carrier has is its catalog entry's ``connector``, looked up
in :mod:`rateshop.compare.registry`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from rateshop.compare.nearest import Substitution, fit
from rateshop.compare.outcomes import Failure, LiveDecline, LiveQuote, Pending, Referral
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate
from rateshop.threads import Threads

Answered = Quote | Decline | LiveQuote | LiveDecline | Referral | Pending | Failure


@dataclass(frozen=True, slots=True)
class Offer:
    """A carrier's answer for the nearest cover it offers, with each option it had to change.

    A live carrier's substitutions are what its answer says it quoted instead of what was asked.
    """

    answer: Answered
    substitutions: tuple[Substitution, ...] = ()


class Connector(Protocol):
    """Gets one carrier's answer for a risk (see :mod:`rateshop.compare.outcomes`).

    ``quote_nearest`` asks for the nearest cover the carrier offers when it does not sell a limit
    or deductible asked (see :mod:`rateshop.compare.nearest`), which is what a comparison asks for.
    A carrier-side fault is an answer (:class:`~rateshop.compare.outcomes.Failure`), never raised;
    a risk the carrier cannot read raises :class:`~rateshop.errors.RiskError`, and one it does not
    write then :class:`~rateshop.errors.ManualNotFound`. ``may_requote`` says whether savings tips
    may ask this carrier again for variants of a risk (each a real answer, so a live carrier
    is asked only when its catalog entry allows it).
    """

    carrier: str
    may_requote: bool

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer: ...


T = TypeVar("T")

# Rating runs in these threads, never on the event loop: a slow plan then delays only its own
# carrier, which the comparison's deadline bounds, while the server keeps answering everyone else.
# A pool of its own, so slow ratings never hold the loop's default executor (DNS look-ups, files).
# Handed over without an executor's futures (see rateshop.threads): a comparison hands over every
# carrier, and the executor's hand-over code took about a seventh of the time of the ratings.
_RATING = Threads(min(32, (os.cpu_count() or 1) + 4), "rateshop-rating")


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in a rating thread, awaited; cancelling the wait leaves the thread to finish."""
    return await _RATING.call(work, *args)


def _nearest(plan: Plan, risk: Mapping[str, Any], trace: bool = True) -> Offer:
    fitted = fit(plan.manual, risk)
    return Offer(rate(plan, fitted.risk, trace=trace), fitted.substitutions)


def _selected(
    work: Callable[[Plan, Mapping[str, Any]], T],
    library: Library,
    carrier: str,
    risk: Mapping[str, Any],
    line: str,
    state: str,
    on: dt.date,
) -> T:
    # Selecting may compile the plan (the first time it is asked for): in the rating thread too.
    return work(library.select(carrier, line, state, on), risk)


class ManualConnector:
    """Rates locally from the carrier's rate manual in force, in a rating thread (see :func:`off_loop`).

    Without ``worksheets`` its quotes carry no worksheet: rating then skips the trace, and a
    worksheet is made again on demand from the stored answer's exact manual version
    (:func:`rateshop.compare.replay.worksheet_of`), which replay proves gives the same price.
    """

    may_requote = True

    def __init__(self, carrier: str, library: Library, *, worksheets: bool = True) -> None:
        self.carrier = carrier
        self.library = library
        self.worksheets = worksheets

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        work = partial(_nearest, trace=self.worksheets)
        return await off_loop(_selected, work, self.library, self.carrier, risk, line, state, on)


def manual_carriers(library: Library, line: str, state: str) -> list[str]:
    """Every carrier with a manual (any version) for ``line`` in ``state``, by id."""
    return library.carriers(line, state)


def manual_connectors(library: Library, line: str, state: str) -> list[ManualConnector]:
    """A manual connector for every carrier with a manual for ``line`` in ``state``.

    Only for tests and tools that compare manuals alone: callers that ask the market go through
    :class:`rateshop.compare.registry.Registry`, which knows each carrier's connector.
    """
    return [ManualConnector(c, library) for c in manual_carriers(library, line, state)]
