"""The command line, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from builders import BASE_MANIFEST, write_manual
from paths import ROOT
from rateshop.cli import app

runner = CliRunner()


def test_manual_check_passes_on_the_reference_manuals() -> None:
    result = runner.invoke(app, ["manual", "check", str(ROOT / "manuals" / "reference")])
    assert result.exit_code == 0, result.output
    assert "2/2 manuals load; 11/11 stored cases pass" in result.output


def test_manual_check_reports_file_line_and_reason(tmp_path: Path) -> None:
    folder = write_manual(
        tmp_path, BASE_MANIFEST.replace("multiply: territory,", "multiply: teritory,")
    )
    result = runner.invoke(app, ["manual", "check", str(folder)])
    assert result.exit_code == 1
    assert (
        "manual.yaml:20: step territory: 'teritory' is neither a table nor a variable"
        in result.output
    )


def test_manual_check_reports_a_failing_stored_case(tmp_path: Path) -> None:
    folder = write_manual(
        tmp_path,
        tests="""\
        cases:
          - name: wrong on purpose
            risk: {age: 30, territory: north}
            expect: {premium: "111.00"}
        """,
    )
    result = runner.invoke(app, ["manual", "check", str(folder)])
    assert result.exit_code == 1
    assert "tests.yaml:2: wrong on purpose: premium 110.00, expected 111.00" in result.output


def test_rate_prints_the_worksheet_and_premium() -> None:
    result = runner.invoke(
        app,
        [
            "rate",
            str(ROOT / "manuals" / "reference" / "cas-medmal-nurse"),
            str(ROOT / "examples" / "cas_medmal_nurse.json"),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Worksheet" in result.output
    assert "1484.38" in result.output
    assert "282.00" in result.output


def test_rate_json(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "rate",
            str(ROOT / "manuals" / "reference" / "cas-medmal-nurse"),
            str(ROOT / "examples" / "cas_medmal_nurse.json"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["premium"] == "282.00"
    assert data["manual"]["carrier"] == "cas-example"
    assert [ln["total"] for ln in data["worksheet"]][-1] == "282"


def test_rate_bad_risk_names_the_field(tmp_path: Path) -> None:
    risk = tmp_path / "risk.json"
    risk.write_text(json.dumps({"age": 12, "territory": "east"}))
    result = runner.invoke(app, ["rate", str(write_manual(tmp_path)), str(risk)])
    assert result.exit_code == 2
    assert "age: 12 is out of range (allowed: whole number from 16 to 99)" in result.output
    assert "territory: 'east' is not an allowed value (allowed: north, south)" in result.output


def test_rate_picks_the_version_for_as_of(tmp_path: Path) -> None:
    write_manual(tmp_path / "v1")
    write_manual(
        tmp_path / "v2",
        BASE_MANIFEST.replace("2025-01-01", "2025-07-01").replace("start: 100.00", "start: 110.00"),
    )
    risk = tmp_path / "risk.json"
    risk.write_text(json.dumps({"age": 30, "territory": "north"}))
    before = runner.invoke(
        app, ["rate", str(tmp_path), str(risk), "--as-of", "2025-03-01", "--json"]
    )
    after = runner.invoke(
        app, ["rate", str(tmp_path), str(risk), "--as-of", "2025-08-01", "--json"]
    )
    assert json.loads(before.output)["premium"] == "110.00"
    assert json.loads(after.output)["premium"] == "121.00"


def test_rate_picks_the_line_and_state_from_the_risk_in_a_carrier_folder() -> None:
    result = runner.invoke(
        app,
        [
            "rate",
            str(ROOT / "manuals" / "harborview"),
            str(ROOT / "examples" / "home_renter.json"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["manual"]["line"], data["manual"]["state"]) == ("home", "NY")


def test_quote_ranks_the_market_and_prices_tips() -> None:
    result = runner.invoke(
        app, ["quote", str(ROOT / "examples" / "auto.json")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Declined by Harborview Mutual Insurance" in result.output
    assert "Ways to pay less" in result.output


def auto_without_pd_15(tmp_path: Path) -> Path:
    risk = json.loads((ROOT / "examples" / "auto.json").read_text())
    risk["coverages"]["PD"] = {"limit": 15}  # no Texas manual sells it
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(risk))
    return path


def test_quote_ranks_and_filters_and_says_which_cover_was_substituted(tmp_path: Path) -> None:
    path = auto_without_pd_15(tmp_path)
    args = ["quote", str(path), "--json", "--rank", "rating", "--min-rating", "A"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ranking"]["by"] == "rating"
    assert data["ranking"]["min_rating"] == "A"
    assert data["quotes"]
    for answer in data["quotes"]:
        assert answer["rating"] in ("A++", "A+", "A")
        assert answer["substitutions"] == [
            {
                "field": "coverages.PD.limit",
                "asked": 15,
                "quoted": 25,
                "note": "below the legal minimum in TX (30/60/25); quoted at the minimum",
            }
        ]
    table = runner.invoke(
        app, ["quote", str(path), "--group", "Pinnacle Insurance Group"], env={"COLUMNS": "240"}
    )
    assert table.exit_code == 0, table.output
    assert "coverages.PD.limit: 15 → 25" in table.output
    assert "Pinnacle Direct" in table.output
    assert "Ironclad" not in table.output
    assert "Declined by Harborview" not in table.output


def test_quote_refuses_an_unknown_rating() -> None:
    path = str(ROOT / "examples" / "life.json")
    result = runner.invoke(app, ["quote", path, "--min-rating", "AAA"])
    assert result.exit_code == 2
    assert "--min-rating must be one of A++" in result.output


def test_library_compare_is_callable() -> None:
    import rateshop

    risk = json.loads((ROOT / "examples" / "life.json").read_text())
    result = rateshop.compare_risk(risk)
    assert result.line == "life"
    assert result.quotes
