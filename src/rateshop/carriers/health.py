"""Carrier health over a rolling window: latency percentiles, outcome shares, failures by kind.

Every live carrier call ends in :meth:`CarrierHealth.record`; the circuit breaker reports its
state through :meth:`CarrierHealth.set_breaker`. :meth:`CarrierHealth.snapshot` answers, per
carrier and over the last ``window_seconds`` (15 minutes by default, to within one bucket of 15
seconds), how many calls there were, their latency p50/p95/p99, the share of each outcome, the
failures by kind and the breaker state — what ``GET /carriers/health`` and the admin pages show.

Memory stays bounded however many calls are recorded: the window is a ring of time buckets, and
each bucket keeps latencies as counts in logarithmic bins (1 % wide) rather than every sample, so
a percentile is exact to within 1 % and a flood of records only raises counts.

The same calls feed Prometheus metrics (:mod:`rateshop.carriers.health_metrics`), registered on a
registry the application owns (never the process-wide default, so tests and several apps in one
process do not clash); :func:`metrics_exposition` renders it for a ``/metrics`` route. The latency
histogram and the outcome and failure counters are read from this module's own counts when the
registry is scraped (a collector of its own), so counting a call feeds no metric object.

Recording only checks the call and keeps it; calls are counted in batches, under a lock, when a
reader asks (a snapshot, a scrape of the metrics) or every :data:`FLUSH_AT` calls. It never
awaits, so it is safe from threads and from the event loop alike.
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, NoReturn, TypedDict, get_args

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Gauge

__all__ = [
    "BreakerState",
    "CarrierHealth",
    "CarrierStats",
    "FailureKind",
    "Outcome",
    "metrics_exposition",
]

Outcome = Literal["quoted", "referred", "declined", "pending", "failed"]
FailureKind = Literal[
    "timeout", "auth", "rate_limited", "invalid_response", "carrier_error", "unavailable"
]
BreakerState = Literal["closed", "open", "half_open"]

OUTCOMES: Final[tuple[Outcome, ...]] = get_args(Outcome)
FAILURE_KINDS: Final[tuple[FailureKind, ...]] = get_args(FailureKind)
BREAKER_STATES: Final[tuple[BreakerState, ...]] = get_args(BreakerState)
# The breaker gauge's values: how far from answering the carrier is.
BREAKER_GAUGE: Final[dict[BreakerState, float]] = {"closed": 0.0, "half_open": 1.0, "open": 2.0}

DEFAULT_WINDOW_SECONDS: Final = 15 * 60.0
# Seconds of latency: carriers answer in 3-12 s, some hang until the deadline.
LATENCY_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 30.0, 60.0)

# Latency bins for percentiles: bin i holds latencies up to _BIN_FLOOR * _BIN_RATIO**i.
_BIN_FLOOR: Final = 1e-4
_BIN_RATIO: Final = 1.01
_LOG_RATIO: Final = math.log(_BIN_RATIO)


# Calls kept before they are counted in a batch (every reader counts them first).
FLUSH_AT: Final = 256

_COUNTABLE: Final = frozenset(
    [(o, None) for o in OUTCOMES if o != "failed"] + [("failed", k) for k in FAILURE_KINDS]
)


def _refuse(outcome: str, kind: str | None) -> NoReturn:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}, expected one of {OUTCOMES}")
    if (outcome == "failed") != (kind is not None):
        raise ValueError("a failure kind is given for a failed call, and only for one")
    raise ValueError(f"unknown failure kind {kind!r}, expected one of {FAILURE_KINDS}")


def _bin(seconds: float) -> int:
    if seconds <= _BIN_FLOOR:
        return 0
    return math.ceil(math.log(seconds / _BIN_FLOOR) / _LOG_RATIO)


def _bin_top(index: int) -> float:
    return float(_BIN_FLOOR * _BIN_RATIO**index)


@dataclass
class _Bucket:
    """What one carrier did in one slice of time."""

    index: int  # which slice: floor(time / bucket_seconds)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    latency_bins: Counter[int] = field(default_factory=Counter)
    fastest: float = math.inf
    slowest: float = 0.0


class LatencyPercentiles(TypedDict):
    p50: float | None
    p95: float | None
    p99: float | None


class CarrierStats(TypedDict):
    """One carrier's health over the window; shares are fractions of ``count`` (0 when none)."""

    count: int
    latency_seconds: LatencyPercentiles
    shares: dict[str, float]
    failures: dict[str, int]
    breaker: BreakerState


