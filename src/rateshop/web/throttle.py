"""Failed log-ins counted per address and username, so passwords cannot be guessed at speed.

Each process keeps its own counts (a server with N workers allows up to N times the limit): enough
to make guessing slow, with nothing to run beside the app. A success clears the count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 5
WINDOW_SECONDS = 15 * 60.0


class LoginThrottle:
    """At most ``limit`` failed log-ins per key in any ``window`` seconds."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: tuple[str, str]) -> float:
        """Seconds before ``key`` may try again; 0 when it may try now."""
        now = self.clock()
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return 0.0
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[key]
                return 0.0
            if len(failures) < self.limit:
                return 0.0
            return failures[0] + self.window - now

    def failed(self, key: tuple[str, str]) -> None:
        """Count one failed log-in for ``key``."""
        with self._lock:
            self._failures.setdefault(key, deque()).append(self.clock())

    def succeeded(self, key: tuple[str, str]) -> None:
        """Forget ``key``'s failures."""
        with self._lock:
            self._failures.pop(key, None)
