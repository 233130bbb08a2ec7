"""Shared builders for tests: small manuals written to a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE_MANIFEST = """\
manual:
  carrier: test
  line: test
  state: XX
  effective: 2025-01-01
inputs:
  age: {type: int, min: 16, max: 99}
  territory: [north, south]
tables:
  age:
    file: tables/age.csv
    keys: {age: {band: age}}
  territory:
    file: tables/territory.csv
    keys: {territory: territory}
rating:
  steps:
    - {id: base, start: 100.00}
    - {id: age, multiply: age, round: cent}
    - {id: territory, multiply: territory, round: cent}
"""

BASE_TABLES = {
    "age.csv": "age,factor\n16-24,1.50\n25-64,1.00\n65+,1.20\n",
    "territory.csv": "territory,factor\nnorth,1.10\nsouth,0.90\n",
}


def write_manual(
    root: Path,
    manifest: str = BASE_MANIFEST,
    tables: dict[str, str] | None = None,
    tests: str | None = None,
) -> Path:
    """Write a manual folder under ``root`` and return it."""
    folder = root / "manual"
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "manual.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    for name, text in (BASE_TABLES if tables is None else tables).items():
        (folder / "tables" / name).write_text(text, encoding="utf-8")
    if tests is not None:
        (folder / "tests.yaml").write_text(textwrap.dedent(tests), encoding="utf-8")
    return folder


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
