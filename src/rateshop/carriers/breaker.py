"""A small circuit breaker per live carrier: after repeated failures, stop asking for a while.

Closed, it counts failures in a rolling window; ``failures`` of them open it. Open, every call is
refused at once (the carrier is ``unavailable``) until ``cooldown`` seconds have passed; then one
call goes through (half-open): its success closes the breaker, its failure opens it again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class Breaker:
    """One carrier's breaker (see the module's docstring)."""

    def __init__(
        self,
        failures: int,
        window: float,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures, self.window, self.cooldown = failures, window, cooldown
        self.clock = clock
        self.state: State = "closed"
        self._failed: deque[float] = deque()
        self._opened_at = 0.0
        self._trial = False

    def allow(self) -> bool:
        """Whether a call may go to the carrier now."""
        if self.state == "closed":
            return True
        if self.state == "open" and self.clock() - self._opened_at >= self.cooldown:
            self.state = "half_open"
            self._trial = False
        if self.state == "half_open" and not self._trial:
            self._trial = True
            return True
        return False

    def record(self, ok: bool) -> None:
        """The outcome of a call that was allowed."""
        now = self.clock()
        if self.state == "half_open":
            self._trial = False
            if ok:
                self.state = "closed"
                self._failed.clear()
            else:
                self.state, self._opened_at = "open", now
            return
        if ok:
            return
        self._failed.append(now)
        while self._failed and now - self._failed[0] > self.window:
            self._failed.popleft()
        if len(self._failed) >= self.failures:
            self.state, self._opened_at = "open", now
            self._failed.clear()
