"""Which connector asks each carrier: its catalog entry's ``connector``, looked up by name.

``manual``, ``http`` and ``xml`` ship with rateshop; any other name is found among the entry points
of the group ``rateshop.connectors``, so a carrier integration is a package of its own::

    [project.entry-points."rateshop.connectors"]
    acme = "acme_rateshop:connector"

where ``connector(carrier, context)`` returns a :class:`~rateshop.compare.connectors.Connector`.
Every caller that asks the market (API, web pages, command line, library, tips, households) gets
its connectors from :meth:`Registry.connectors`. Connectors are made once per carrier and kept, so
their state (a token, a circuit breaker, a connection pool) lives as long as the registry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, Protocol

from rateshop.compare.connectors import Connector, ManualConnector, Offer, manual_carriers
from rateshop.compare.market import Carrier, Market
from rateshop.compare.outcomes import Failure
from rateshop.config import Settings
from rateshop.errors import CarrierUnavailable, FieldProblem, RiskError
from rateshop.rating.library import Library

ENTRY_POINT_GROUP = "rateshop.connectors"


class HealthRecorder(Protocol):
    """Where live carrier calls are counted (see :mod:`rateshop.carriers.health`)."""

    def record(self, carrier: str, outcome: str, seconds: float, kind: str | None = None) -> None:
        """One call of ``carrier``: its outcome, how long it took, the failure's kind."""
        ...

    def set_breaker(self, carrier: str, state: str) -> None:
        """The state of ``carrier``'s circuit breaker now."""
        ...


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector may need besides its catalog entry: the manuals, the settings, and where
    to report its breaker's state (``health``, when the app keeps carrier health)."""

    library: Library
    settings: Settings
    health: HealthRecorder | None = None


# The health outcome of each kind of answer but a failure.
HEALTH_OUTCOME = {"quote": "quoted", "decline": "declined", "referral": "referred"}


class Watched:
    """A live carrier's connector with every call timed and counted in the carrier's health.

    A call the comparison gives up on at its deadline counts as failed ``timeout``.
    """

    def __init__(self, inner: Connector, health: HealthRecorder) -> None:
        self.inner, self.health = inner, health
        self.carrier = inner.carrier
        self.may_requote = inner.may_requote

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        started = time.perf_counter()
        try:
            offer = await self.inner.quote_nearest(risk, line, state, on)
        except asyncio.CancelledError:
            self.health.record(self.carrier, "failed", time.perf_counter() - started, "timeout")
            raise
        got = offer.answer
        took = time.perf_counter() - started
        if isinstance(got, Failure):
            self.health.record(self.carrier, "failed", took, got.kind)
        else:
            self.health.record(self.carrier, HEALTH_OUTCOME.get(got.kind, "pending"), took)
        return offer

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()


ConnectorFactory = Callable[[Carrier, ConnectorContext], Connector]

# The connectors rateshop ships, imported only when a carrier uses them.
BUILT_IN: dict[str, str] = {
    "manual": "rateshop.compare.registry:manual",
    "http": "rateshop.carriers.http:connector",
    "xml": "rateshop.carriers.http:xml_connector",
}


def manual(carrier: Carrier, context: ConnectorContext) -> Connector:
    """The ``manual`` connector: rate locally from the carrier's manual in force."""
    return ManualConnector(carrier.id, context.library)


class Unavailable:
    """Answers every request as failed ``unavailable``: a carrier whose connector cannot be made."""

    may_requote = False

    def __init__(self, carrier: str, why: str) -> None:
        self.carrier = carrier
        self.why = why

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        return Offer(Failure("unavailable", self.why))


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def find_factory(name: str) -> ConnectorFactory | None:
    """The factory of connector ``name``: a built-in one, else an installed entry point; None if neither."""
    if name in BUILT_IN:
        found: ConnectorFactory = _load(BUILT_IN[name])
        return found
    for point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        loaded: ConnectorFactory = point.load()
        return loaded
    return None


