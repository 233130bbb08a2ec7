"""Single-risk speed: one applicant against 20 carriers' manuals, worksheets included.

Twenty manuals are made from the benchmark auto manual (six coverages, thirteen lookups and
rounding at each step) with different base rates, so each is a separate compiled plan. Prints the
median and p99 microseconds per 20-carrier comparison, with and without worksheets, and the cost
of a bare Python loop doing the same lookups (dicts, floats) as a baseline from the same run; the
four are measured in alternating short rounds.

Run: ``python benchmarks/bench_single.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rateshop.rating.library import load_plan
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate

MANUAL = Path(__file__).parent / "manuals" / "auto-bench"
ROUND = 10  # comparisons per measurement before moving to the next one
RISK = {
    "driver_age": 34, "marital_status": "married", "points": 1, "years_licensed": 15,
    "garaging_zip": "75201", "model_year": 2021, "symbol": 12, "use": "commute",
    "annual_miles": 11000, "ownership": "financed", "prior_insurance_months": 48,
    "payment_plan": "eft", "vehicle_count": 2,
    "coverages": {"BI": {}, "PD": {}, "UM": {}, "MED": {}, "COMP": {}, "COLL": {}},
}  # fmt: skip


def twenty_plans(root: Path) -> list[Plan]:
    plans = []
    for i in range(20):
        folder = root / f"carrier-{i:02d}"
        shutil.copytree(MANUAL, folder)
        manifest = folder / "manual.yaml"
        manifest.write_text(
            manifest.read_text().replace("carrier: bench-auto", f"carrier: bench-{i:02d}")
        )
        base = folder / "tables" / "base.csv"
        header, values = base.read_text().splitlines()
        scaled = ",".join(f"{float(v) * (0.8 + i * 0.02):.2f}" for v in values.split(","))
        base.write_text(f"{header}\n{scaled}\n")
        plans.append(load_plan(folder))
    return plans


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(plans: list[Plan], repeat: int, trace: bool, render: bool = False) -> list[float]:
    """Microseconds per 20-carrier comparison; ``render`` also turns every worksheet into lines."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for plan in plans:
            answer = rate(plan, RISK, trace=trace)
            if render:
                assert isinstance(answer, Quote)
                answer.worksheet.lines  # noqa: B018 - every line turned into Decimals and text
        times.append((time.perf_counter() - t0) * 1e6)
    return times


def python_baseline(plans: list[Plan], repeat: int) -> list[float]:
    """Dict lookups and float multiplications with the keys already matched: a floor, not a rater."""
    tables = []
    for plan in plans:
        t = plan.manual.tables
        tables.append(
            {
                c: [t[name].grid[c][0] / 10 ** t[name].scales[c] for name in t]
                for c in t["base"].columns
            }
        )
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for carrier in tables:
            total = 0.0
            for factors in carrier.values():
                prem = factors[0]
                for f in factors[1:]:
                    prem = round(prem * f, 3)
                total += round(prem)
        times.append((time.perf_counter() - t0) * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plans = twenty_plans(Path(tmp))
    measure(plans, 20, True)
    # Interleaved in short rounds, so that every figure and the baseline see the same load on
    # a shared machine (a busy neighbouring core slows a whole stretch of runs).
    with_ws: list[float] = []
    rendered: list[float] = []
    without: list[float] = []
    base: list[float] = []
    for _ in range(0, args.repeat, ROUND):
        with_ws += measure(plans, ROUND, True)
        rendered += measure(plans, ROUND, True, render=True)
        without += measure(plans, ROUND, False)
        base += python_baseline(plans, ROUND)
    print("one risk x 20 manuals x 6 coverages (13 lookups, rounding each step)")
    rows = (
        ("worksheets recorded", with_ws),
        ("worksheets rendered", rendered),
        ("no worksheets", without),
        ("bare Python loop", base),
    )
    for name, t in rows:
        print(
            f"  {name:20s} median {statistics.median(t):8.0f} us   p99 {percentile(t, 0.99):8.0f} us"
        )
    print(
        f"  target: median <= 500 us with worksheets; ratio to bare loop {statistics.median(with_ws) / statistics.median(base):.1f}x"
    )


if __name__ == "__main__":
    main()
