"""Carrier health: the rolling window on a fake clock, bounded memory, the Prometheus metrics."""

from __future__ import annotations

import random
import threading

import pytest
from prometheus_client import REGISTRY
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families

from rateshop.carriers.health import CarrierHealth, metrics_exposition


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def health(clock: FakeClock) -> CarrierHealth:
    return CarrierHealth(clock=clock)


def samples(health: CarrierHealth) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = metrics_exposition(health.registry)
    assert content_type.startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_latency_percentiles_within_one_percent(health: CarrierHealth) -> None:
    latencies = [i / 100 for i in range(1, 101)]
    random.Random(7).shuffle(latencies)
    for seconds in latencies:
        health.record("acme", "quoted", seconds)
    latency = health.snapshot()["acme"]["latency_seconds"]
    for name, exact in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        value = latency[name]  # type: ignore[literal-required]
        assert value is not None
        assert exact <= value <= exact * 1.01, (name, value)


def test_percentile_stays_within_the_latencies_seen(health: CarrierHealth) -> None:
    health.record("acme", "quoted", 2.0)
    assert health.snapshot()["acme"]["latency_seconds"] == {"p50": 2.0, "p95": 2.0, "p99": 2.0}


def test_shares_and_failures_by_kind(health: CarrierHealth) -> None:
    for outcome in ["quoted"] * 5 + ["declined", "referred", "pending"]:
        health.record("acme", outcome, 1.0)
    health.record("acme", "failed", 8.0, kind="timeout")
    health.record("acme", "failed", 0.2, kind="invalid_response")
    stats = health.snapshot()["acme"]
    assert stats["count"] == 10
    assert stats["shares"] == {
        "quoted": 0.5,
        "referred": 0.1,
        "declined": 0.1,
        "pending": 0.1,
        "failed": 0.2,
    }
    assert stats["failures"] == {"timeout": 1, "invalid_response": 1}
    assert stats["breaker"] == "closed"


def test_old_calls_leave_the_window(health: CarrierHealth, clock: FakeClock) -> None:
    health.record("acme", "failed", 1.0, kind="unavailable")
    clock.now += 600
    health.record("acme", "quoted", 3.0)
    assert health.snapshot()["acme"]["count"] == 2
    clock.now += 301  # the failure is now more than 15 minutes old
    stats = health.snapshot()["acme"]
    assert stats["count"] == 1
    assert stats["failures"] == {}
    assert stats["latency_seconds"]["p50"] == 3.0
    assert health.snapshot(now=clock.now + 900)["acme"]["count"] == 0
    assert health.snapshot(now=clock.now + 900)["acme"]["latency_seconds"]["p99"] is None


def test_window_is_configurable(clock: FakeClock) -> None:
    health = CarrierHealth(window_seconds=60, buckets=6, clock=clock)
    health.record("acme", "quoted", 1.0)
    assert health.snapshot(now=clock.now + 49)["acme"]["count"] == 1
    assert health.snapshot(now=clock.now + 61)["acme"]["count"] == 0


def test_breaker_state_shows_without_calls(health: CarrierHealth) -> None:
    health.set_breaker("slowpoke", "open")
    stats = health.snapshot()["slowpoke"]
    assert stats["breaker"] == "open"
    assert stats["count"] == 0
    assert stats["shares"]["failed"] == 0.0
    health.set_breaker("slowpoke", "half_open")
    assert health.snapshot()["slowpoke"]["breaker"] == "half_open"


