"""Live carriers under load: what a comparison adds beyond the slowest carrier, beside a bare fan-out.

20 sandbox carriers, each answering after a fixed latency spread from 50 to 900 ms, 5 % of
requests failing with 500 after that wait. Each carrier's answer is the sandbox's own answer to
the example auto risk (rated once by ``rateshop carrier-sandbox``'s code from its manual), then
served precomputed by a small loopback server, so the sandboxes cost microseconds a request and
the figures measure rateshop, not the sandbox. The carriers run in processes of their own
(``--sandbox-processes``, pinned away from the process under test when the machine has more than
one CPU), and report how late each answer left them.

Against them, in this process, N comparisons are kept in flight at once (N = ``--concurrency``):
N workers started evenly over one cycle, each comparing, then comparing again, for ``--waves``
cycles. Two paths, measured in alternating rounds of one wave each so a busy machine slows both
alike: rateshop's comparison of the example auto risk through its http connectors (mapping,
transport, checks, breaker, health, the stream) and a bare aiohttp fan-out (the request body
prebuilt, POSTed to the 20 carriers at once on one session, each answer read and parsed as JSON
with orjson, as rateshop's connector parses it).

Once set up, this process's garbage collector is set as ``rateshop serve`` sets a worker's
(``RATESHOP_GC_TUNING``: what start-up left alive frozen, young objects collected in batches),
for both paths alike; ``--collector default`` keeps Python's own settings instead.

The overhead of one comparison is its wall time minus the latency of the slowest carrier that
answered within the deadline (every carrier answers, errors after their latency too, so that is
the 900 ms carrier). Printed per concurrency and path: overhead p50/p99, the CPU time this
process spent per comparison, upstream requests per second, resident memory; the ratio of
rateshop's p99 to the bare fan-out's in the same run; how late the sandboxes' answers left them
(p99), their CPU, and the machine's load average; and CPU per comparison of both paths side by
side, with their ratio and the part of each spent collecting garbage.

Run: ``python benchmarks/bench_live.py [--waves N] [--concurrency 5,50,200] [--ports LO-HI]``.
Bounded: about ``2 × waves × levels`` seconds plus start-up. The sandboxes listen on ports of the
range ``--ports`` (default ``RATESHOP_TEST_PORTS``; without either, ports the system picks): the
carriers on the first 20, the servers rating their answers on the next ones. ``--own N`` instead measures what rateshop's own code
costs per carrier call, on a transport answering at once (no I/O), beside the same fan-out bare.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, cast

import aiohttp
import orjson

ROOT = Path(__file__).resolve().parents[1]
CARRIERS = 20
LATENCY = [0.05 + (0.85 * i) / (CARRIERS - 1) for i in range(CARRIERS)]  # 50 … 900 ms
ERROR_RATE = 0.05
MANUALS = ["ironclad-casualty", "pinnacle-direct", "pinnacle-national", "bluebonnet-county"]
MAPPING = ROOT / "market" / "live" / "carriers" / "common" / "sandbox-json.yaml"
DEADLINE = 10.0
# Where the sandboxes listen: a range of ports given (see ``--ports``), or None for any free one.
PORTS: range | None = None


def port(offset: int) -> int:
    """The port at ``offset`` in the range given (0, any free port, without one)."""
    if PORTS is None:
        return 0
    if offset >= len(PORTS):
        raise SystemExit(
            f"the ports {PORTS.start}-{PORTS.stop - 1} are too few: {offset + 1} needed"
        )
    return PORTS[offset]


def port_range(text: str | None) -> range | None:
    """``LO-HI`` as a range of ports (None for nothing given)."""
    if not text:
        return None
    low, _, high = text.partition("-")
    return range(int(low), int(high or low) + 1)


# --- the sandboxes' processes -----------------------------------------------------------------


def _response(status: int, reason: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Canned(asyncio.Protocol):
    """One carrier's HTTP/1.1 keep-alive server answering each request after its latency.

    Answers on one connection leave in order (the latency is fixed), as HTTP/1.1 requires.
    """

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream transport (uvloop's is not a subclass of asyncio.Transport, only alike)
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            at = head.find(b"content-length:")
            length = 0
            if at >= 0:
                stop = head.find(b"\r\n", at)
                length = int(head[at + 15 : stop if stop >= 0 else len(head)])
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.carrier.received()
            loop = asyncio.get_running_loop()
            due = loop.time() + self.carrier.latency
            loop.call_at(due, self._answer, due)

    def _answer(self, due: float) -> None:
        self.carrier.lags.append(asyncio.get_running_loop().time() - due)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(self.carrier.next_answer())


class Carrier:
    """A sandbox carrier's precomputed answers, its latency and error rate, and how late it ran."""

    def __init__(self, answer: bytes, latency: float, seed: int) -> None:
        self.ok = _response(200, "OK", answer)
        self.error = _response(500, "Internal Server Error", b'{"error": "sandbox error"}')
        self.latency = latency
        self.random = random.Random(seed)
        self.lags: list[float] = []
        self.requests = 0

    def received(self) -> None:
        self.requests += 1

    def next_answer(self) -> bytes:
        return self.error if self.random.random() < ERROR_RATE else self.ok


