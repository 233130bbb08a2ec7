"""Live carriers' health: per carrier over a rolling window, as JSON and as Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field

from rateshop.api.schemas import Out
from rateshop.carriers.health import metrics_exposition
from rateshop.services import carrier_health
from rateshop.services.runtime import RuntimeDep

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


@router.get("/carriers/health", response_model=HealthOut, summary="Live carriers' health")
def carriers_health(rt: RuntimeDep) -> dict[str, Any]:
    """Every live carrier of the market, with how it did over the rolling window."""
    return carrier_health.report(rt)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, rt: RuntimeDep) -> Response:
    """Prometheus metrics of live carrier calls (text format, or OpenMetrics when asked)."""
    body, content_type = metrics_exposition(
        carrier_health.health_of(rt).registry, request.headers.get("accept")
    )
    return Response(body, media_type=content_type)
