"""The guards' checks on their own, without a server: the in-process rate window and the body check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from limits import parse

from rateshop.api import guards
from rateshop.api.guards import MAX_DEPTH, LocalWindow, json_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Clock:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    made = Clock()
    monkeypatch.setattr(guards.time, "monotonic", made)
    return made


def test_the_window_lets_the_limit_through_then_says_when_the_oldest_hit_leaves(
    clock: Clock,
) -> None:
    window = LocalWindow()
    three = parse("3/minute")
    hits = []
    for _ in range(3):
        hits.append(window.hit(three, "compare", "10.0.0.1"))
        clock.now += 10
    assert hits == [None, None, None]
    # The first hit was 30 s ago: it leaves the window in 30 s.
    assert window.hit(three, "compare", "10.0.0.1") == 30
    # A refused hit is not counted, and other addresses and kinds count apart.
    assert window.hit(three, "read", "10.0.0.1") is None
    assert window.hit(three, "compare", "10.0.0.2") is None
    clock.now += 30  # the first hit is now a minute old: out of the window
    assert window.hit(three, "compare", "10.0.0.1") is None
    assert window.hit(three, "compare", "10.0.0.1") == 10


def test_the_window_forgets_addresses_that_stopped_asking(clock: Clock) -> None:
    window = LocalWindow()
    one = parse("1/second")
    for n in range(100):
        assert window.hit(one, "read", f"10.0.1.{n}") is None
    clock.now += 5
    assert window.hit(one, "read", "10.0.2.1") is None
    assert len(window._hits) == 1


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_a_readable_body_has_no_problem_at_a_glance_or_after_a_closer_look() -> None:
    risk = (EXAMPLES / "auto.json").read_bytes()
    assert json_problem(risk) is None
    nested: object = "deep"
    for _ in range(MAX_DEPTH):
        nested = [nested]
    assert json_problem(body(nested)) is None  # exactly the depth allowed
    # Brackets in text are no nesting, and a big integer is for the validators to judge.
    assert json_problem(body({"note": "[" * 100, "n": 10**30})) is None


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        (b'{"drivers": [{"name": "a\\u0000b"}]}', "drivers[0].name", "holds a NUL character"),
        (b'{"make": "\\ud800"}', "make", "holds a lone surrogate"),
        (b'{"a\\u0000": 1}', "body", "a name holds a NUL character"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "body", "nests more than"),
        (b'{"line": "auto"', "body", "is not valid JSON"),
        (b'{"x": NaN}', None, None),  # the standard parser reads NaN: the validators refuse it
        (b"\xef\xbb\xbf{}", "body", "is not valid JSON"),
        (b'{"line": "\xff"}', "body", "is not UTF-8 text (byte 10)"),
    ],
)
def test_what_the_parser_at_a_glance_refuses_is_named_by_the_closer_look(
    raw: bytes, field: str | None, problem: str | None
) -> None:
    found = json_problem(raw)
    if field is None:
        assert found is None
        return
    assert found is not None
    assert (found.field, found.problem.startswith(problem or "")) == (field, True), found
