"""Mutated manuals load or are refused with ManualError problems that have a file and a reason.

Starting from a test manual and a shipped one, each example changes a few things an uploaded
manual could get wrong: a YAML value replaced by another of any type, a key dropped or added, an
expression's text garbled, a CSV cell, row or header changed, or the raw YAML text edited. Loading
and compiling must then either succeed or raise :class:`ManualError`, and the stored cases of a
manual that loads must run (as an upload runs them); any other exception is a bug.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from paths import ROOT
from rateshop.errors import ManualError
from rateshop.rating.checks import run_cases
from rateshop.rating.library import load_plan

SEEDS = {
    "auto-mini": ROOT / "tests" / "fixtures" / "auto-mini",
    "shipped": ROOT / "manuals" / "pinnacle-national" / "auto-tx-2026-01-01",
}
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces of expressions and of YAML, so random text often gets past the first check.
TOKENS = [
    "driver", "incident", ".", "age", "kind", "(", ")", "[", "]", "{", "}", ",", ":", " + ",
    " * ", " / ", " if ", " else ", " for ", " in ", " and ", "not ", "count(", "sum(", "any(",
    "occurrence(", "by=", "same=", "where=", "round(", "'dwi'", "1e999999", "-", "0.5", "10",
    "==", "<", "date('2025-02-30')", "points(", "column=", "&a", "*a", "!!binary", "\\", "'",
    '"', "#", "\n", "  ", "\t", "\x00", "é", "9" * 50,
]  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
)
SCALARS = st.one_of(
    TEXT,
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(TEXT, st.integers()), inner, max_size=4),
    ),
    max_leaves=8,
)


def paths(doc: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a YAML document."""
    out = [here]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(paths(value, (*here, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.extend(paths(value, (*here, i)))
    return out


def get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def mutate_document(doc: Any, data: st.DataObject) -> Any:
    """A few random changes to a parsed YAML document."""
    for _ in range(data.draw(st.integers(1, 3))):
        targets = [p for p in paths(doc) if p]
        if not targets:
            return data.draw(VALUES)
        path = data.draw(st.sampled_from(targets))
        parent, last = get(doc, path[:-1]), path[-1]
        value = parent[last]
        action = data.draw(st.sampled_from(["replace", "drop", "add", "garble"]))
        if action == "replace":
            parent[last] = data.draw(VALUES)
        elif action == "drop":
            del parent[last]
        elif action == "add" and isinstance(value, dict):
            value[data.draw(TEXT)] = data.draw(VALUES)
        elif action == "add" and isinstance(value, list):
            value.insert(data.draw(st.integers(0, len(value))), data.draw(VALUES))
        elif isinstance(value, str):
            cut = data.draw(st.integers(0, len(value)))
            parent[last] = (
                value[:cut] + data.draw(TEXT) + value[cut + data.draw(st.integers(0, 3)) :]
            )
        else:
            parent[last] = data.draw(VALUES)
    return doc


def mutate_csv(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        if not lines:
            lines.append(data.draw(TEXT))
            continue
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["cell", "drop", "copy", "insert"]))
        if action == "cell":
            cells = lines[i].split(",")
            cells[data.draw(st.integers(0, len(cells) - 1))] = data.draw(TEXT)
            lines[i] = ",".join(cells)
        elif action == "drop":
            del lines[i]
        elif action == "copy":
            lines.insert(i, lines[i])
        else:
            lines.insert(i, data.draw(TEXT))
    return "\n".join(lines) + "\n"


def check_loads_or_refuses(folder: Path) -> None:
    """Load, compile and run the stored cases as an upload does; only ManualError may escape."""
    problems = []
    try:
        plan = load_plan(folder)
    except ManualError as exc:
        problems = exc.problems or [None]
    else:
        run_cases(plan)  # a case may fail; running it may not raise
    for problem in problems:
        assert problem is not None
        assert problem.file
        assert problem.reason


def copy_seed(seed: str, into: Path) -> Path:
    source = SEEDS[seed]
    shutil.copytree(source, into / "carrier" / "manual")
    common = source.parent / "common"
    if common.is_dir():
        shutil.copytree(common, into / "carrier" / "common")
    return into / "carrier" / "manual"


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_yaml_values_load_or_are_refused(seed: str) -> None:
    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = copy_seed(seed, Path(tmp))
            name = data.draw(st.sampled_from(["manual.yaml", "manual.yaml", "tests.yaml"]))
            path = folder / name
            doc = mutate_document(yaml.safe_load(path.read_text(encoding="utf-8")), data)
            path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
            check_loads_or_refuses(folder)

    check()


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_mutated_tables_and_text_load_or_are_refused(seed: str) -> None:
    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = copy_seed(seed, Path(tmp))
            files = [*sorted(folder.parent.rglob("*.csv")), folder / "manual.yaml"]
            path = data.draw(st.sampled_from(files))
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".csv":
                text = mutate_csv(text, data)
            else:
                for _ in range(data.draw(st.integers(1, 3))):
                    at = data.draw(st.integers(0, len(text)))
                    drop = data.draw(st.integers(0, 5))
                    text = text[:at] + data.draw(TEXT) + text[at + drop :]
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            check_loads_or_refuses(folder)

    check()
