"""Live carriers under load: what a comparison adds beyond the slowest carrier, beside a bare fan-out.

Starts 20 sandbox carriers in a process of their own (loopback, free ports), each answering after a
fixed latency spread from 50 to 900 ms, 5 % of requests failing with 500 after that wait. Then, in
this process, waves of 50 and of 200 concurrent comparisons of the example auto risk against the
20 carriers through rateshop's http connectors (mapping, auth-free transport, checks, breaker), and
the same waves as a bare aiohttp fan-out: the request bodies prebuilt, POSTed to the 20 sandboxes
at once on one session, each answer read and parsed as JSON. Every carrier answers in every
comparison (errors wait their latency too), so the slowest answering carrier is the 900 ms one.
Prints per concurrency and path: the overhead beyond it (p50, p99), the upstream requests per
second sustained, and the resident memory; then stops the sandbox process by its id.

Run: ``python benchmarks/bench_live.py [--waves N] [--concurrency 50,200]``. Bounded: a few
seconds per wave. The sandboxes share the machine with the client: when they cannot keep up
(their process saturates one core), both paths wait on them alike and the overheads say so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CARRIERS = 20
LATENCY = [0.05 + (0.85 * i) / (CARRIERS - 1) for i in range(CARRIERS)]  # 50 … 900 ms
ERROR_RATE = 0.05
MANUALS = ["ironclad-casualty", "pinnacle-direct", "pinnacle-national", "bluebonnet-county"]
MAPPING = ROOT / "market" / "live" / "carriers" / "common" / "sandbox-json.yaml"


# --- the sandboxes' process -------------------------------------------------------------------


async def serve_sandboxes() -> None:
    from rateshop.carriers.sandbox import Sandbox, SandboxConfig, start

    ports = []
    runners = []
    for i, latency in enumerate(LATENCY):
        config = SandboxConfig(
            manuals=ROOT / "manuals" / MANUALS[i % len(MANUALS)],
            latency=(latency, latency),
            error_rate=ERROR_RATE,
            seed=i,
        )
        runner, port = await start(Sandbox(config), 0)
        runners.append(runner)
        ports.append(port)
    print(json.dumps(ports), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        for runner in runners:
            await runner.cleanup()


# --- the client side --------------------------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def catalog(ports: list[int], folder: Path) -> Path:
    lines = ["carriers:"]
    for i, port in enumerate(ports):
        lines += [
            f"  - id: bench-{i:02d}",
            f"    name: Bench Carrier {i:02d}",
            "    group: Bench",
            "    kind: national",
            "    rating: A",
            "    link: https://sample.invalid/bench",
            "    connector: http",
            "    endpoint:",
            f"      url: http://127.0.0.1:{port}",
            "      quote_path: /v1/quotes",
            f"      mapping: {MAPPING}",
            "      concurrency: 256",
            "    writes: {auto: [TX]}",
        ]
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def summary(name: str, overheads: list[float], requests: int, seconds: float) -> str:
    ms = sorted(o * 1000 for o in overheads)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return (
        f"  {name:<22} overhead p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   "
        f"{requests / seconds:7.0f} upstream req/s   rss {rss_mb():6.0f} MB"
    )


async def run(ports: list[int], waves: int, levels: list[int]) -> None:
    from rateshop.compare.market import Market
    from rateshop.compare.registry import Registry
    from rateshop.compare.service import compare_async
    from rateshop.config import Settings
    from rateshop.rating.library import Library

    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    slowest = max(LATENCY)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            carrier_connections=256, carrier_call_deadline=5, breaker_failures=10_000
        )
        market = Market.load(ROOT / "market", catalog(ports, Path(tmp)))
        registry = Registry(Library(), market, settings)
        connectors = registry.connectors("auto", "TX")
        assert len(connectors) == CARRIERS

        from rateshop.carriers.mapping import build, load_mapping

        body = json.dumps(build(load_mapping(MAPPING), risk)).encode()
        urls = [f"http://127.0.0.1:{p}/v1/quotes" for p in ports]
        bare = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=256))

        async def rateshop_one() -> float:
            started = time.perf_counter()
            result = await compare_async(risk, connectors, market, 10.0)
            took = time.perf_counter() - started
            assert len(result.quotes) + len(result.declines) + len(result.errors) == CARRIERS
            return took - slowest

        async def bare_one() -> float:
            async def one(url: str) -> Any:
                async with bare.post(
                    url, data=body, headers={"Content-Type": "application/json"}
                ) as got:
                    return json.loads(await got.read())

            started = time.perf_counter()
            await asyncio.gather(*(one(u) for u in urls))
            return time.perf_counter() - started - slowest

        # Warm both paths (connections, the sandboxes' memo of the rating) before measuring.
        await asyncio.gather(*(rateshop_one() for _ in range(5)), *(bare_one() for _ in range(5)))
        for concurrency in levels:
            print(f"{concurrency} concurrent comparisons x {CARRIERS} carriers, {waves} wave(s):")
            for name, one in (
                ("rateshop comparison", rateshop_one),
                ("bare aiohttp fan-out", bare_one),
            ):
                overheads: list[float] = []
                started = time.perf_counter()
                for _ in range(waves):
                    overheads += await asyncio.gather(*(one() for _ in range(concurrency)))
                seconds = time.perf_counter() - started
                print(summary(name, overheads, len(overheads) * CARRIERS, seconds), flush=True)
        await bare.close()
        await registry.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=3, help="waves per concurrency (default 3)")
    parser.add_argument(
        "--concurrency", default="50,200", help="concurrent comparisons per wave (default 50,200)"
    )
    parser.add_argument("--serve-sandboxes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sandboxes:
        asyncio.run(serve_sandboxes())
        return
    sandboxes = subprocess.Popen(
        [sys.executable, __file__, "--serve-sandboxes"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert sandboxes.stdout is not None
        ports = json.loads(sandboxes.stdout.readline())
        print(
            f"{CARRIERS} sandbox carriers (pid {sandboxes.pid}), latency 50-900 ms, "
            f"{ERROR_RATE:.0%} errors; python {sys.version.split()[0]}, {os.cpu_count()} cpus"
        )
        levels = [int(n) for n in args.concurrency.split(",")]
        asyncio.run(run(ports, args.waves, levels))
    finally:
        sandboxes.terminate()
        sandboxes.wait(timeout=10)


if __name__ == "__main__":
    main()