async def sandbox_answer(index: int, body: bytes, at: int = 0) -> bytes:
    """What the sandbox carrier rating with manual ``index`` answers to ``body``, asked once (the
    sandbox listening on port ``at``, 0 for any)."""
    from rateshop.carriers.sandbox import Sandbox, SandboxConfig, start

    config = SandboxConfig(manuals=ROOT / "manuals" / MANUALS[index % len(MANUALS)], seed=index)
    runner, port = await start(Sandbox(config), at)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/v1/quotes",
                data=body,
                headers={"Content-Type": "application/json"},
            ) as got,
        ):
            assert got.status == 200, await got.text()
            return await got.read()
    finally:
        await runner.cleanup()


async def serve_sandboxes(indexes: list[int], rating_port: int) -> None:
    """Serve the carriers ``indexes`` (carrier i on :func:`port` ``(i)``), their answers rated by a
    sandbox on ``rating_port``; print their ports; on each line of stdin, print stats."""
    from rateshop.carriers.mapping import build, load_mapping

    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    body = json.dumps(build(load_mapping(MAPPING), risk)).encode()
    loop = asyncio.get_running_loop()
    carriers, servers, ports = [], [], []
    for i in indexes:
        carrier = Carrier(await sandbox_answer(i, body, rating_port), LATENCY[i], seed=i)
        server = await loop.create_server(
            lambda c=carrier: Canned(c), "127.0.0.1", port(i), backlog=1024
        )
        carriers.append(carrier)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    print(json.dumps(ports), flush=True)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    cpu = cpu_seconds()
    while await reader.readline():
        lags = sorted(lag for c in carriers for lag in c.lags)
        stats = {
            "requests": sum(c.requests for c in carriers),
            "lag_p50": lags[len(lags) // 2] if lags else 0.0,
            "lag_p99": lags[int(0.99 * (len(lags) - 1))] if lags else 0.0,
            "cpu": cpu_seconds() - cpu,
        }
        cpu = cpu_seconds()
        for c in carriers:
            c.lags.clear()
            c.requests = 0
        print(json.dumps(stats), flush=True)
    for server in servers:
        server.close()


class Sandboxes:
    """The sandbox processes, started and asked for their stats from here."""

    def __init__(self, processes: int, cpus: set[int] | None) -> None:
        self.procs = []
        self.ports: list[int] = [0] * CARRIERS
        groups = [list(range(CARRIERS))[p::processes] for p in range(processes)]
        for p, group in enumerate(groups):
            given = [] if PORTS is None else ["--ports", f"{PORTS.start}-{PORTS.stop - 1}"]
            proc = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--serve-sandboxes",
                    ",".join(map(str, group)),
                    "--rating-port",
                    str(port(CARRIERS + p)),
                    *given,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            if cpus:
                os.sched_setaffinity(proc.pid, cpus)
            self.procs.append((proc, group))
        for proc, group in self.procs:
            assert proc.stdout is not None
            for i, bound in zip(group, json.loads(proc.stdout.readline()), strict=True):
                self.ports[i] = bound

    def stats(self) -> dict[str, float]:
        """Requests, answer lateness (worst process's p50/p99) and CPU seconds since last asked."""
        got = []
        for proc, _ in self.procs:
            assert proc.stdin is not None
            assert proc.stdout is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
            got.append(json.loads(proc.stdout.readline()))
        return {
            "requests": sum(g["requests"] for g in got),
            "lag_p50": max(g["lag_p50"] for g in got),
            "lag_p99": max(g["lag_p99"] for g in got),
            "cpu": sum(g["cpu"] for g in got),
        }

    def stop(self) -> None:
        for proc, _ in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(timeout=10)


# --- the client side --------------------------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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


class GcClock:
    """CPU seconds this process has spent collecting garbage (counted as each collection ends)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


One = Callable[[], Awaitable[float]]


async def keep_in_flight(one: One, concurrency: int, seconds: float) -> list[float]:
    """``concurrency`` comparisons in flight for ``seconds``: workers started evenly over a cycle."""
    overheads: list[float] = []
    loop = asyncio.get_running_loop()
    stop_at = loop.time() + seconds
    cycle = max(LATENCY)

    async def worker(i: int) -> None:
        await asyncio.sleep(cycle * i / concurrency)
        while loop.time() < stop_at:
            overheads.append(await one())

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return overheads


def tune(collector: str) -> None:
    """The collector as ``rateshop serve`` runs a worker (``serve``: what start-up left alive
    frozen, young objects collected in batches, see ``RATESHOP_GC_TUNING``), or Python's
    default; set once for the whole process, so both paths run under the same settings."""
    if collector == "serve":
        from rateshop.api.app import tune_collector

        tune_collector()


async def run(sandboxes: Sandboxes, waves: int, levels: list[int], collector: str) -> None:
    from rateshop.carriers.health import CarrierHealth
    from rateshop.carriers.mapping import build, load_mapping
    from rateshop.compare.market import Market
    from rateshop.compare.registry import Registry
    from rateshop.compare.service import compare_async
    from rateshop.config import Settings
    from rateshop.rating.library import Library

    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    latency = {f"bench-{i:02d}": LATENCY[i] for i in range(CARRIERS)}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            carrier_connections=256, carrier_call_deadline=DEADLINE, breaker_failures=10_000
        )
        market = Market.load(ROOT / "market", catalog(sandboxes.ports, Path(tmp)))
        # Every call timed and counted, as the app does.
        registry = Registry(Library(), market, settings, health=CarrierHealth())
        connectors = registry.connectors("auto", "TX")
        assert len(connectors) == CARRIERS

        body = json.dumps(build(load_mapping(MAPPING), risk)).encode()
        urls = [f"http://127.0.0.1:{p}/v1/quotes" for p in sandboxes.ports]
        bare = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, limit_per_host=256))

        async def rateshop_one() -> float:
            started = time.perf_counter()
            result = await compare_async(risk, connectors, market, DEADLINE)
            took = time.perf_counter() - started
            answered = [*result.quotes, *result.declines, *result.errors]
            assert len(answered) == CARRIERS
            slowest = max(latency[a.carrier] for a in answered if a.error_kind != "timeout")
            return took - slowest

        async def bare_one() -> float:
            async def one(i: int, url: str) -> float:
                async with bare.post(
                    url, data=body, headers={"Content-Type": "application/json"}
                ) as got:
                    orjson.loads(await got.read())
                return LATENCY[i]

            started = time.perf_counter()
            slowest = max(await asyncio.gather(*(one(i, u) for i, u in enumerate(urls))))
            return time.perf_counter() - started - slowest

        tune(collector)
        # Warm both paths (connections, caches) before measuring.
        for one in (rateshop_one, bare_one):
            await keep_in_flight(one, max(levels), max(LATENCY) * 1.5)
        sandboxes.stats()
        collecting = GcClock()
        print(
            f"collector: {collector} {gc.get_threshold()}; "
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        for concurrency in levels:
            print(f"{concurrency} comparisons in flight x {CARRIERS} carriers, {waves} wave(s):")
            figures: dict[str, dict[str, Any]] = {}
            for _ in range(waves):
                for name, one in (("rateshop", rateshop_one), ("bare", bare_one)):
                    got = figures.setdefault(
                        name, {"o": [], "s": 0.0, "cpu": 0.0, "gc": 0.0, "lag": [], "scpu": 0.0}
                    )
                    gc.collect()
                    cpu, started, gcs = cpu_seconds(), time.perf_counter(), collecting.seconds
                    got["o"] += await keep_in_flight(one, concurrency, max(LATENCY))
                    got["s"] += time.perf_counter() - started
                    got["cpu"] += cpu_seconds() - cpu
                    got["gc"] += collecting.seconds - gcs
                    stats = sandboxes.stats()
                    got["lag"].append(stats["lag_p99"])
                    got["scpu"] += stats["cpu"]
            for name, label in (
                ("rateshop", "rateshop comparison"),
                ("bare", "bare aiohttp fan-out"),
            ):
                got = figures[name]
                ms = [o * 1000 for o in got["o"]]
                n = len(ms)
                print(
                    f"  {label:<21} overhead p50 {statistics.median(ms):6.1f} ms  "
                    f"p99 {percentile(ms, 99):6.1f} ms   cpu {got['cpu'] / n * 1000:5.2f} ms/comparison"
                    f"   {n * CARRIERS / got['s']:5.0f} upstream req/s   rss {rss_mb():4.0f} MB"
                    f"   sandboxes: answers late p99 {max(got['lag']) * 1000:5.1f} ms, "
                    f"cpu {got['scpu'] / got['s']:.0%}"
                )
            cpu = {k: v["cpu"] / len(v["o"]) * 1000 for k, v in figures.items()}
            print(
                f"  CPU per comparison: rateshop {cpu['rateshop']:.2f} ms, "
                f"bare {cpu['bare']:.2f} ms, ratio {cpu['rateshop'] / cpu['bare']:.2f}"
                "  (of which collecting garbage: "
                + ", ".join(
                    f"{k} {v['gc'] / len(v['o']) * 1000:.2f} ms" for k, v in figures.items()
                )
                + ")"
            )
            p99 = {k: percentile(v["o"], 99) for k, v in figures.items()}
            ratio = p99["rateshop"] / p99["bare"] if p99["bare"] > 0 else float("inf")
            print(f"  p99 overhead ratio rateshop / bare: {ratio:.2f}", flush=True)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        await bare.close()
        await registry.aclose()


async def own_cost(comparisons: int, collector: str) -> None:
    """rateshop's own CPU per carrier call: its comparisons on a transport answering at once.

    The same 20 carriers and answers as the load run, but no I/O: each request is answered with
    the carrier's stored answer after yielding to the event loop once. Beside it, the same fan-out
    without rateshop (20 coroutines yielding once, each answer parsed with orjson), so the
    difference is what rateshop's own code costs per carrier call, hot (in the load run the same
    code runs colder, its caches shared with the HTTP client's work, and costs more).
    """
    from rateshop.carriers.health import CarrierHealth
    from rateshop.carriers.http import HttpConnector
    from rateshop.carriers.mapping import build, load_mapping
    from rateshop.carriers.transport import Response
    from rateshop.compare.market import Market
    from rateshop.compare.registry import Registry
    from rateshop.compare.service import compare_async
    from rateshop.config import Settings
    from rateshop.rating.library import Library

    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    body = json.dumps(build(load_mapping(MAPPING), risk)).encode()
    stored = [await sandbox_answer(i, body, port(CARRIERS)) for i in range(len(MANUALS))]
    answers = {f"bench-{i:02d}": stored[i % len(MANUALS)] for i in range(CARRIERS)}
    headers = {"content-type": "application/json"}

    class AtOnce:
        async def send(self, carrier: str, method: str, url: str, **_: Any) -> Response:
            await asyncio.sleep(0)
            return Response(200, headers, answers[carrier])

        async def aclose(self) -> None:
            return None

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(carrier_call_deadline=DEADLINE, breaker_failures=10_000)
        # The catalog's URLs are never asked: the transport answers.
        market = Market.load(ROOT / "market", catalog([1] * CARRIERS, Path(tmp)))
        registry = Registry(Library(), market, settings, health=CarrierHealth())
        connectors = registry.connectors("auto", "TX")
        for conn in connectors:
            assert isinstance(conn, HttpConnector)
            conn.transport = AtOnce()  # type: ignore[assignment]
        tune(collector)

        async def rateshop_ten() -> None:
            await asyncio.gather(
                *(compare_async(risk, connectors, market, DEADLINE) for _ in range(10))
            )

        async def bare_ten() -> None:
            async def one(answer: bytes) -> None:
                await asyncio.sleep(0)
                orjson.loads(answer)

            async def fan_out() -> None:
                await asyncio.gather(*(one(a) for a in answers.values()))

            await asyncio.gather(*(fan_out() for _ in range(10)))

        spent: dict[str, list[float]] = {"rateshop": [], "bare": []}
        for _ in range(5):
            for name, ten in (("rateshop", rateshop_ten), ("bare", bare_ten)):
                gc.collect()
                cpu = time.process_time()
                for _ in range(comparisons // 10):
                    await ten()
                spent[name].append((time.process_time() - cpu) / comparisons * 1e6)
        await registry.aclose()
    best = {name: min(times) for name, times in spent.items()}
    print(
        f"On a transport answering at once, {comparisons} comparisons x {CARRIERS} carriers, best "
        f"of 5: rateshop {best['rateshop']:.0f} us per comparison, the bare fan-out "
        f"{best['bare']:.0f} us; rateshop's own code "
        f"{(best['rateshop'] - best['bare']) / CARRIERS:.1f} us per carrier call"
    )


def run_on(loop: str, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on the named event loop."""
    if loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main)
    else:
        asyncio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--waves", type=int, default=3, help="cycles per path and level (3)")
    parser.add_argument(
        "--concurrency", default="5,50,200", help="comparisons kept in flight (5,50,200)"
    )
    parser.add_argument(
        "--sandbox-processes", type=int, default=2, help="processes serving the 20 carriers (2)"
    )
    parser.add_argument(
        "--own",
        type=int,
        metavar="N",
        help="only measure rateshop's own CPU per carrier call, N comparisons on a transport "
        "answering at once",
    )
    parser.add_argument(
        "--collector",
        choices=("serve", "default"),
        default="serve",
        help="garbage collector settings of this process, for both paths: as rateshop serve "
        "runs a worker (serve, the default), or Python's own (default)",
    )
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the event loop of every process, for both paths: uvloop, as rateshop serve runs "
        "its workers (uvicorn picks it when installed; the default), or asyncio's own",
    )
    parser.add_argument(
        "--ports",
        default=os.environ.get("RATESHOP_TEST_PORTS"),
        metavar="LO-HI",
        help="the sandboxes' ports: 20 carriers and one rating server per sandbox process "
        "(default RATESHOP_TEST_PORTS; without either, any free ports)",
    )
    parser.add_argument("--serve-sandboxes", help=argparse.SUPPRESS)
    parser.add_argument("--rating-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global PORTS
    PORTS = port_range(args.ports)
    if args.own:
        run_on(args.loop, own_cost(args.own, args.collector))
        return
    if args.serve_sandboxes:
        indexes = [int(i) for i in args.serve_sandboxes.split(",")]
        run_on(args.loop, serve_sandboxes(indexes, args.rating_port))
        return
    cpus = sorted(os.sched_getaffinity(0))
    # The process under test gets a CPU of its own; the sandboxes share the others.
    mine, theirs = ({cpus[0]}, set(cpus[1:])) if len(cpus) > 1 else (None, None)
    sandboxes = Sandboxes(args.sandbox_processes, theirs)
    try:
        if mine:
            os.sched_setaffinity(0, mine)
        print(
            f"{CARRIERS} sandbox carriers in {args.sandbox_processes} processes"
            f"{f' on cpu {sorted(theirs)}' if theirs else ''}, latency 50-900 ms, "
            f"{ERROR_RATE:.0%} errors, answers precomputed; this process"
            f"{f' on cpu {sorted(mine)}' if mine else ''}, event loop {args.loop}; "
            f"python {sys.version.split()[0]}, "
            f"{os.cpu_count()} cpus"
        )
        levels = [int(n) for n in args.concurrency.split(",")]
        run_on(args.loop, run(sandboxes, args.waves, levels, args.collector))
    finally:
        sandboxes.stop()


if __name__ == "__main__":
    main()
