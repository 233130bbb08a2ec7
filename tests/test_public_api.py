"""The library's public face: the names ``rateshop`` exports, and the README's example, which
must run and pass ``mypy --strict`` as a library user's code would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import rateshop
from paths import ROOT

EXPORTED = [
    "Answer",
    "CarrierError",
    "CarrierTimeout",
    "Comparison",
    "Decline",
    "FieldProblem",
    "Library",
    "ManualError",
    "ManualNotFound",
    "Plan",
    "Problem",
    "Quote",
    "RateshopError",
    "RiskError",
    "StoreError",
    "WorksheetUnavailable",
    "__version__",
    "compare_risk",
    "load_plan",
    "rate",
    "read_risk",
]


def test_the_exported_names_are_locked_and_each_is_there() -> None:
    assert sorted(rateshop.__all__) == EXPORTED
    assert sorted([*rateshop._HOMES, "__version__"]) == EXPORTED, "each name has its home"
    for name in EXPORTED:
        assert getattr(rateshop, name) is not None
    assert issubclass(rateshop.RiskError, rateshop.RateshopError)
    assert issubclass(rateshop.StoreError, rateshop.RateshopError)


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [example] = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.S)
        if "rateshop.compare_risk" in block
    ]
    return str(example)


def test_the_readme_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_readme_example(), encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    assert "declines:" in ran.stdout
    assert len(ran.stdout.splitlines()) >= 4


def test_the_readme_example_type_checks_strictly(tmp_path: Path) -> None:
    from mypy import api

    script = tmp_path / "example.py"
    script.write_text(_readme_example(), encoding="utf-8")
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(script)]
    )
    assert status == 0, out + err
