"""Golden worksheets: every example risk's worksheet from every carrier of the shipped market,
step by step, stored as data in ``tests/golden/`` and compared line by line.

A change to the engine or to a manual that moves any step of any example's price shows here as
the steps that moved (carrier, step, before → after), not as one total that differs. When the
change is meant, rewrite the files on purpose and review their diff like code:

    pytest tests/test_golden_worksheets.py --regenerate-golden
"""

from __future__ import annotations

import difflib
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.default import load_market
from rateshop.compare.service import compare
from rateshop.rating.quote import Quote

GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = sorted(
    p.stem
    for p in (ROOT / "examples").glob("*.json")
    if "line" in json.loads(p.read_text(encoding="utf-8"))
)


def _line(row: dict[str, Any]) -> str:
    """One worksheet line as one text line: where, what was looked up, the factor, the total."""
    unit = f"{row['unit']} " if row["unit"] else ""
    applied = "" if row["applied"] else "  (not applied)"
    note = f"  [{row['note']}]" if row["note"] else ""
    key = f" {row['key']}" if row["key"] else ""
    return f"{unit}{row['component']}.{row['step']}:{key} {row['value']} -> {row['total']}{applied}{note}"


def _worksheets(name: str) -> dict[str, Any]:
    risk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    library, market = load_market((ROOT / "manuals").resolve(), (ROOT / "market").resolve())
    result = compare(risk, manual_connectors(library, risk["line"], risk["state"]), market)
    out: dict[str, Any] = {}
    for answer in sorted(result.quotes, key=lambda a: a.carrier):
        quote = answer.quote
        assert isinstance(quote, Quote)
        out[answer.carrier] = {
            "manual": quote.manual.version,
            "total": str(quote.total),
            "lines": [_line(row) for row in quote.worksheet.line_dicts()],
        }
    for answer in sorted(result.declines, key=lambda a: a.carrier):
        assert answer.decline is not None
        out[answer.carrier] = {"declined": list(answer.decline.reasons)}
    return out


def _moved(expected: dict[str, Any], got: dict[str, Any]) -> str:
    """The differences carrier by carrier, each worksheet as a diff of its lines."""
    parts = []
    for carrier in sorted(expected.keys() | got.keys()):
        before, after = expected.get(carrier), got.get(carrier)
        if before == after:
            continue
        if before is None or after is None:
            parts.append(f"{carrier}: {'new' if before is None else 'gone'}")
            continue
        head = f"{carrier}: total {before.get('total')} -> {after.get('total')}"
        lines = difflib.unified_diff(
            before.get("lines", before.get("declined", [])),
            after.get("lines", after.get("declined", [])),
            lineterm="",
            n=0,
        )
        parts.append("\n".join([head, *list(lines)[2:]]))
    return "\n\n".join(parts)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_s_worksheets_are_as_stored(name: str, request: pytest.FixtureRequest) -> None:
    got = _worksheets(name)
    path = GOLDEN / f"{name}.json"
    if request.config.getoption("--regenerate-golden"):
        if path.exists():
            warnings.warn(f"rewrote {path.name}: review its diff", stacklevel=1)
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no golden file for {name}: run with --regenerate-golden"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got == expected, "worksheets moved:\n" + _moved(expected, got)
