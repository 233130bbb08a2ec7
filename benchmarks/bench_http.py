"""HTTP speed: stored comparisons per second against the echo baseline of the same app.

Starts ``rateshop serve`` on a free loopback port (1 and 2 workers; a fresh SQLite file, and
PostgreSQL with ``--postgres URL``), sends a bounded load from 16 connections (a fixed number of
requests per endpoint, and a time cap), prints requests/s and p50/p99 latency for ``POST /echo``
(validation and echo of the same body) and ``POST /comparisons`` per line, with the ratio to
echo, then stops the servers it started (by their process ids).

Run: ``python benchmarks/bench_http.py [--requests N] [--postgres URL]``. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 16
TIME_CAP = 60.0  # seconds per endpoint, whatever the request count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workers: int, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = dict(os.environ, RATESHOP_DATABASE_URL=database_url, RATESHOP_DEV_MODE="1")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "rateshop"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.2)
    return proc, base


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)  # the server and the workers it started
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


async def load(base: str, path: str, body: Any, count: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(base, connector=connector) as session:

        async def one() -> None:
            t0 = time.perf_counter()
            async with session.post(path, json=body) as resp:
                await resp.read()
                if resp.status not in (200, 201):
                    raise RuntimeError(f"{path}: HTTP {resp.status}")
            latencies.append(time.perf_counter() - t0)

        for _ in range(20):  # warm-up: caches, connections
            await one()
        latencies.clear()
        remaining = iter(range(count))
        started = time.perf_counter()

        async def worker() -> None:
            for _ in remaining:
                if time.perf_counter() - started > TIME_CAP:
                    return
                await one()

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL to measure too (its tables are created)"
    )
    args = parser.parse_args()
    risks = {
        line: json.loads((ROOT / "examples" / f"{line}.json").read_text())
        for line in ("auto", "home", "life", "health")
    }
    with tempfile.TemporaryDirectory() as tmp:
        databases = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        for db_name, url in databases:
            for workers in (1, 2):
                proc, base = start(workers, url)
                try:
                    echo_rate, p50, p99 = asyncio.run(
                        load(base, "/echo", risks["auto"], args.requests * 3)
                    )
                    print(
                        f"{db_name:10s} workers={workers}  echo            {echo_rate:7.0f}/s  p50 {p50 * 1e3:6.1f} ms  p99 {p99 * 1e3:6.1f} ms"
                    )
                    for line, risk in risks.items():
                        rate, p50, p99 = asyncio.run(
                            load(base, "/comparisons", risk, args.requests)
                        )
                        print(
                            f"{db_name:10s} workers={workers}  compare {line:7s} {rate:7.0f}/s  p50 {p50 * 1e3:6.1f} ms"
                            f"  p99 {p99 * 1e3:6.1f} ms  ratio to echo {rate / echo_rate:.3f}"
                        )
                finally:
                    stop(proc)


if __name__ == "__main__":
    main()
