"""Live carriers' health: per carrier over a rolling window, as JSON and as Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from rateshop.api.runtime import Runtime, RuntimeDep
from rateshop.api.schemas import Out
from rateshop.carriers.health import CarrierHealth, metrics_exposition

router = APIRouter(tags=["carriers"])


class LatencyOut(Out):
    p50: float | None
    p95: float | None
    p99: float | None


class CarrierHealthOut(Out):
    """One live carrier over the window: calls, latency, outcome shares, failures, breaker."""

    carrier: str
    connector: str
    count: int = Field(description="Calls in the window.")
    latency_seconds: LatencyOut
    shares: dict[str, float] = Field(description="quoted, declined, referred, pending, failed.")
    failures: dict[str, int] = Field(description="Failed calls by kind (timeout, auth …).")
    breaker: str = Field(description="closed, open or half_open.")


class HealthOut(Out):
    window_seconds: float
    carriers: list[CarrierHealthOut]


def _health(rt: Runtime) -> CarrierHealth:
    health = rt.registry.health
    assert isinstance(health, CarrierHealth)
    return health


@router.get("/carriers/health", response_model=HealthOut, summary="Live carriers' health")
def carriers_health(rt: RuntimeDep) -> dict[str, Any]:
    """Every live carrier of the market, with how it did over the rolling window.

    A live carrier not asked in the window shows no calls.
    """
    health = _health(rt)
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


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, rt: RuntimeDep) -> Response:
    """Prometheus metrics of live carrier calls (text format, or OpenMetrics when asked)."""
    body, content_type = metrics_exposition(_health(rt).registry, request.headers.get("accept"))
    return Response(body, media_type=content_type)
