"""What the app loads once per process (the store, the compiled manuals, the market and its states),
and how a request of the API or of the pages gets it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from rateshop.carriers.health import CarrierHealth
from rateshop.compare.default import load_market
from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.compare.service import Comparison
from rateshop.config import Settings
from rateshop.rating.library import Library
from rateshop.services.market import MarketSync
from rateshop.services.states import StateRules, load_states
from rateshop.store.migrate import upgrade
from rateshop.store.repository import Save, Store, new_owner_key, new_ref
from rateshop.threads import Threads

# The threads that commit SQLite's batches (one at a time per store, see Runtime.save), handed
# over without the thread pool's machinery around each batch (see rateshop.threads).
_SAVING = Threads(4, "rateshop-save")


@dataclass(frozen=True)
class Keys:
    """A comparison's two secrets: the reference that reads it and the owner key that deletes it."""

    ref: str
    owner_key: str

    @classmethod
    def new(cls) -> Keys:
        """Fresh, unguessable keys for a comparison about to be stored."""
        return cls(new_ref(), new_owner_key())


@dataclass
class Runtime:
    """Everything a request needs that is not in the request."""

    settings: Settings
    store: Store
    library: Library
    market: Market
    states: dict[str, StateRules]
    registry: Registry
    sync: MarketSync
    # SQLite has one writer at a time, and syncs its log to disk at each commit (a millisecond or
    # two). Saves are gathered and committed together by one writer per process: the comparisons
    # that came while one commit was being synced go in the next, in one transaction.
    _batch: list[tuple[Save, asyncio.Future[str]]] | None = field(default=None, init=False)
    _writer: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.store.engine.dialect.name == "sqlite":
            self._batch = []

    @classmethod
    def start(cls, settings: Settings) -> Runtime:
        """Open the store (its key is checked first), bring its schema to head, load the market.

        Loading the market lists its manuals without compiling any: each is compiled when a
        request first needs it (see :mod:`rateshop.rating.library`), so starting takes the same
        time whatever the market's size. The listing is made once per process
        (:func:`rateshop.compare.default.load_market`), so a second app in the same process
        starts at once.
        """
        store = Store.open(settings)
        try:
            upgrade(settings.database_url)
            library, market = load_market(
                settings.manuals.resolve(), settings.market.resolve(), settings.live_catalog
            )
            states = load_states(settings.market)
            # Versions uploaded through other workers or servers, before the first request.
            sync = MarketSync(
                store.uploads, library, settings.manuals.resolve(), settings.market_sync_seconds
            )
            sync.catch_up()
        except BaseException:
            store.close()
            raise
        # Quotes carry no worksheet: each is made again on demand from its exact manual version.
        registry = Registry(library, market, settings, health=CarrierHealth(), worksheets=False)
        return cls(settings, store, library, market, states, registry, sync)

    async def save(
        self,
        comparison: Comparison,
        risk: Mapping[str, Any],
        data: Mapping[str, Any] | None = None,
        keys: Keys | None = None,
    ) -> str:
        """Store a comparison from the event loop (in a worker thread); returns its reference.

        ``data`` is ``comparison.to_dict()`` when the caller has made it already; ``keys`` the
        reference and owner key to store it under (a new reference and no owner key by default).
        """
        if self._batch is None:
            save = partial(
                self.store.save,
                comparison,
                risk,
                data,
                ref=keys.ref if keys else None,
                owner_key=keys.owner_key if keys else None,
            )
            return await run_in_threadpool(save)
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        item: Save = (
            comparison,
            risk,
            data,
            keys.ref if keys else None,
            keys.owner_key if keys else None,
        )
        self._batch.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        # A caller that stops waiting leaves its comparison to be stored all the same.
        return await asyncio.shield(done)

    async def _write_batches(self) -> None:
        """Commit what has gathered, one transaction at a time, until nothing is waiting."""
        assert self._batch is not None
        while self._batch:
            batch, self._batch[:] = list(self._batch), []
            results: list[str | BaseException]
            try:
                results = list(await _SAVING.call(self.store.save_many, [s for s, _ in batch]))
            except Exception as exc:  # the store failed as a whole: every waiting save with it
                results = [exc] * len(batch)
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():
                    continue
                if isinstance(result, BaseException):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    def close(self) -> None:
        """Release the store's database connections."""
        self.store.close()


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving ``request``, as it is (see :func:`runtime`)."""
    return cast(Runtime, request.app.state.runtime)


async def runtime(request: Request) -> Runtime:
    """The runtime of the app serving ``request`` (set by its start-up), its market brought up to
    date with uploads made elsewhere when the last look is old (in a thread: it asks the store).

    A coroutine, so FastAPI does not hand every request to a thread just to read an attribute.
    """
    rt = runtime_of(request)
    if rt.sync.due():
        await run_in_threadpool(rt.sync.keep_up)
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]
