"""Live carriers' health over the rolling window, carrier by carrier, as the API's
``/carriers/health`` and the admins' page both show it."""

from __future__ import annotations

from typing import Any

from rateshop.carriers.health import CarrierHealth
from rateshop.services.runtime import Runtime


def health_of(rt: Runtime) -> CarrierHealth:
    """The live carriers' health record of the serving process."""
    health = rt.registry.health
    assert isinstance(health, CarrierHealth)
    return health


def report(rt: Runtime) -> dict[str, Any]:
    """Every live carrier of the market, with how it did over the rolling window.

    A live carrier not asked in the window shows no calls.
    """
    health = health_of(rt)
    seen = health.snapshot()
    carriers = []
    for carrier in rt.market.carriers.values():
        if carrier.connector == "manual":
            continue
        stats: dict[str, Any] = dict(seen.get(carrier.id) or {})
        stats.setdefault("count", 0)
        stats.setdefault("latency_seconds", {"p50": None, "p95": None, "p99": None})
        stats.setdefault("shares", {})
        stats.setdefault("failures", {})
        stats.setdefault("breaker", "closed")
        carriers.append({"carrier": carrier.id, "connector": carrier.connector, **stats})
    return {"window_seconds": health.window_seconds, "carriers": carriers}
