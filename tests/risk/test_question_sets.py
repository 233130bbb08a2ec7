"""The question sets, checked the same way by the library, the command line and the API.

Each case is one thing a shopper (or an attacker) could send that no carrier should ever see: the
library raises :class:`RiskError` naming the field, the CLI prints it and exits 2.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rateshop
from paths import ROOT
from rateshop.cli import app
from rateshop.errors import RiskError
from rateshop.rating import prepare as prepare_module
from rateshop.risk.problems import read_risk

Change = Callable[[dict[str, Any]], None]


def example(line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{line}.json").read_text())
    return data


def _set(path: str, value: Any) -> Change:
    def change(risk: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = risk
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


# (line, change, field named, words expected in the problem)
CASES: list[tuple[str, Change, str, str]] = [
    (
        "auto",
        _set("drivers.0.incidents", [{"kind": "dwi", "date": "2025-01-01"}] * 21),
        "drivers[0].incidents",
        "too long",
    ),
    ("home", _set("claims", [{"kind": "fire", "date": "2024-01-01"}] * 21), "claims", "too long"),
    ("auto", _set("paperless", 1), "paperless", "not true or false"),
    ("auto", _set("vehicles.0.annual_miles", "12000"), "vehicles[0].annual_miles", "whole"),
    ("auto", _set("effective_date", 1767225600), "effective_date", "not a date"),
    ("auto", _set("effective_date", "1767225600"), "effective_date", "not a date"),
    ("auto", _set("drivers.0.birth_date", "0001-01-01"), "drivers[0].birth_date", "plausible"),
    (
        "auto",
        _set("drivers.0.incidents", [{"kind": "dwi", "date": "2099-01-01"}]),
        "drivers[0].incidents[0].date",
        "after the effective date",
    ),
    ("auto", _set("vehicles.0.principal_driver", 6), "vehicles[0].principal_driver", "not on"),
    ("auto", _set("vehicles.0.make", "M" * 61), "vehicles[0].make", "too long"),
    ("auto", _set("vehicles.0.make", "Ford\u0000"), "vehicles[0].make", "printable"),
    ("auto", _set("drivers.0.licensed_date", "2099-01-01"), "drivers[0].licensed_date", "after"),
    ("life", _set("birth_date", "2099-01-01"), "birth_date", "after the effective date"),
    ("life", _set("birth_date", "1901-01-01"), "birth_date", "120 years"),
    ("home", _set("roof_year", 1700), "roof_year", "year built"),
    (
        "health",
        _set("members.1.relationship", "self"),
        "members[1].relationship",
        "a household has one",
    ),
    ("health", _set("members.3.birth_date", "2099-01-01"), "members[3].birth_date", "after"),
]


@pytest.mark.parametrize(("line", "change", "field", "words"), CASES)
def test_the_library_names_the_field(line: str, change: Change, field: str, words: str) -> None:
    risk = example(line)
    change(risk)
    with pytest.raises(RiskError) as caught:
        rateshop.compare_risk(risk)
    assert field in [p.field for p in caught.value.problems], caught.value
    assert any(words in str(p) for p in caught.value.problems if p.field == field), caught.value


def test_every_example_reads_back_unchanged_but_for_exact_decimals() -> None:
    for line in ("auto", "home", "life", "health"):
        exact = {k: str(v) if isinstance(v, float) else v for k, v in example(line).items()}
        assert read_risk(example(line)) == exact


def test_the_command_line_refuses_ten_thousand_incidents_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    derived: list[int] = []
    monkeypatch.setattr(prepare_module, "_derive", lambda *args: derived.append(1))
    risk = example("auto")
    risk["drivers"][0]["incidents"] = [{"kind": "minor_speeding", "date": "2025-06-01"}] * 10_000
    risk["drivers"] = [copy.deepcopy(risk["drivers"][0]) for _ in range(6)]
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(risk))
    result = CliRunner().invoke(app, ["quote", str(path)])
    assert result.exit_code == 2
    assert "drivers[0].incidents: is too long (allowed: at most 20 items)" in result.output
    assert derived == []  # refused by the question set: no carrier began rating it


def test_an_unknown_state_is_an_error_not_an_empty_comparison(tmp_path: Path) -> None:
    unknown = example("auto")
    unknown["state"] = "ZZ"
    with pytest.raises(RiskError) as caught:
        rateshop.compare_risk(unknown)
    assert [(p.field, p.problem) for p in caught.value.problems] == [
        ("state", "'ZZ' is not a US state or territory")
    ]
    # A real state the market does not write (its ZIPs there): said, with the states it writes.
    unwritten = example("auto")
    unwritten["state"] = "FL"
    for vehicle in unwritten["vehicles"]:
        vehicle["garaging_zip"] = "33101"
    with pytest.raises(RiskError) as caught:
        rateshop.compare_risk(unwritten)
    (problem,) = caught.value.problems
    assert (problem.field, problem.allowed) == ("state", "CA, NY, TX")
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(unwritten))
    result = CliRunner().invoke(app, ["quote", str(path)])
    assert result.exit_code == 2
    assert "no carrier of the market writes auto in FL" in result.output


def test_the_command_line_refuses_json_nested_too_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(app, ["quote", str(path)])
    assert result.exit_code == 2
    assert "nests too deep" in result.output
    assert "Traceback" not in result.output
