"""How a carrier's answer is obtained. Callers see only :class:`Connector`.

The ``manual`` connector rates locally from the carrier's manual in force on the effective date;
live ``http``/``xml`` connectors implement the same protocol, awaiting the carrier's reply.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from rateshop.compare.nearest import Substitution, fit
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate


@dataclass(frozen=True)
class Offer:
    """A carrier's answer for the nearest cover it offers, with each option it had to change."""

    answer: Quote | Decline
    substitutions: tuple[Substitution, ...] = ()


class Connector(Protocol):
    """Gets one carrier's answer for a risk: a quote or a decline.

    ``quote`` rates exactly the cover asked; ``quote_nearest`` rates the nearest cover the carrier
    offers when it does not sell a limit or deductible asked (see :mod:`rateshop.compare.nearest`),
    which is what a comparison asks for. Both raise :class:`~rateshop.errors.RiskError` for malformed input,
    :class:`~rateshop.errors.ManualNotFound` when the carrier does not write the risk then, and
    :class:`~rateshop.errors.CarrierError` subclasses for carrier-side failures.
    """

    carrier: str

    async def quote(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Quote | Decline: ...

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer: ...


T = TypeVar("T")

# Rating runs in these threads, never on the event loop: a slow plan then delays only its own
# carrier, which the comparison's deadline bounds, while the server keeps answering everyone else.
# A pool of its own, so slow ratings never hold the loop's default executor (DNS look-ups, files).
_RATING = ThreadPoolExecutor(
    max_workers=min(32, (os.cpu_count() or 1) + 4), thread_name_prefix="rateshop-rating"
)


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` in a rating thread, awaited; cancelling the wait leaves the thread to finish."""
    return await asyncio.get_running_loop().run_in_executor(_RATING, partial(work, *args))


def _nearest(plan: Plan, risk: Mapping[str, Any]) -> Offer:
    fitted = fit(plan.manual, risk)
    return Offer(rate(plan, fitted.risk), fitted.substitutions)


class ManualConnector:
    """Rates locally from the carrier's rate manual in force, in a rating thread (see :func:`off_loop`)."""

    def __init__(self, carrier: str, library: Library) -> None:
        self.carrier = carrier
        self.library = library

    async def quote(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Quote | Decline:
        plan = self.library.select(self.carrier, line, state, on)
        return await off_loop(rate, plan, risk)

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        plan = self.library.select(self.carrier, line, state, on)
        return await off_loop(_nearest, plan, risk)


def manual_connectors(library: Library, line: str, state: str) -> list[ManualConnector]:
    """A connector for every carrier with a manual (any version) for ``line`` in ``state``."""
    carriers = sorted(
        {
            p.manual.identity.carrier
            for p in library
            if p.manual.identity.line == line and p.manual.identity.state == state.upper()
        }
    )
    return [ManualConnector(c, library) for c in carriers]