@dataclass
class _Carrier:
    buckets: deque[_Bucket] = field(default_factory=deque)
    breaker: BreakerState = "closed"


class _Totals:
    """One carrier's calls of one outcome since the process started, for the metrics."""

    __slots__ = ("buckets", "created", "seconds")

    def __init__(self) -> None:
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one above every bound
        self.seconds = 0.0
        self.created = time.time()

    def copy(self) -> _Totals:
        """The same counts, apart from these (which go on counting)."""
        made = _Totals.__new__(_Totals)
        made.buckets, made.seconds, made.created = [*self.buckets], self.seconds, self.created
        return made


class CarrierHealth:
    """Records live carrier calls and answers how each carrier did over a rolling window.

    ``clock`` gives seconds (monotonic by default; tests pass a fake one). ``registry`` is the
    application's Prometheus registry; without one a fresh registry is made, never the global.
    """

    def __init__(
        self,
        *,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        buckets: int = 60,
        clock: Callable[[], float] = time.monotonic,
        registry: CollectorRegistry | None = None,
    ) -> None:
        if not window_seconds > 0 or buckets < 1:
            raise ValueError("the window needs a positive length and at least one bucket")
        self.window_seconds = float(window_seconds)
        self._bucket_seconds = self.window_seconds / buckets
        self._clock = clock
        self._lock = threading.Lock()
        self._carriers: dict[str, _Carrier] = {}
        # Calls recorded and not yet counted: (carrier, outcome, kind, seconds, when).
        self._pending: list[tuple[str, str, str | None, float, float]] = []
        # Every call since the start, for the metrics: by carrier and outcome, and the failures
        # by carrier and kind (their count, and when the first was counted).
        self._totals: dict[tuple[str, str], _Totals] = {}
        self._failed: dict[tuple[str, str], list[float]] = {}
        # The Prometheus registry and the breaker's gauge on it: the registry given, else one of
        # its own made when first asked for (a scrape, a breaker's change), so a process imports
        # prometheus-client then rather than before its first answer.
        self._metrics_lock = threading.Lock()
        self._metrics: tuple[CollectorRegistry, Gauge] | None = None
        if registry is not None:
            self._metrics = _export(self, registry)

    @property
    def registry(self) -> CollectorRegistry:
        """The Prometheus registry this health's metrics are on."""
        return self._exported()[0]

    def _exported(self) -> tuple[CollectorRegistry, Gauge]:
        with self._metrics_lock:
            if self._metrics is None:
                from prometheus_client import CollectorRegistry

                self._metrics = _export(self, CollectorRegistry())
            return self._metrics

    def record(self, carrier: str, outcome: str, seconds: float, kind: str | None = None) -> None:
        """Count one call of ``carrier`` that ended in ``outcome`` after ``seconds``.

        ``kind`` is the failure kind and is given exactly when ``outcome`` is ``failed``. The call
        is checked here and kept with its time; it is counted in a batch (see :meth:`flush`).
        """
        if (outcome, kind) not in _COUNTABLE:
            _refuse(outcome, kind)
        if not 0.0 <= seconds < math.inf:  # a NaN fails the comparison too
            raise ValueError(f"a call cannot take {seconds!r} seconds")
        pending = self._pending
        pending.append((carrier, outcome, kind, seconds, self._clock()))
        if len(pending) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Count the calls recorded since the last flush, in the window and the metrics.

        Every reader (:meth:`snapshot`, a scrape of the registry) flushes first, so it sees every
        call recorded; recording flushes itself every :data:`FLUSH_AT` calls, so the calls kept
        stay few. Counting a batch at once spares each call a lock of its own.
        """
        with self._lock:
            pending = self._pending
            # Calls recorded meanwhile by other threads land after these and wait for the next.
            batch = pending[: len(pending)]
            del pending[: len(batch)]
            if not batch:
                return
            carriers, per = self._carriers, self._bucket_seconds
            totals, failed = self._totals, self._failed
            for carrier, outcome, kind, seconds, now in batch:
                state = carriers.get(carrier)
                if state is None:
                    state = carriers[carrier] = _Carrier()
                buckets = state.buckets
                index = math.floor(now / per)
                if not buckets or buckets[-1].index < index:
                    buckets.append(_Bucket(index))
                    self._drop_old(buckets, index)
                # A clock that stepped back lands in the newest bucket rather than rewriting history.
                bucket = buckets[-1]
                bucket.outcomes[outcome] += 1
                if kind is not None:
                    bucket.failures[kind] += 1
                    made = failed.get((carrier, kind))
                    if made is None:
                        failed[carrier, kind] = [1, time.time()]
                    else:
                        made[0] += 1
                bucket.latency_bins[_bin(seconds)] += 1
                if seconds < bucket.fastest:
                    bucket.fastest = seconds
                if seconds > bucket.slowest:
                    bucket.slowest = seconds
                total = totals.get((carrier, outcome))
                if total is None:
                    total = totals[carrier, outcome] = _Totals()
                # The first bucket whose bound the latency does not pass, as a histogram counts.
                total.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
                total.seconds += seconds

    def totals(
        self,
    ) -> tuple[
        list[tuple[tuple[str, str], _Totals]], list[tuple[tuple[str, str], tuple[int, float]]]
    ]:
        """Every call counted so far, for the metrics: copies of the totals by carrier and
        outcome, and of the failures (count, first counted) by carrier and kind."""
        self.flush()
        with self._lock:
            totals = [(key, total.copy()) for key, total in self._totals.items()]
            failed = [(key, (int(n), made)) for key, (n, made) in self._failed.items()]
        return totals, failed

    def set_breaker(self, carrier: str, state: str) -> None:
        """Note the state of ``carrier``'s circuit breaker: ``closed``, ``open`` or ``half_open``."""
        if state not in BREAKER_STATES:
            raise ValueError(f"unknown breaker state {state!r}, expected one of {BREAKER_STATES}")
        with self._lock:
            self._carriers.setdefault(carrier, _Carrier()).breaker = state
        self._exported()[1].labels(carrier).set(BREAKER_GAUGE[state])

    def snapshot(self, now: float | None = None) -> dict[str, CarrierStats]:
        """Each carrier's health over the window ending at ``now`` (the clock's time by default)."""
        index = math.floor((self._clock() if now is None else now) / self._bucket_seconds)
        self.flush()
        with self._lock:
            for state in self._carriers.values():
                self._drop_old(state.buckets, index)
            return {
                carrier: self._stats(state, index)
                for carrier, state in sorted(self._carriers.items())
            }

    def _drop_old(self, buckets: deque[_Bucket], index: int) -> None:
        oldest = index - round(self.window_seconds / self._bucket_seconds) + 1
        while buckets and buckets[0].index < oldest:
            buckets.popleft()

    @staticmethod
    def _stats(state: _Carrier, index: int) -> CarrierStats:
        live = [b for b in state.buckets if b.index <= index]
        outcomes: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        bins: Counter[int] = Counter()
        for bucket in live:
            outcomes.update(bucket.outcomes)
            failures.update(bucket.failures)
            bins.update(bucket.latency_bins)
        count = sum(outcomes.values())
        fastest = min((b.fastest for b in live), default=math.inf)
        slowest = max((b.slowest for b in live), default=0.0)
        return {
            "count": count,
            "latency_seconds": {
                "p50": _percentile(bins, count, 50, fastest, slowest),
                "p95": _percentile(bins, count, 95, fastest, slowest),
                "p99": _percentile(bins, count, 99, fastest, slowest),
            },
            "shares": {o: (outcomes[o] / count if count else 0.0) for o in OUTCOMES},
            "failures": {k: failures[k] for k in FAILURE_KINDS if failures[k]},
            "breaker": state.breaker,
        }


def _percentile(
    bins: Counter[int], count: int, percent: int, fastest: float, slowest: float
) -> float | None:
    """The nearest-rank percentile, as the top of its bin kept within the latencies seen."""
    if count == 0:
        return None
    rank = math.ceil(percent / 100 * count)
    seen = 0
    for index in sorted(bins):
        seen += bins[index]
        if seen >= rank:
            return min(max(_bin_top(index), fastest), slowest)
    return slowest  # pragma: no cover - the bins always hold ``count`` latencies


def _export(health: CarrierHealth, registry: CollectorRegistry) -> tuple[CollectorRegistry, Gauge]:
    """``registry`` with ``health``'s metrics on it, and the breaker gauge among them."""
    from rateshop.carriers.health_metrics import breaker_gauge, exported

    registry.register(exported(health, LATENCY_BUCKETS))
    return registry, breaker_gauge(registry)


def metrics_exposition(registry: CollectorRegistry, accept: str | None = None) -> tuple[bytes, str]:
    """The body and content type of a ``/metrics`` answer for ``registry``.

    ``accept`` is the request's Accept header: OpenMetrics when the scraper asks for it, the
    Prometheus text format otherwise.
    """
    from prometheus_client.exposition import choose_encoder

    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
