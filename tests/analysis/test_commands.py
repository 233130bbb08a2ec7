"""The analysts' commands, as an analyst runs them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from paths import ROOT
from rateshop.cli import app

runner = CliRunner()


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    # the commands read the market from the configured folders (./manuals, ./market)
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("in_repo")
def test_generate_analyze_and_impact(tmp_path: Path) -> None:
    book = tmp_path / "book.parquet"
    made = runner.invoke(
        app,
        ["book", "generate", "--rows", "300", "--state", "TX", "--seed", "9",
         "--effective", "2026-12-01", "--bad-share", "0.02", "--out", str(book)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert pq.ParquetFile(book).metadata.num_rows == 300
    out = tmp_path / "market"
    done = runner.invoke(
        app,
        ["analyze", str(book), "--as-of", "2026-12-01", "--workers", "1", "--out", str(out),
         "--carriers", "harborview", "--carriers", "pinnacle-direct"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    results = pq.read_table(out / "results.parquet").to_pandas()
    assert set(results["carrier"]) == {"harborview", "pinnacle-direct"}
    errors = pd.read_csv(out / "errors.csv")
    assert len(errors) > 0
    assert "error rows" in done.output
    assert (out / "report.html").is_file()
    changed = runner.invoke(
        app,
        ["impact", "manuals/pinnacle-national/auto-tx-2026-01-01",
         "manuals/pinnacle-national/auto-tx-2026-07-01", str(book), "--workers", "1",
         "--out", str(tmp_path / "impact")],
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "overall rate change" in changed.output


@pytest.mark.usefixtures("in_repo")
def test_analyze_names_an_unknown_carrier(tmp_path: Path) -> None:
    book = tmp_path / "book.parquet"
    runner.invoke(app, ["book", "generate", "--rows", "10", "--out", str(book)])
    done = runner.invoke(
        app, ["analyze", str(book), "--carriers", "nobody", "--out", str(tmp_path / "x")]
    )
    assert done.exit_code == 2
    assert "nobody" in done.output
