"""The JSON Schema of manual.yaml accepts every manual that loads and catches misspelt keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from typer.testing import CliRunner

from builders import BASE_MANIFEST, write_manual
from rateshop.cli import app
from rateshop.errors import ManualError
from rateshop.manual.loader import load_manual
from rateshop.manual.schema import manual_schema

ROOT = Path(__file__).resolve().parents[2]
# Every manual kept in the repository loads (the shipped ones, the fixtures, the edge cases and
# the benchmarks' own), so each must satisfy the schema.
MANUALS = sorted(
    path
    for folder in ("manuals", "tests", "benchmarks")
    for path in (ROOT / folder).rglob("manual.yaml")
)


def plain(value: Any) -> Any:
    """A YAML document as an editor's YAML server gives it to the schema (dates as text)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def problems(text: str) -> list[str]:
    """What the schema says about a manifest, one message per mistake."""
    validator = jsonschema_rs.Draft202012Validator(manual_schema(), validate_formats=True)
    return [error.message for error in validator.iter_errors(plain(yaml.safe_load(text)))]


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema_rs.meta.validate(manual_schema())


def test_there_are_manuals_to_check() -> None:
    assert len(MANUALS) > 50
    assert any(p.is_relative_to(ROOT / "tests" / "fixtures") for p in MANUALS)


@pytest.mark.parametrize("path", MANUALS, ids=[str(p.relative_to(ROOT)) for p in MANUALS])
def test_every_manual_in_the_repository_satisfies_the_schema(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []


def test_the_base_manual_of_the_tests_loads_and_satisfies_it(tmp_path: Path) -> None:
    load_manual(write_manual(tmp_path))
    assert problems(BASE_MANIFEST) == []


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("rating:\n", "ratings: {}\nrating:\n", "'ratings' was unexpected"),
        ("  effective: 2025-01-01", "  efective: 2025-01-01", "'efective' was unexpected"),
        ("round: cent}", "round: cent, wehn: true}", "'wehn' was unexpected"),
        ("    file: tables/age.csv", "    fil: tables/age.csv", "is not valid"),
        ("{id: base, start: 100.00}", "{id: base, start: 100.00, add: 1}", "is not allowed"),
        ("round: cent}", "round: cents}", "is not valid"),
        ("  age: {type: int, min: 16, max: 99}", "  age: {type: integr}", "is not valid"),
        ("  state: XX", "  state: Texas", "does not match"),
        ("  effective: 2025-01-01", "  effective: 1 January 2025", 'is not a "date"'),
    ],
)
def test_a_mistake_the_loader_refuses_the_schema_refuses(
    tmp_path: Path, old: str, new: str, said: str
) -> None:
    assert old in BASE_MANIFEST
    manifest = BASE_MANIFEST.replace(old, new, 1)
    with pytest.raises(ManualError):
        load_manual(write_manual(tmp_path, manifest))
    found = problems(manifest)
    assert found
    assert any(said in message for message in found), found


def test_rateshop_manual_schema_prints_the_shipped_schema() -> None:
    result = CliRunner().invoke(app, ["manual", "schema"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == manual_schema()
    assert json.loads(result.output) == json.loads(
        (ROOT / "src" / "rateshop" / "manual" / "manual.schema.json").read_text(encoding="utf-8")
    )