def test_a_flood_of_records_keeps_memory_bounded(health: CarrierHealth, clock: FakeClock) -> None:
    rng = random.Random(3)
    for _ in range(200_000):
        clock.now += 0.05  # 10 000 simulated seconds: many windows
        health.record("acme", "quoted", rng.uniform(0.05, 0.9))
    state = health._carriers["acme"]
    assert len(state.buckets) <= 60
    # 50 ms to 900 ms is about 290 bins of 1 %, whatever the number of calls.
    assert all(len(b.latency_bins) <= 300 for b in state.buckets)
    # The last 900 s of calls every 50 ms, to within one 15 s bucket at the old end.
    assert 17_100 <= health.snapshot()["acme"]["count"] <= 18_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("acme", "won", 1.0), "unknown outcome 'won'"),
        (("acme", "failed", 1.0), "failure kind is given for a failed call"),
        (("acme", "quoted", 1.0, "timeout"), "failure kind is given for a failed call"),
        (("acme", "failed", 1.0, "gremlins"), "unknown failure kind 'gremlins'"),
        (("acme", "quoted", -1.0), "cannot take -1.0 seconds"),
        (("acme", "quoted", float("nan")), "cannot take nan seconds"),
    ],
)
def test_record_refuses_what_it_cannot_count(
    health: CarrierHealth, args: tuple[str, str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        health.record(*args)


def test_set_breaker_refuses_unknown_state(health: CarrierHealth) -> None:
    with pytest.raises(ValueError, match="unknown breaker state 'ajar'"):
        health.set_breaker("acme", "ajar")


def test_prometheus_exposition_parses_and_counts(health: CarrierHealth) -> None:
    health.record("acme", "quoted", 0.4)
    health.record("acme", "quoted", 2.5)
    health.record("acme", "failed", 12.0, kind="timeout")
    health.set_breaker("acme", "open")
    got = samples(health)
    assert (
        got[
            ("rateshop_carrier_request_seconds_count", (("carrier", "acme"), ("outcome", "quoted")))
        ]
        == 2
    )
    assert (
        got[
            (
                "rateshop_carrier_request_seconds_bucket",
                (("carrier", "acme"), ("le", "0.5"), ("outcome", "quoted")),
            )
        ]
        == 1
    )
    assert (
        got[("rateshop_carrier_request_seconds_sum", (("carrier", "acme"), ("outcome", "failed")))]
        == 12.0
    )
    assert (
        got[("rateshop_carrier_outcomes_total", (("carrier", "acme"), ("outcome", "quoted")))] == 2
    )
    assert got[("rateshop_carrier_failures_total", (("carrier", "acme"), ("kind", "timeout")))] == 1
    assert got[("rateshop_carrier_breaker_state", (("carrier", "acme"),))] == 2


def test_openmetrics_when_the_scraper_asks(health: CarrierHealth) -> None:
    health.record("acme", "declined", 1.0)
    body, content_type = metrics_exposition(
        health.registry, accept="application/openmetrics-text; version=1.0.0"
    )
    assert content_type.startswith("application/openmetrics-text")
    names = {family.name for family in parse_openmetrics(body.decode())}
    assert {"rateshop_carrier_request_seconds", "rateshop_carrier_outcomes"} <= names


def test_each_app_has_its_own_registry(clock: FakeClock) -> None:
    first, second = CarrierHealth(clock=clock), CarrierHealth(clock=clock)
    first.record("acme", "quoted", 1.0)
    assert (
        "rateshop_carrier_outcomes_total",
        (("carrier", "acme"), ("outcome", "quoted")),
    ) in samples(first)
    assert not any(name.startswith("rateshop_carrier") for name, _ in samples(second))
    assert (
        REGISTRY.get_sample_value(
            "rateshop_carrier_outcomes_total", {"carrier": "acme", "outcome": "quoted"}
        )
        is None
    )


def test_records_from_many_threads_all_count(health: CarrierHealth) -> None:
    def work(n: int) -> None:
        for i in range(5_000):
            health.record(
                f"c{n % 2}", "quoted" if i % 4 else "failed", 0.1, None if i % 4 else "auth"
            )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = health.snapshot()
    assert snapshot["c0"]["count"] + snapshot["c1"]["count"] == 20_000
    assert snapshot["c0"]["failures"] == {"auth": 2_500}
    got = samples(health)
    assert (
        got[("rateshop_carrier_outcomes_total", (("carrier", "c1"), ("outcome", "quoted")))]
        == 7_500
    )
