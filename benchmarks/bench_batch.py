"""Batch rating speed: a realistic auto manual over generated risks.

Prints ratings per second per core (one rating = one coverage of one risk) and the ratio to two
baselines measured in the same run over the same tables:

* near-limit: plain NumPy gather-and-multiply in float64 with the table positions precomputed
  (no key matching, no rounding, no exactness) — target ratio >= 0.5 for the column-wise path,
  >= 1.0 for the fused path (``rateshop.rating.fused``: key matching and each coverage's steps
  in one compiled loop, the same answers to the cent). The fused path is shown whole (key
  matching, the kernel, sums by risk, fees and statuses) and as its kernel alone (key matching
  included); the same NumPy gather is also timed with its key matching (positions computed by
  ``searchsorted`` and code tables), the like-for-like figure for the whole path;
* a straightforward per-row Python loop (dict lookups, float arithmetic, ``round`` per step) —
  target >= 30x.

Run: ``python benchmarks/bench_batch.py [--rows N]`` (single core: the numeric libraries are
pinned to one thread). Times are the best of five in CPU seconds of this process, so other work
on the machine disturbs them less than wall time; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

from rateshop.rating.batch import Book, rate_book  # noqa: E402
from rateshop.rating.fused import FALLBACKS, KERNEL_SECONDS, rate_book_fused  # noqa: E402
from rateshop.rating.library import load_plan  # noqa: E402
from rateshop.rating.plan import Plan  # noqa: E402
from rateshop.rating.vector import Cat  # noqa: E402

MANUAL = Path(__file__).parent / "manuals" / "auto-bench"
COVERAGES = ["BI", "PD", "UM", "MED", "COMP", "COLL"]
ZIPS = ["75201", "75202", "75203", "77001", "77002", "78701", "78702", "79901", "76101", "76102"]


def generate(n: int, seed: int = 1) -> dict[str, Any]:
    """Raw rating variables for ``n`` vehicles with their rated drivers."""
    rng = np.random.default_rng(seed)
    return {
        "driver_age": rng.integers(16, 90, n),
        "marital_status": rng.integers(0, 2, n),
        "points": rng.choice([0, 0, 0, 0, 1, 2, 3, 4, 6, 9, 12, 20], n),
        "years_licensed": rng.integers(0, 40, n),
        "garaging_zip": rng.integers(0, len(ZIPS), n),
        "model_year": rng.integers(1995, 2027, n),
        "symbol": rng.integers(1, 28, n),
        "use": rng.integers(0, 3, n),
        "annual_miles": rng.integers(1000, 30000, n),
        "ownership": rng.integers(0, 3, n),
        "prior_insurance_months": rng.integers(0, 120, n),
        "payment_plan": rng.integers(0, 3, n),
        "vehicle_count": rng.integers(1, 5, n),
    }


CATEGORIES = {
    "marital_status": ["single", "married"],
    "garaging_zip": ZIPS,
    "use": ["pleasure", "commute", "business"],
    "ownership": ["owned", "financed", "leased"],
    "payment_plan": ["installments", "paid_in_full", "eft"],
}


def book(raw: dict[str, Any]) -> Book:
    n = len(raw["driver_age"])
    cols: dict[str, Any] = {}
    for key, values in raw.items():
        cols[key] = (
            Cat(values.astype(np.int32), CATEGORIES[key])
            if key in CATEGORIES
            else values.astype(np.int64)
        )
    for cov in COVERAGES:
        cols[f"coverages.{cov}.chosen"] = np.ones(n, dtype=bool)
    risks = {k: v for k, v in cols.items() if not k.startswith("coverages.")}
    return Book(n_risks=n, units=cols, unit_risk=np.arange(n, dtype=np.int64), risks=risks)


def positions(
    plan: Plan, raw: dict[str, Any]
) -> list[tuple[str, np.ndarray, dict[str, np.ndarray]]]:
    """For each table: each row's grid position (precomputed) and float factors per coverage."""
    tables = plan.manual.tables
    out = []
    for name, table in tables.items():
        if name == "base":
            continue
        pos = np.zeros(len(raw["driver_age"]), dtype=np.int64)
        for dim, stride, key in zip(table.dims, table.strides, table.keys, strict=True):
            src = key.binding or ""
            values = raw[src]
            if src in CATEGORIES:
                lut = np.array(
                    [
                        dim.text_code(c) if dim.labels[0].isdigit() else dim.codes[c]
                        for c in CATEGORIES[src]
                    ]
                )
                codes = lut[values]
            else:
                codes = np.searchsorted(np.array(dim.los), values, side="right") - 1
            pos += codes * stride
        scale = {c: 10 ** table.scales[c] for c in COVERAGES}
        factors = {c: np.array(table.grid[c], dtype=np.float64) / scale[c] for c in COVERAGES}
        out.append((name, pos, factors))
    return out


