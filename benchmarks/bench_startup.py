"""Start-up against the market's size: ``rateshop quote`` wall time, time to the first answered
request of ``rateshop serve``, and memory per process. Printed, not pass/fail.

For today's market (``manuals/``) and a generated one (``scripts/generate_market.py``, 5,000
versions by default, written to a temporary folder and removed after), each with a cold plan
cache (a new, empty ``RATESHOP_PLAN_CACHE``) and a warm one (the same folder, used once before).

    python benchmarks/bench_startup.py                      # both markets, 3 runs each
    python benchmarks/bench_startup.py --versions 0         # today's market only
    python benchmarks/bench_startup.py --pythonpath OLD/src # another checkout's code (before/after)

Targets (issue 10): quote < 1 s and first answer <= 1 s, for both sizes, cold and warm; memory
per process reported and bounded (``RATESHOP_PLAN_MEMORY_LIMIT`` plans held).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RISK = ROOT / "examples" / "auto.json"


def _env(
    manuals: Path, cache: Path, pythonpath: str | None, db: Path | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(RATESHOP_MANUALS=str(manuals), RATESHOP_PLAN_CACHE=str(cache))
    env["RATESHOP_MARKET"] = str(ROOT / "market")
    if db is not None:
        env["RATESHOP_DATABASE_URL"] = f"sqlite:///{db}"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


# CPU seconds (user + system) of the quote runs, beside their wall time: on a shared machine the
# wall time includes waiting for a core, the CPU time does not.
CPU: list[float] = []


def quote_seconds(env: dict[str, str]) -> float:
    """Wall time of one ``rateshop quote examples/auto.json``, start to exit (CPU time kept)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "rateshop"), "quote", str(RISK)], env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"rateshop quote failed:\n{done.stderr[-2000:]}")
    return took


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve_seconds(env: dict[str, str], port: int, cwd: Path) -> tuple[float, float, float, float]:
    """Seconds from starting ``rateshop serve`` to its first answer (GET /lines) and to its first
    auto comparison answered, its CPU seconds until the first answer, and its memory then (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "rateshop"), "serve", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        first, cpu = None, 0.0
        while first is None:
            if proc.poll() is not None:
                raise SystemExit(f"rateshop serve exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lines", timeout=5) as r:
                    r.read()
                first = time.perf_counter() - start
                cpu = _cpu_seconds(proc.pid)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
            if time.perf_counter() - start > 120:
                raise SystemExit("rateshop serve did not answer within 120 s")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/comparisons",
            data=RISK.read_bytes(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=120) as r:
            json.loads(r.read())
        compared = time.perf_counter() - start
        return first, compared, cpu, _rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


MEMORY = textwrap.dedent(
    """
    import os, resource, sys, time
    from rateshop.rating.library import Library

    def rss():
        for line in open(f"/proc/{os.getpid()}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    base = rss()
    lib = Library.load(sys.argv[1])
    loaded = rss()
    asked = min(len(lib), int(sys.argv[2]))
    for n, entry in enumerate(lib.entries()[:asked], start=1):
        lib.plan_of(entry)
        if n == lib.capacity:
            full = rss()
    print(base, loaded, full if asked >= lib.capacity else rss(), rss(), lib.held, lib.capacity)
    """
)


def memory(env: dict[str, str], manuals: Path, plans: int) -> list[float]:
    """RSS (MB) of one process: before loading, after loading the market, once the plan cache is
    full, after compiling ``plans`` plans; then the plans held and the limit."""
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, str(manuals), str(plans)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(x) for x in done.stdout.split()]


def _median(runs: int, measure: Callable[[], float]) -> tuple[float, float]:
    taken = [measure() for _ in range(runs)]
    return statistics.median(taken), max(taken)


def bench_market(name: str, manuals: Path, args: argparse.Namespace, work: Path) -> None:
    count = sum(1 for _ in manuals.rglob("manual.yaml"))
    print(f"\n== {name}: {count} manual versions ({manuals})")

    def fresh() -> Path:
        return Path(tempfile.mkdtemp(dir=work, prefix="cache-"))

    warm = fresh()
    quote_seconds(_env(manuals, warm, args.pythonpath))  # fills the warm cache
    for kind in ("cold", "warm"):
        CPU.clear()
        if kind == "cold":
            median, worst = _median(
                args.runs, lambda: quote_seconds(_env(manuals, fresh(), args.pythonpath))
            )
        else:
            median, worst = _median(
                args.runs, lambda: quote_seconds(_env(manuals, warm, args.pythonpath))
            )
        print(f"  rateshop quote examples/auto.json, {kind} cache: {median:.2f} s median, "
              f"{worst:.2f} s worst of {args.runs} (CPU {statistics.median(CPU):.2f} s; "
              "target < 1 s)")  # fmt: skip
    # A new database (the first start: its schema made by the migrations), then the same
    # database again (a restart: the schema found at the newest revision).
    for kind, database in (("cold", "new"), ("warm", "new"), ("warm", "kept")):
        firsts, comps, cpus, rss = [], [], [], []
        for n in range(args.runs):
            cache = fresh() if kind == "cold" else warm
            db = work / f"serve-{kind}-{n}.db"
            if database == "new":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
            first, compared, cpu, mb = serve_seconds(
                _env(manuals, cache, args.pythonpath, db), args.port, work
            )
            cpus.append(cpu)
            firsts.append(first)
            comps.append(compared)
            rss.append(mb)
        print(f"  rateshop serve, {kind} cache, {database} database: first answer "
              f"{statistics.median(firsts):.2f} s (CPU {statistics.median(cpus):.2f} s), "
              f"first auto comparison {statistics.median(comps):.2f} s (median of {args.runs}; "
              f"target <= 1 s); RSS then {statistics.median(rss):.0f} MB")  # fmt: skip
    if not args.pythonpath:
        cache = fresh()
        base, loaded, full, after, held, limit = memory(
            _env(manuals, cache, None), manuals, args.plans
        )
        asked = min(args.plans, count)
        at_limit = (
            f"{full:.0f} MB with {limit:.0f} plans held (the limit), " if asked >= limit else ""
        )
        print(f"  memory of one process: {base:.0f} MB with the code loaded, {loaded:.0f} MB with "
              f"the market listed; {at_limit}{after:.0f} MB after compiling {asked} plans "
              f"({held:.0f} held, limit {limit:.0f})")  # fmt: skip


def reference_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop (ten million additions, best of 3): how fast this
    machine runs Python now, so runs on different days can be set side by side."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=5000, help="generated market (0: none)")
    parser.add_argument("--market", type=Path, help="a generated market to use as it is")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--plans", type=int, default=600, help="plans compiled for memory")
    parser.add_argument("--pythonpath", help="run another checkout's src (for 'before' figures)")
    parser.add_argument("--only-generated", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"reference loop {reference_seconds():.3f} s (this machine's speed varies from hour "
          "to hour, and every figure below with it: compare runs by it)")  # fmt: skip
    # An installed package carries its bytecode (pip compiles it); a checkout whose Python may
    # not write it (PYTHONDONTWRITEBYTECODE) would compile every module at each start instead.
    sources = args.pythonpath or str(ROOT / "src")
    subprocess.run([sys.executable, "-m", "compileall", "-q", sources], check=True)
    print(f"sources compiled to bytecode first, as an installed package's are: {sources}")
    with tempfile.TemporaryDirectory(prefix="rateshop-startup-") as tmp:
        work = Path(tmp)
        if not args.only_generated:
            bench_market("today's market", ROOT / "manuals", args, work)
        generated = args.market
        if generated is None and args.versions:
            generated = work / "market"
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "generate_market.py"), str(generated),
                 "--versions", str(args.versions)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        if generated is not None:
            bench_market("generated market", generated, args, work)


if __name__ == "__main__":
    main()
