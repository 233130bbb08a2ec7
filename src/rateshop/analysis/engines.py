"""Where the chunks of a book are rated: this machine's cores, or a Dask cluster.

Both engines read the book chunk by chunk on the calling side, send each chunk to be rated, and
write the answers back in book order, with at most a few chunks in flight, so memory stays
bounded whatever the book's size and the output is the same byte for byte whichever engine ran.

The compiled plans travel to each worker once: to each pool process through its initializer, to
each Dask worker by one broadcast ``scatter``; tasks carry only a reference to them.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import cloudpickle

from rateshop.analysis.book import Chunk
from rateshop.analysis.rate import Rated, rate_chunk
from rateshop.analysis.summary import Summary, aggregate
from rateshop.rating.plan import Plan

__all__ = [
    "Context",
    "Engine",
    "EngineName",
    "Outcome",
    "dask_engine",
    "local_engine",
    "port_kwargs",
    "rate_chunks",
]

EngineName = Literal["local", "dask"]

# Dask's advice: let glibc give freed memory back to the OS promptly, in every worker process.
MALLOC_TRIM_THRESHOLD = "65536"


@dataclass(frozen=True)
class Context:
    """What every chunk is rated with: the plans, the state's ZIPs, the state."""

    plans: Sequence[Plan]
    zips: frozenset[str]
    state: str


@dataclass(frozen=True)
class Outcome:
    """One chunk rated: its rows, errors and summary sums."""

    index: int
    rated: Rated
    summary: Summary


def work(context: Context, chunk: Chunk) -> Outcome:
    """Rate one chunk (runs where the engine puts it)."""
    rated = rate_chunk(context.plans, chunk.table, chunk.first, set(context.zips), context.state)
    return Outcome(chunk.index, rated, aggregate(rated.results))


class Engine(Protocol):
    """Runs :func:`work` on chunks, returning a future per chunk."""

    workers: int

    def submit(self, chunk: Chunk) -> Any: ...

    def result(self, handle: Any) -> Outcome: ...


# --------------------------------------------------------------------------------- local pool
_POOL_CONTEXT: Context | None = None


def _init_pool(payload: bytes) -> None:
    global _POOL_CONTEXT
    _POOL_CONTEXT = cloudpickle.loads(payload)


def _pool_work(chunk: Chunk) -> Outcome:
    assert _POOL_CONTEXT is not None
    return work(_POOL_CONTEXT, chunk)


class _Local:
    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        self.pool = pool
        self.workers = workers

    def submit(self, chunk: Chunk) -> Future[Outcome]:
        return self.pool.submit(_pool_work, chunk)

    def result(self, handle: Future[Outcome]) -> Outcome:
        return handle.result()


class _LocalEngine(AbstractContextManager["_Local"]):
    def __init__(self, context: Context, workers: int | None) -> None:
        self.context = context
        self.workers = workers or os.cpu_count() or 1
        self.stack = ExitStack()

    def __enter__(self) -> _Local:
        os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", MALLOC_TRIM_THRESHOLD)
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_pool,
            initargs=(cloudpickle.dumps(self.context),),
        )
        self.stack.enter_context(pool)
        return _Local(pool, self.workers)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


def local_engine(context: Context, workers: int | None = None) -> _LocalEngine:
    """All cores of this machine (or ``workers`` processes), each with the plans loaded once."""
    return _LocalEngine(context, workers)


# --------------------------------------------------------------------------------------- dask
class _Dask:
    def __init__(self, client: Any, context_future: Any) -> None:
        self.client = client
        self.context = context_future
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def submit(self, chunk: Chunk) -> Any:
        # pure=False: two runs of the same chunk are two tasks, never a cached answer
        return self.client.submit(work, self.context, chunk, pure=False)

    def result(self, handle: Any) -> Outcome:
        out: Outcome = handle.result()
        handle.release()
        return out


def port_kwargs(ports: tuple[int, int] | None) -> dict[str, Any]:
    """LocalCluster arguments keeping the scheduler, workers and nannies within ``ports``
    (first, last): the scheduler on the first, the rest shared by workers and nannies."""
    if ports is None:
        return {"scheduler_port": 0}
    lo, hi = ports
    mid = (lo + 1 + hi) // 2
    return {"scheduler_port": lo, "worker_port": f"{lo + 1}:{mid}", "port": f"{mid + 1}:{hi}"}


class _DaskEngine(AbstractContextManager["_Dask"]):
    def __init__(
        self,
        context: Context,
        scheduler: str | None,
        workers: int | None,
        ports: tuple[int, int] | None,
    ) -> None:
        self.context = context
        self.scheduler = scheduler
        self.workers = workers
        self.ports = ports
        self.stack = ExitStack()

    def __enter__(self) -> _Dask:
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            client = self.stack.enter_context(Client(self.scheduler))  # type: ignore[no-untyped-call]
        else:
            with dask.config.set(
                {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 65536}
            ):
                cluster = self.stack.enter_context(
                    LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=self.workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        **port_kwargs(self.ports),
                    )
                )
            client = self.stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
        # one copy of the plans on every worker; tasks name it, they do not carry it
        context = client.scatter(self.context, broadcast=True)
        return _Dask(client, context)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


def dask_engine(
    context: Context,
    scheduler: str | None = None,
    workers: int | None = None,
    ports: tuple[int, int] | None = None,
) -> _DaskEngine:
    """A Dask cluster: the one at ``scheduler``, or a local one of ``workers`` processes on
    127.0.0.1 (within ``ports``, first and last, when given; any free ports otherwise)."""
    return _DaskEngine(context, scheduler, workers, ports)


# ------------------------------------------------------------------------------------ driving
def rate_chunks(
    engine: Engine,
    chunks: Iterator[Chunk],
    on_done: Callable[[Outcome, int], None],
    in_flight: int | None = None,
) -> None:
    """Send chunks to ``engine`` and hand each outcome to ``on_done`` in book order, with its
    row count; at most ``in_flight`` chunks (two per worker by default) are out at once."""
    limit = in_flight or 2 * engine.workers
    pending: deque[tuple[Any, int]] = deque()
    for chunk in chunks:
        pending.append((engine.submit(chunk), chunk.table.num_rows))
        while len(pending) >= limit:
            handle, n = pending.popleft()
            on_done(engine.result(handle), n)
    while pending:
        handle, n = pending.popleft()
        on_done(engine.result(handle), n)
