"""Market analysis speed: a synthetic auto book against the whole Texas auto market.

Prints, for the local engine and a local Dask cluster of 1 and 2 workers, the wall time, risk ×
carrier ratings per second (and per core used) and the peak memory of the whole process tree
(sampled), then the wall time of ``impact`` for a carrier's two manual versions. The Dask runs
must write the local engine's results byte for byte (checked).

Run: ``python benchmarks/bench_analysis.py [--rows N] [--engines local,dask1,dask2]
[--ports LO-HI] [--impact-rows N | --skip-impact]``. The book is generated and written chunk by
chunk and every engine streams it, so a 10,000,000-policy run
(``--rows 10000000 --engines local --skip-impact``) needs no more memory than a small one; the
peak printed is the whole process tree's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from rateshop.analysis.impact import impact
from rateshop.analysis.market import analyze, market_plans
from rateshop.analysis.synthetic import (
    BookSpec,
    delivery_zips,
    generate_book,
    territory_zips,
    write_book,
)
from rateshop.rating.library import Library

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 12, 1)
ENGINES = ("local", "dask1", "dask2")


def port_range(text: str) -> tuple[int, int]:
    """``LO-HI``: the ports the local Dask cluster's scheduler, workers and nannies may take."""
    lo, _, hi = text.partition("-")
    return int(lo), int(hi)


class PeakMemory:
    """The largest resident memory of this process and all its descendants, sampled."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self.stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def measured(fn: Callable[[], Any]) -> tuple[float, int]:
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0, mem.peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--impact-rows", type=int, default=0, help="0: the same book")
    parser.add_argument("--skip-impact", action="store_true")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="which runs, comma-separated: local, dask1, dask2 (the first is the reference)",
    )
    parser.add_argument(
        "--ports",
        type=port_range,
        default=port_range(os.environ.get("RATESHOP_TEST_PORTS", "18250-18299")),
        help="LO-HI for the local Dask cluster (default: RATESHOP_TEST_PORTS or 18250-18299)",
    )
    args = parser.parse_args()
    engines = args.engines.split(",")
    unknown = set(engines) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engine: {', '.join(sorted(unknown))}")
    library = Library.load(ROOT / "manuals", store=None)
    plans = market_plans(library, "auto", "TX", AS_OF)
    zips = delivery_zips("TX")
    metro = territory_zips(plans)
    spec = BookSpec("TX", zips, [40.0 if z in metro else 1.0 for z in zips], AS_OF, 1)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / "book.parquet"
        t0 = time.perf_counter()
        write_book(generate_book(spec, args.rows), book)
        print(f"book: {args.rows:,} policies generated in {time.perf_counter() - t0:.1f} s")
        ratings = args.rows * len(plans)
        print(f"market: {len(plans)} carriers; {ratings:,} risk × carrier ratings per run")
        runs: list[tuple[str, Path, int, Callable[[Path], Any]]] = []
        if "local" in engines:
            runs.append(
                ("local", work / "local", cores, lambda out: analyze(book, out, plans, state="TX"))
            )
        for n in (1, 2):
            if f"dask{n}" in engines:
                runs.append(
                    (
                        f"dask {n} worker{'s' if n > 1 else ''}",
                        work / f"dask{n}",
                        n,
                        lambda out, n=n: analyze(
                            book, out, plans, state="TX", engine="dask", workers=n, ports=args.ports
                        ),
                    )
                )
        first: bytes | None = None
        for label, out, used, run in runs:
            seconds, peak = measured(lambda run=run, out=out: run(out))
            rate = ratings / seconds
            same = ""
            data = (out / "results.parquet").read_bytes()
            if first is None:
                first = data
            else:
                same = "  results byte-identical to local" if data == first else "  RESULTS DIFFER"
            print(
                f"{label:<14} {seconds:7.1f} s  {rate:9,.0f} ratings/s  "
                f"load average {os.getloadavg()[0]:.1f}  "
                f"{rate / used:9,.0f} per core ({used} used)  peak memory {peak / 2**20:,.0f} MiB"
                + same
            )
        if args.skip_impact:
            return
        old, new = library.versions("pinnacle-national", "auto", "TX")
        impact_book = book
        if args.impact_rows and args.impact_rows != args.rows:
            impact_book = work / "impact.parquet"
            write_book(generate_book(spec, args.impact_rows), impact_book)
        n_impact = args.impact_rows or args.rows
        seconds, peak = measured(lambda: impact(impact_book, work / "impact", old, new, state="TX"))
        print(
            f"impact {old.manual.identity.version} → {new.manual.identity.version} on "
            f"{n_impact:,} policies: {seconds:.1f} s  peak memory {peak / 2**20:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
