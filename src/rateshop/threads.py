"""Work handed from the event loop to threads of its own, and its result handed back.

``loop.run_in_executor`` with a :class:`~concurrent.futures.ThreadPoolExecutor` makes a
``concurrent.futures.Future`` per call, chained to an asyncio future by callbacks, and passes each
call through a queue and an idle-thread semaphore built on conditions written in Python. A
comparison hands every carrier's rating over, so that came once per carrier: profiled under load,
the hand-over code took about a seventh of the time of the ratings themselves. :class:`Threads`
hands a call over on a queue written in C and answers its asyncio future directly, with one
``call_soon_threadsafe``; the threads are started as they are needed, up to a bound, like the
executor's.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

_Call = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


class Threads:
    """Up to ``most`` threads named ``name``, each making one call at a time for the event loop.

    A call whose caller stopped waiting before a thread took it up is skipped; one under way runs
    to its end (cancelling the wait leaves the thread to finish). The threads are daemons: a call
    under way does not hold up the process's exit. A child made by fork starts threads of its own
    (calls queued in the parent are the parent's).
    """

    def __init__(self, most: int, name: str) -> None:
        self._calls: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        self._most = most
        self._name = name
        self._lock = threading.Lock()
        self._started = 0
        # Threads done with their last call and not yet promised another: one is promised each
        # call handed over, and a new thread is started only when none is free.
        self._free = 0
        # A child made by fork has none of the parent's threads: it starts its own.
        os.register_at_fork(after_in_child=partial(_after_fork, weakref.WeakMethod(self._forget)))

    def _forget(self) -> None:
        self._calls = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = self._free = 0

    async def call(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in one of the threads, awaited."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._calls.put((loop, future, partial(work, *args)))
        with self._lock:
            if self._free:
                self._free -= 1
                start = False
            else:
                start = self._started < self._most
                self._started += start
        if start:
            threading.Thread(
                target=self._serve, name=f"{self._name}-{self._started}", daemon=True
            ).start()
        return await future

    def _serve(self) -> None:
        while True:
            loop, future, work = self._calls.get()
            if not future.cancelled():  # a hint only: the loop settles the future, not this thread
                try:
                    result, error = work(), None
                except BaseException as exc:  # the caller's to see, in its own task
                    result, error = None, exc
                # Not contextlib.suppress: a context manager in Python code for every call.
                try:  # noqa: SIM105
                    loop.call_soon_threadsafe(_settle, future, result, error)
                except RuntimeError:  # a closed loop: nobody is left to tell
                    pass
                # Not kept alive while this thread waits for its next call.
                del result, error
            del loop, future, work
            with self._lock:
                self._free += 1


def _after_fork(forget: weakref.WeakMethod[Callable[[], None]]) -> None:
    method = forget()
    if method is not None:
        method()


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
