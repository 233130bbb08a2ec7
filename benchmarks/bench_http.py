"""HTTP speed: stored comparisons per second against the echo baseline of the same app, same run.

Starts ``rateshop serve`` on a free loopback port with 1 and then 2 worker processes, on a fresh
SQLite file and (with ``--postgres URL``) on PostgreSQL in a schema of its own that is dropped at
the end. For each line's example it sends a bounded load from 16 connections — a fixed number of
requests, cut at a time cap — first to ``POST /echo`` (the same body validated and sent back:
the framework's own cost) and then to ``POST /comparisons`` (validated, rated by every carrier,
stored, answered lean: each quote with the link to its worksheet), then ``GET`` of one quote's
worksheet (made again on demand with the exact manual version). It prints requests/s, p50 and
p99 of each, the server's CPU milliseconds per request (no waiting for a core in it, so a
shared machine disturbs it less than the wall times, though a busy core still runs slower) and
the ratio of comparisons to echo, then stops the server it started by its process id. The rate
limits are set out of the way (the load comes from one address).

Targets (issue 10), for the lean answer: auto >= 300 comparisons/s per worker and p99 <= 50 ms on
one worker; the ratio to echo is reported (the long-run goal stays 0.5).

Run: ``python benchmarks/bench_http.py [--requests N] [--postgres URL] [--lines auto,life]
[--workers 1,2] [--port P]``. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CONNECTIONS = 16
WARM_UP = 32  # requests per endpoint before measuring: connections, caches, the first JIT paths
TIME_CAP = 30.0  # seconds of load per endpoint, whatever the request count
START_CAP = 90.0  # seconds a server may take to answer its first request
LINES = ("auto", "home", "life", "health")


@dataclass(frozen=True)
class Figures:
    """A measured load: requests per second and latency percentiles in seconds."""

    rate: float
    p50: float
    p99: float
    count: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def served(workers: int, database_url: str, port: int = 0) -> Iterator[tuple[str, int]]:
    """``rateshop serve`` on ``port`` (a free loopback port when 0) until the block ends; yields
    its base URL and process id."""
    port = port or free_port()
    env = dict(
        os.environ,
        RATESHOP_DATABASE_URL=database_url,
        RATESHOP_DEV_MODE="1",
        RATESHOP_RATE_LIMIT_COMPARE="100000000/minute",
        RATESHOP_RATE_LIMIT_READ="100000000/minute",
    )
    command = [str(Path(sys.executable).parent / "rateshop"), "serve", "--host", HOST]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the workers stop with it
    )
    try:
        base = f"http://{HOST}:{port}"
        asyncio.run(wait_ready(base, proc))
        yield base, proc.pid
    finally:
        stop(proc)


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_CAP
    async with aiohttp.ClientSession(base) as session:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with {proc.returncode} before answering")
            try:
                async with session.get("/lines") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server at {base} did not answer in {START_CAP:.0f} s")
            await asyncio.sleep(0.2)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server ``pid`` and its worker processes.

    On a shared machine a request's wall time includes waiting for a core; its CPU time does not,
    so the CPU per request compares runs made under different loads (nan without ``/proc``).
    """
    try:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
        total = 0
        for one in pids:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, ValueError):
        return float("nan")
    return total / os.sysconf("SC_CLK_TCK")


def loaded(pid: int, base: str, path: str, body: Any, count: int) -> tuple[Figures, str]:
    """:func:`load`, with the server's CPU milliseconds per request as a column."""
    before = server_cpu(pid)
    figures = asyncio.run(load(base, path, body, count))
    per = (server_cpu(pid) - before) / max(1, figures.count) * 1e3
    return figures, f"  cpu {per:5.2f} ms/req"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server started here and the workers of its process group, by its process id."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)


async def load(base: str, path: str, body: Any, count: int) -> Figures:
    """``count`` POSTs of ``body`` (GETs when it is None) from 16 connections at once (stopping
    at the time cap)."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(base, connector=connector) as session:

        async def one() -> None:
            t0 = time.perf_counter()
            sent = (
                session.get(path)
                if body is None
                else session.post(path, data=payload, headers=headers)
            )
            async with sent as resp:
                await resp.read()
                if resp.status not in (200, 201):
                    raise RuntimeError(f"{path}: HTTP {resp.status}")
            latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(one() for _ in range(WARM_UP)))
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
    n = len(latencies)
    return Figures(n / elapsed, latencies[n // 2], latencies[min(n - 1, int(n * 0.99))], n)


async def first_worksheet(base: str, risk: Any) -> str:
    """The worksheet link of the cheapest quote of a new comparison of ``risk``."""
    async with (
        aiohttp.ClientSession(base) as session,
        session.post("/comparisons", json=risk) as resp,
    ):
        answer = await resp.json()
    return str(answer["quotes"][0]["quote"]["worksheet_url"])


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A schema of its own in the PostgreSQL database at ``url``, dropped afterwards."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.host not in (HOST, "localhost"):
        raise SystemExit(f"loopback only: {parsed.host} is not {HOST}")
    schema = f"rateshop_bench_{secrets.token_hex(4)}"
    admin = create_engine(parsed)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def row(db: str, workers: int, what: str, f: Figures, extra: str = "") -> str:
    return (
        f"{db:10s} workers={workers}  {what:16s} {f.rate:7.0f}/s  p50 {f.p50 * 1e3:6.1f} ms"
        f"  p99 {f.p99 * 1e3:6.1f} ms  n={f.count}{extra}"
    )


def measure(
    db: str,
    url: str,
    requests: int,
    risks: dict[str, Any],
    workers_list: tuple[int, ...] = (1, 2),
    port: int = 0,
) -> None:
    for workers in workers_list:
        with served(workers, url, port) as (base, pid):
            for line in risks:
                echo, echo_cpu = loaded(pid, base, "/echo", risks[line], requests)
                stored, stored_cpu = loaded(pid, base, "/comparisons", risks[line], requests)
                print(row(db, workers, f"echo {line}", echo, echo_cpu), flush=True)
                ratio = f"  ratio {stored.rate / echo.rate:.2f}"
                print(row(db, workers, f"compare {line}", stored, stored_cpu + ratio), flush=True)
                link = asyncio.run(first_worksheet(base, risks[line]))
                explained, explained_cpu = loaded(pid, base, link, None, requests)
                print(row(db, workers, f"worksheet {line}", explained, explained_cpu), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per endpoint and line")
    parser.add_argument("--postgres", help="a loopback PostgreSQL URL to measure too")
    parser.add_argument(
        "--lines", default=",".join(LINES), help="lines to measure (comma-separated)"
    )
    parser.add_argument("--workers", default="1,2", help="worker counts (comma-separated)")
    parser.add_argument("--port", type=int, default=0, help="the server's port (0: a free one)")
    args = parser.parse_args()
    lines = [line for line in args.lines.split(",") if line]
    workers = tuple(int(w) for w in args.workers.split(","))
    risks = {line: json.loads((ROOT / "examples" / f"{line}.json").read_text()) for line in lines}
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{tmp}/bench.db", args.requests, risks, workers, args.port)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            measure("postgresql", url, args.requests, risks, workers, args.port)


if __name__ == "__main__":
    main()
