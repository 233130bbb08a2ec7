"""The command line says its errors in words: no Rich markup printed as text, none read from data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rateshop.cli import app


def test_an_account_error_is_not_wrapped_in_printed_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATESHOP_DATABASE_URL", f"sqlite:///{tmp_path / 'rateshop.db'}")
    create = ["user", "create", "ann", "--password-stdin"]
    assert CliRunner().invoke(app, create, input="a long enough secret\n").exit_code == 0
    again = CliRunner().invoke(app, create, input="a long enough secret\n")
    assert again.exit_code == 2
    assert "ann" in again.output
    assert "[red]" not in again.output
    assert "[/red]" not in again.output


def test_a_path_that_looks_like_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    odd = tmp_path / "risk[/b].json"
    result = CliRunner().invoke(app, ["quote", str(odd)])
    assert result.exit_code == 2
    assert f"cannot read risk {odd}" in result.output


def test_rate_checks_a_question_set_risk_as_quote_does(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    risk = json.loads((root / "examples" / "auto.json").read_text())
    risk["vehicles"][0]["garaging_zip"] = "7874"
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(risk))
    result = CliRunner().invoke(app, ["rate", str(root / "manuals" / "harborview"), str(path)])
    assert result.exit_code == 2
    assert "vehicles[0].garaging_zip: '7874' is not in the expected form (allowed: 5 digits)" in (
        result.output
    )


def test_the_readmes_rate_examples_show_what_they_promise() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    quoted = "rateshop rate manuals/pinnacle-direct examples/auto.json"
    declined = "rateshop rate manuals/harborview examples/auto.json"
    assert quoted in readme
    assert declined in readme
    args = ["rate", str(root / "manuals" / "pinnacle-direct"), str(root / "examples" / "auto.json")]
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for promised in ("Worksheet", "What moved the price most", "Premium", "Total for 6 months"):
        assert promised in shown.output
    assert "[?]" not in shown.output
    args[1] = str(root / "manuals" / "harborview")
    shown = CliRunner().invoke(app, args)
    assert "Declined:" in shown.output
    assert "20,000 miles" in shown.output


def test_a_worksheet_line_that_took_a_default_is_said_in_words(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    risk = json.loads((root / "examples" / "auto.json").read_text())
    for vehicle in risk["vehicles"]:
        vehicle["garaging_zip"] = "75001"
        vehicle["annual_miles"] = 12000
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(risk))
    args = ["rate", str(root / "manuals" / "harborview"), str(path)]
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "[?]" not in shown.output
    assert "not listed: the table's default for the rest of the state" in shown.output
