"""The request models against the shipped manuals: every field a manual reads, every value it offers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, get_args

import pytest
from apikit import ROOT
from pydantic import TypeAdapter

from rateshop.compare.default import load_market
from rateshop.compare.service import LINES
from rateshop.manual.inputs import FieldSpec
from rateshop.manual.types import Text
from rateshop.risk.questions import LineName, Risk

RISK: TypeAdapter[Any] = TypeAdapter(Risk)
SCHEMA = RISK.json_schema()
MODEL_OF = {"auto": "AutoRisk", "home": "HomeRisk", "life": "LifeRisk", "health": "HealthRisk"}
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.json") if not p.name.startswith("cas_"))


def test_the_line_names_are_the_lines_compared() -> None:
    assert get_args(LineName) == LINES
    assert set(MODEL_OF) == set(LINES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_a_valid_risk_read_back_as_sent(path: Path) -> None:
    facts = RISK.validate_python(json.loads(path.read_text())).facts()
    # Exactly as sent, decimals as decimal text (the form the manuals and the store take).
    assert facts == json.loads(path.read_text(), parse_float=str)


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` and unwrap ``X | None``."""
    while True:
        if "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in node and sum(n.get("type") != "null" for n in node["anyOf"]) == 1:
            (node,) = [n for n in node["anyOf"] if n.get("type") != "null"]
        else:
            return node


def _at(line: str, path: list[str]) -> Mapping[str, Any] | None:
    node = _resolve({"$ref": f"#/$defs/{MODEL_OF[line]}"})
    for name in path:
        if node.get("type") == "array":
            node = _resolve(node["items"])
        child = node.get("properties", {}).get(name)
        if child is None:
            return None
        node = _resolve(child)
    return node


def _fields(
    specs: Mapping[str, FieldSpec], path: list[str]
) -> Iterator[tuple[list[str], FieldSpec]]:
    for name, spec in specs.items():
        yield [*path, name], spec
        yield from _fields(spec.fields, [*path, name])


def _manual_fields() -> Iterator[tuple[str, str, list[str], FieldSpec]]:
    library, _ = load_market((ROOT / "manuals").resolve(), (ROOT / "market").resolve())
    for plan in library:
        manual = plan.manual
        line = manual.identity.line
        if line not in LINES:
            continue  # the reference manuals of the CAS examples
        for path, spec in _fields(manual.inputs, []):
            yield manual.identity.key, line, path, spec
        for cid, coverage in manual.coverages.items():
            for path, spec in _fields(coverage.options, ["coverages", cid]):
                yield manual.identity.key, line, path, spec


def test_every_field_a_manual_reads_is_in_the_question_set_with_every_value_it_offers() -> None:
    checked = 0
    for manual, line, path, spec in _manual_fields():
        where = f"{manual}: {'.'.join(path)}"
        node = _at(line, path)
        assert node is not None, f"{where} is not a field of the {line} request model"
        offered = spec.choices or (spec.type.values if isinstance(spec.type, Text) else None)
        if offered:
            allowed = {str(v) for v in node.get("enum", [node.get("const")])}
            assert set(offered) <= allowed, f"{where}: {set(offered) - allowed} refused by the API"
        checked += 1
    assert checked > 200
