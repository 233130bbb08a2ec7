"""In-process comparison speed: each line's example risk against the whole sample market.

Prints median and p99 microseconds per comparison (every carrier writing the line in the state,
worksheets recorded), next to rating the same risk with just the cheapest carrier as a baseline
measured in the same run.

Run: ``python benchmarks/bench_compare.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import compare, request_facts
from rateshop.rating.library import Library

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    library = Library.load(ROOT / "manuals")
    market = Market.load(ROOT / "market")
    print(
        f"{'line':8s} {'carriers':>8s} {'median us':>10s} {'p99 us':>9s} {'one carrier median us':>22s}"
    )
    for line in ("auto", "home", "life", "health"):
        risk = json.loads((ROOT / "examples" / f"{line}.json").read_text())
        _, state, _ = request_facts(risk)
        conns = manual_connectors(library, line, state)
        first = compare(risk, conns, market)
        single = [c for c in conns if c.carrier == first.quotes[0].carrier]
        times, one = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            compare(risk, conns, market)
            times.append((time.perf_counter() - t0) * 1e6)
            t0 = time.perf_counter()
            compare(risk, single, market)
            one.append((time.perf_counter() - t0) * 1e6)
        print(
            f"{line:8s} {len(conns):8d} {statistics.median(times):10.0f} {percentile(times, 0.99):9.0f}"
            f" {statistics.median(one):22.0f}"
        )


if __name__ == "__main__":
    main()