@dataclass
class Registry:
    """The market's carriers, each with the connector its catalog entry names (made once, kept).

    ``worksheets`` says whether local manuals' quotes carry their worksheets (see
    :class:`~rateshop.compare.connectors.ManualConnector`).
    """

    library: Library
    market: Market
    settings: Settings
    health: HealthRecorder | None = None
    worksheets: bool = True
    _made: dict[str, Connector] = field(default_factory=dict, init=False, repr=False)

    def connector(self, carrier_id: str) -> Connector:
        """The connector of one carrier (a manual one for a manual the catalog does not list)."""
        made = self._made.get(carrier_id)
        if made is not None:
            return made
        entry = self.market.get(carrier_id)
        if entry is None or entry.connector == "manual":
            made = ManualConnector(carrier_id, self.library, worksheets=self.worksheets)
        else:
            made = self._make(entry)
            # A connector may time and count its calls itself (``records_health``), sparing
            # every call a wrapper.
            if self.health is not None and not getattr(made, "records_health", False):
                made = Watched(made, self.health)
        self._made[carrier_id] = made
        return made

    def _make(self, entry: Carrier) -> Connector:
        # A connector that cannot be made is that carrier's failed answer, not a broken market.
        try:
            factory = find_factory(entry.connector)
        except Exception as exc:
            return Unavailable(entry.id, f"connector {entry.connector!r} failed to load: {exc}")
        if factory is None:
            why = f"connector {entry.connector!r} is not installed (no {ENTRY_POINT_GROUP} entry point)"
            return Unavailable(entry.id, why)
        try:
            return factory(entry, ConnectorContext(self.library, self.settings, self.health))
        except CarrierUnavailable as exc:  # not configured: its URL or a secret is not set
            return Unavailable(entry.id, str(exc))
        except Exception as exc:
            return Unavailable(entry.id, f"its {entry.connector} connector cannot start: {exc}")

    def carriers(self, line: str, state: str) -> list[str]:
        """Every carrier that writes ``line`` in ``state``: by a manual, or live by its catalog entry."""
        state = state.upper()
        local = [
            c
            for c in manual_carriers(self.library, line, state)
            if (entry := self.market.get(c)) is None or entry.connector == "manual"
        ]
        live = [
            c.id
            for c in self.market.carriers.values()
            if c.connector != "manual" and state in c.writes.get(line, [])
        ]
        return sorted({*local, *live})

    def connectors(self, line: str, state: str) -> list[Connector]:
        """The connectors of every carrier writing ``line`` in ``state`` (see :meth:`carriers`)."""
        return [self.connector(c) for c in self.carriers(line, state)]

    def asked(self, line: str, state: str) -> list[Connector]:
        """The connectors to ask for a risk of ``line`` in ``state``.

        Raises :class:`RiskError` naming the state, and the states where the line is written,
        when no carrier writes it there: an empty comparison would look like "no carrier
        quotes you" when the state is only mistyped.
        """
        found = self.connectors(line, state)
        if not found:
            written = {s for c in self.market.carriers.values() for s in c.writes.get(line, [])}
            written |= {e.identity.state for e in self.library.entries() if e.identity.line == line}
            problem = f"no carrier of the market writes {line} in {state.upper()}"
            raise RiskError([FieldProblem("state", problem, ", ".join(sorted(written)) or None)])
        return found

    def is_live(self, carrier_id: str) -> bool:
        """Whether the carrier is asked through anything but its local manual."""
        entry = self.market.get(carrier_id)
        return entry is not None and entry.connector != "manual"

    async def aclose(self) -> None:
        """Release what connectors hold (connection pools); they make them again when next asked."""
        for made in self._made.values():
            close = getattr(made, "aclose", None)
            if close is not None:
                await close()


__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "ConnectorContext",
    "ConnectorFactory",
    "Registry",
    "Unavailable",
    "find_factory",
]
