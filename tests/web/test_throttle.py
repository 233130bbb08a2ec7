"""Failed log-ins: counted per address and username, in a sliding window, cleared by a success."""

from __future__ import annotations

from rateshop.web.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_blocks_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=3, window=60.0, clock=clock)
    key = ("127.0.0.1", "ada")
    for _ in range(2):
        throttle.failed(key)
        clock.now += 10
    assert throttle.wait(key) == 0.0
    throttle.failed(key)  # the third, at t=1020
    assert throttle.wait(key) == 40.0  # the first (t=1000) leaves the window at t=1060
    assert throttle.wait(("127.0.0.1", "bob")) == 0.0
    assert throttle.wait(("10.0.0.9", "ada")) == 0.0
    clock.now = 1060.0
    assert throttle.wait(key) == 0.0


def test_a_success_forgets_the_failures() -> None:
    throttle = LoginThrottle(limit=2, window=60.0, clock=Clock())
    key = ("127.0.0.1", "ada")
    throttle.failed(key)
    throttle.failed(key)
    assert throttle.wait(key) > 0
    throttle.succeeded(key)
    assert throttle.wait(key) == 0.0
