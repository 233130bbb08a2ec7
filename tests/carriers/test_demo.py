"""``rateshop carrier demo --no-serve``: the live demo's sandboxes and one comparison, then it stops."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import ROOT
from rateshop.cli import app


def test_the_demo_streams_local_and_live_carriers_and_times_out_the_hung_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("RATESHOP_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    args = ["carrier", "demo", "--no-serve", "--sandbox-port", "0", "--deadline", "6"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    out = result.output
    for line in (
        "Pinnacle Direct [manual]:",
        "Atlas Direct Auto [http]: 419.50 a month",
        "Northwind Mutual [http]: 212.67 a month",
        "Copperline Assurance [xml]: 198.00 a month",
        "Stillwater Casualty [http]: failed (timeout)",
    ):
        assert line in out, out
    # Live prices come after the local ones, as each carrier answers.
    assert out.index("Pinnacle Direct [manual]") < out.index("Atlas Direct Auto [http]")
