"""The documentation's examples run as written: the tutorial's manual loads, passes its cases
and rates as the tutorial says, its quoted error is the one given, and the reference's complete
example is the shipped manual."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from paths import ROOT
from rateshop.cli import app

TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
FOLDER = "my-manuals/acme-mutual/renters-tx-2027-01-01"


def _write_tutorial(into: Path) -> Path:
    """Every file the tutorial shows (a block whose first line names it), and its risk.json."""
    for lang, body in re.findall(r"```(\w+)\n(.*?)```", TUTORIAL, re.S):
        named = re.match(r"# (my-manuals/\S+)\n", body)
        if named:
            path = into / named.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        elif lang == "json":
            (into / "risk.json").write_text(body, encoding="utf-8")
    return into / "my-manuals"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_the_tutorial_manual_loads_passes_its_cases_and_rates_as_told(tmp_path: Path) -> None:
    manuals = _write_tutorial(tmp_path)
    status, out = _run("manual", "check", str(manuals))
    assert status == 0, out
    assert "2/2 stored cases pass" in out
    status, out = _run("rate", str(manuals), str(tmp_path / "risk.json"))
    assert status == 0, out
    assert "196.00" in out
    assert "206.00" in out
    assert json.loads((tmp_path / "risk.json").read_text())["line"] == "renters"


def test_the_tutorial_s_quoted_mistake_is_the_one_reported(tmp_path: Path) -> None:
    manuals = _write_tutorial(tmp_path)
    manifest = tmp_path / FOLDER / "manual.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("multiply: territory}", "multiply: teritory}"), "utf-8")
    status, out = _run("manual", "check", str(manuals))
    assert status != 0
    quoted = re.search(r"reported as\s+`(manual\.yaml:.*?)`", TUTORIAL, re.S)
    assert quoted is not None
    assert " ".join(quoted.group(1).split()) in " ".join(out.split())


def test_the_reference_s_complete_example_is_the_shipped_manual() -> None:
    reference = (ROOT / "docs" / "manual-format.md").read_text(encoding="utf-8")
    section = reference[reference.index("Complete example: CAS medical malpractice") :]
    shown = yaml.safe_load(re.findall(r"```yaml\n(.*?)```", section, re.S)[0])
    shipped = yaml.safe_load(
        (ROOT / "manuals" / "reference" / "cas-medmal-nurse" / "manual.yaml").read_text("utf-8")
    )
    assert shown == shipped
