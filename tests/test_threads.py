"""Work handed to threads of its own from the event loop: answers, errors, bounds and cancelling."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest

from rateshop.threads import Threads


def test_each_call_is_answered_with_its_result_or_its_error() -> None:
    threads = Threads(2, "test-answers")

    def fail() -> None:
        raise ValueError("no")

    async def main() -> None:
        assert await threads.call(pow, 2, 10) == 1024
        with pytest.raises(ValueError, match="no"):
            await threads.call(fail)
        names = await asyncio.gather(
            *(threads.call(lambda: threading.current_thread().name) for _ in range(20))
        )
        assert set(names) <= {"test-answers-1", "test-answers-2"}

    asyncio.run(main())


def test_a_held_call_holds_only_its_own_thread_and_a_call_given_up_is_skipped() -> None:
    threads = Threads(2, "test-held")
    held, release = threading.Event(), threading.Event()
    made: list[str] = []

    def hold() -> None:
        held.set()
        release.wait(30)
        made.append("held")

    async def main() -> None:
        first = asyncio.ensure_future(threads.call(hold))
        await asyncio.to_thread(held.wait, 30)
        # The other thread answers while the first is held.
        assert await threads.call(made.append, "quick") is None
        # Both threads busy: a call waits for one; given up before then, it is never made.
        second = asyncio.ensure_future(threads.call(hold))
        third = asyncio.ensure_future(threads.call(made.append, "given up"))
        await asyncio.sleep(0)
        third.cancel()
        release.set()
        await first
        await second
        assert await threads.call(made.append, "after") is None

    asyncio.run(main())
    assert made == ["quick", "held", "held", "after"]


def test_a_child_made_by_fork_starts_threads_of_its_own() -> None:
    threads = Threads(1, "test-fork")
    assert asyncio.run(threads.call(pow, 3, 2)) == 9  # the parent's thread is started, and free
    child = os.fork()
    if child == 0:  # the child: answered by a thread of its own, or it fails at the time limit
        signal.alarm(20)
        os._exit(0 if asyncio.run(threads.call(pow, 2, 5)) == 32 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
