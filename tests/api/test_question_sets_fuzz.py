"""Near-valid risks of every question set: only the documented errors ever come out.

Hypothesis takes the shipped example of each line and breaks it a little: a field dropped, a value
of another type, a huge number, an odd date, a long string, a lone surrogate, nested junk. Each
broken risk goes to the API (a 201 or a 422 in the documented error body, never a 5xx), to the
library (a comparison or a :class:`~rateshop.errors.RateshopError`, never another exception) and,
for a few, to the command line (a message and exit status 2, never a traceback).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from apikit import ROOT, Client, example
from fuzzkit import BACKENDS, Tally, served
from hypothesis import strategies as st

import rateshop
from rateshop.errors import RateshopError

LINES = ("auto", "home", "life", "health")
RISKS_PER_LINE = 25
LIBRARY_RISKS = 40

BOUNDED = hypothesis.settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)

# Values that are each wrong somewhere: other types, extremes, odd dates, odd text.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**30, -1, 0, 2**63, 1e308, -0.0, 0.5]),
    st.sampled_from(
        ["", "2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "1e3", "NaN", "TX" * 5000]
    ),
    st.sampled_from(["\ud800", "a\udfffb", "\u0000", "\U0001f697", "\u202e", " " * 3]),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.recursive(st.integers(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)),
)


def _paths(value: Any, where: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path to a value inside a risk."""
    if where:
        yield where
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*where, i))


@st.composite
def near_valid(draw: st.DrawFn, line: str) -> dict[str, Any]:
    """The example of ``line`` with one to three of its values broken."""
    risk = copy.deepcopy(example(line))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(risk))
        where = draw(st.sampled_from(paths)) if paths else ()
        parent: Any = risk
        for step in where[:-1]:
            parent = parent[step]
        key = where[-1] if where else None
        how = draw(st.sampled_from(["drop", "replace", "add"]))
        if key is None:
            continue
        if how == "drop" and isinstance(parent, dict | list):
            del parent[key]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "\ud800", "", "drivers"]))] = draw(JUNK)
        else:
            parent[key] = draw(JUNK)
    return risk


def _wire(risk: Any) -> bytes:
    """JSON as a client would send it; lone surrogates travel escaped, as JSON allows."""
    return json.dumps(risk).encode()


def _check_answer(reply: Any) -> None:
    assert reply.status in (201, 422), reply.text[:500]
    body = reply.json
    if reply.status == 422:
        assert set(body) == {"error", "message", "errors"}, body
        assert body["error"] == "invalid_request"
        assert body["errors"], body
        for error in body["errors"]:
            assert set(error) <= {"field", "problem", "allowed"}
            assert isinstance(error["field"], str)
            assert error["field"]
            assert isinstance(error["problem"], str)
            assert error["problem"]
    else:
        assert isinstance(body["ref"], str)


@pytest.fixture(scope="module", params=BACKENDS)
def api(request: pytest.FixtureRequest) -> Iterator[tuple[Client, Tally]]:
    """A client of the app served on each backend, and the tally of what it sent."""
    tally = Tally(f"question-set fuzz on {request.param}")
    with served(request, request.param) as server:
        client = Client(server.url)
        try:
            yield client, tally
        finally:
            client.close()
    tally.report(request.config)


@pytest.mark.parametrize("line", LINES)
def test_a_near_valid_risk_is_compared_or_refused_with_the_documented_body(
    api: tuple[Client, Tally], line: str
) -> None:
    client, tally = api

    @hypothesis.given(near_valid(line))
    @hypothesis.settings(BOUNDED, max_examples=RISKS_PER_LINE)
    def check(risk: dict[str, Any]) -> None:
        reply = client.call(
            "POST", "/comparisons", data=_wire(risk), headers={"Content-Type": "application/json"}
        )
        tally.note(reply.status)
        _check_answer(reply)

    check()


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The library reads the shipped market, wherever the tests run from."""
    before = {k: os.environ.get(k) for k in ("RATESHOP_MANUALS", "RATESHOP_MARKET")}
    os.environ["RATESHOP_MANUALS"] = str(ROOT / "manuals")
    os.environ["RATESHOP_MARKET"] = str(ROOT / "market")
    yield
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_library_answers_a_near_valid_risk_or_raises_a_rateshop_error(market: None) -> None:
    tried: list[str] = []

    @hypothesis.given(st.sampled_from(LINES).flatmap(near_valid))
    @hypothesis.settings(BOUNDED, max_examples=LIBRARY_RISKS)
    def check(risk: dict[str, Any]) -> None:
        tried.append(risk.get("line", "?"))
        try:
            result = rateshop.compare_risk(risk)
        except RateshopError:
            return
        # Carriers that could not rate it say why, each as a documented kind of error.
        for answer in result.errors:
            assert answer.error_kind in ("bad_input", "unavailable"), answer.error

    check()
    assert len(tried) >= LIBRARY_RISKS // 2


def _broken(case: str) -> dict[str, Any]:
    """Fixed near-valid risks, one per way the command line answers: a wrong type, a lone surrogate."""
    if case == "wrong type":
        risk = example("auto")
        risk["drivers"][0]["birth_date"] = 19810417
    else:
        risk = example("home")
        risk["zip"] = "7874\ud800"
    return risk


# Each run loads the whole market (several seconds), so two cases, not a generated many.
CLI_CASES = ["wrong type", "lone surrogate"]
_quoted: dict[str, subprocess.CompletedProcess[str]] = {}


def _quote(case: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``rateshop quote`` of the broken risk ``case``, run once per case (each run loads the market)."""
    if case not in _quoted:
        path = folder / "risk.json"
        path.write_bytes(_wire(_broken(case)))
        env = {
            **os.environ,
            "RATESHOP_MANUALS": str(ROOT / "manuals"),
            "RATESHOP_MARKET": str(ROOT / "market"),
        }
        _quoted[case] = subprocess.run(
            [str(Path(sys.executable).with_name("rateshop")), "quote", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    return _quoted[case]


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_command_line_never_shows_a_traceback(tmp_path: Path, case: str) -> None:
    done = _quote(case, tmp_path)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode in (0, 2)


@pytest.mark.parametrize("case", ["wrong type", "lone surrogate"])
def test_the_command_line_refuses_a_broken_risk_with_status_2(tmp_path: Path, case: str) -> None:
    done = _quote(case, tmp_path)
    assert done.returncode == 2, done.stdout[-500:]
    assert "the risk has problems" in done.stderr
