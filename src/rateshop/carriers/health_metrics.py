"""The Prometheus side of :mod:`rateshop.carriers.health`: its metrics put on a registry.

Apart from the health itself, so prometheus-client is imported when a registry is first needed (a
scrape of ``/metrics``, a breaker's change) rather than by every process before its first answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol

import prometheus_client.metrics
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# The metrics' names and help.
_LATENCY: Final = "rateshop_carrier_request_seconds"
_LATENCY_HELP: Final = "Seconds a live carrier took to answer, by carrier and outcome."
_OUTCOMES: Final = "rateshop_carrier_outcomes"
_OUTCOMES_HELP: Final = "Live carrier answers by carrier and outcome."
_FAILURES: Final = "rateshop_carrier_failures"
_FAILURES_HELP: Final = "Failed live carrier calls by carrier and kind."


class Totals(Protocol):
    """One carrier's calls of one outcome since the start: per latency bucket, their seconds, and
    when the first was counted."""

    @property
    def buckets(self) -> Sequence[int]: ...

    @property
    def seconds(self) -> float: ...

    @property
    def created(self) -> float: ...


class Counted(Protocol):
    """What the metrics read of a carrier health (:class:`rateshop.carriers.health.CarrierHealth`)."""

    def totals(
        self,
    ) -> tuple[
        Sequence[tuple[tuple[str, str], Totals]],
        Sequence[tuple[tuple[str, str], tuple[int, float]]],
    ]:
        """The totals by carrier and outcome, and the failures by carrier and kind."""
        ...


def exported(health: Counted, buckets: Sequence[float]) -> Collector:
    """The collector of ``health``'s latency histogram (whose buckets' upper bounds, in seconds,
    are ``buckets``, then one above them all) and its outcome and failure counters."""
    return _Exported(health, buckets)


def breaker_gauge(registry: CollectorRegistry) -> Gauge:
    """The gauge of each carrier's circuit breaker, on ``registry``."""
    return Gauge(
        "rateshop_carrier_breaker_state",
        "Circuit breaker of each carrier: 0 closed, 1 half-open, 2 open.",
        ("carrier",),
        registry=registry,
    )


class _Exported(Collector):
    """The Prometheus side, read from the health's own counts when the registry is scraped.

    A latency histogram and an outcome counter by carrier and outcome, a failure counter by
    carrier and kind: the samples, names and values prometheus-client's own ``Histogram`` and
    ``Counter`` would give for the same calls, so counting a call is a few integer increments
    rather than a dozen metric updates, each behind its lock.
    """

    def __init__(self, health: Counted, buckets: Sequence[float]) -> None:
        self.health = health
        # The bounds as the histogram's ``le`` labels say them.
        self.bounds = (*map(floatToGoString, buckets), "+Inf")

    def describe(self) -> list[Metric]:
        return [
            Metric(_LATENCY, _LATENCY_HELP, "histogram"),
            Metric(_OUTCOMES, _OUTCOMES_HELP, "counter"),
            Metric(_FAILURES, _FAILURES_HELP, "counter"),
        ]

    def collect(self) -> list[Metric]:
        totals, failures = self.health.totals()
        created = _created_series()
        latency, outcomes, failed = self.describe()
        for (carrier, outcome), counted in totals:
            acc = 0.0
            for bound, n in zip(self.bounds, counted.buckets, strict=True):
                acc += n
                latency.add_sample(
                    _LATENCY + "_bucket", {"carrier": carrier, "outcome": outcome, "le": bound}, acc
                )
            labels = {"carrier": carrier, "outcome": outcome}
            latency.add_sample(_LATENCY + "_count", labels, acc)
            latency.add_sample(_LATENCY + "_sum", labels, counted.seconds)
            if created:
                latency.add_sample(_LATENCY + "_created", labels, counted.created)
        for (carrier, outcome), counted in totals:
            labels = {"carrier": carrier, "outcome": outcome}
            outcomes.add_sample(_OUTCOMES + "_total", labels, float(sum(counted.buckets)))
            if created:
                outcomes.add_sample(_OUTCOMES + "_created", labels, counted.created)
        for (carrier, kind), (count, made) in failures:
            labels = {"carrier": carrier, "kind": kind}
            failed.add_sample(_FAILURES + "_total", labels, float(count))
            if created:
                failed.add_sample(_FAILURES + "_created", labels, made)
        return [latency, outcomes, failed]


def _created_series() -> bool:
    # Whether prometheus-client exports ``_created`` series (it may be told not to), read where
    # its own metrics read it.
    return bool(getattr(prometheus_client.metrics, "_use_created", True))