def numpy_baseline(
    plan: Plan, pos: list[tuple[str, np.ndarray, dict[str, np.ndarray]]]
) -> np.ndarray:
    base = plan.manual.tables["base"]
    total = np.zeros(len(pos[0][1]))
    for cov in COVERAGES:
        prem = np.full(len(pos[0][1]), base.grid[cov][0] / 10 ** base.scales[cov])
        for _, p, factors in pos:
            prem *= factors[cov][p]
        total += prem
    return total


def python_loop(plan: Plan, raw: dict[str, Any], rows: int) -> float:
    tables = plan.manual.tables
    base = {c: tables["base"].grid[c][0] / 10 ** tables["base"].scales[c] for c in COVERAGES}
    pos = positions(plan, {k: v[:rows] for k, v in raw.items()})
    dicts = [{c: {i: f[c][i] for i in range(len(f[c]))} for c in COVERAGES} for _, _, f in pos]
    idx = [p.tolist() for _, p, _ in pos]
    total = 0.0
    for r in range(rows):
        for cov in COVERAGES:
            prem = base[cov]
            for table, positions_ in zip(dicts, idx, strict=True):
                prem = round(prem * table[cov][positions_[r]], 3)
            total += round(prem)
    return total


def timed(fn: Any, repeat: int = 5) -> float:
    """The best CPU time of ``repeat`` calls (one thread: CPU time is the time it took)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def kernel_alone(fn: Any, repeat: int = 5) -> float:
    """The best CPU time the fused kernels took within ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        before = KERNEL_SECONDS[0]
        fn()
        best = min(best, KERNEL_SECONDS[0] - before)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=20_000)
    args = parser.parse_args()
    plan = load_plan(MANUAL)
    raw = generate(args.rows)
    the_book = book(raw)
    ratings = args.rows * len(COVERAGES)

    result = rate_book(plan, the_book)
    assert not result.errors
    assert not result.declined
    t_engine = timed(lambda: rate_book(plan, the_book))

    fused = rate_book_fused(plan, the_book)  # the first call compiles the kernels
    assert fused.total.tolist() == result.total.tolist(), "the fused path must equal the batch path"
    assert fused.status.tolist() == result.status.tolist()
    assert not FALLBACKS, f"a chain fell back to the column-wise path: {FALLBACKS}"
    t_fused = timed(lambda: rate_book_fused(plan, the_book))
    t_kernel = kernel_alone(lambda: rate_book_fused(plan, the_book))

    pos = positions(plan, raw)
    t_numpy = timed(lambda: numpy_baseline(plan, pos))
    t_numpy_keys = timed(lambda: numpy_baseline(plan, positions(plan, raw)))

    t_loop = timed(lambda: python_loop(plan, raw, args.loop_rows), repeat=1)
    loop_rate = args.loop_rows * len(COVERAGES) / t_loop

    engine_rate = ratings / t_engine
    fused_rate = ratings / t_fused
    kernel_rate = ratings / t_kernel
    numpy_rate = ratings / t_numpy
    numpy_keys_rate = ratings / t_numpy_keys
    print(
        f"risks: {args.rows:,}  coverages: {len(COVERAGES)}  lookups per coverage: 13 (12 + base)"
        f"  load average: {os.getloadavg()[0]:.1f}  (best of 5, CPU seconds)"
    )
    print(
        f"rateshop batch (exact, 3-decimal rounding each step): {t_engine:.3f} s  {engine_rate / 1e6:.2f} M ratings/s"
    )
    print(
        f"rateshop fused, whole path (exact): {t_fused:.3f} s  {fused_rate / 1e6:.2f} M ratings/s"
    )
    print(
        f"rateshop fused, kernel alone (key matching included): {t_kernel:.3f} s  {kernel_rate / 1e6:.2f} M ratings/s"
    )
    print(
        f"numpy gather-and-multiply baseline (float, no rounding, positions precomputed): {t_numpy:.3f} s  {numpy_rate / 1e6:.2f} M ratings/s"
    )
    print(
        f"numpy gather-and-multiply with its key matching: {t_numpy_keys:.3f} s  {numpy_keys_rate / 1e6:.2f} M ratings/s"
    )
    print(f"per-row Python loop ({args.loop_rows:,} rows): {loop_rate / 1e6:.3f} M ratings/s")
    print(f"ratio to numpy baseline: {engine_rate / numpy_rate:.2f}  (target >= 0.5)")
    print(f"fused ratio to numpy baseline: {fused_rate / numpy_rate:.2f}  (target >= 1.0)")
    print(f"fused kernel alone to numpy baseline: {kernel_rate / numpy_rate:.2f}")
    print(
        f"fused ratio to numpy with key matching (like for like): {fused_rate / numpy_keys_rate:.2f}"
    )
    print(f"ratio to Python loop: {engine_rate / loop_rate:.1f}x  (target >= 30x)")


if __name__ == "__main__":
    main()
