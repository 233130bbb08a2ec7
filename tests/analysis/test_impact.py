"""impact: a carrier's two manual versions over one book, policy by policy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from rateshop.analysis.impact import BUCKETS, Impact, impact, impact_table
from rateshop.rating.library import Library


@pytest.fixture(scope="module")
def run(book: Path, library: Library, tmp_path_factory: pytest.TempPathFactory) -> Impact:
    old, new = library.versions("pinnacle-national", "auto", "TX")
    assert old.manual.identity.effective < new.manual.identity.effective
    return impact(book, tmp_path_factory.mktemp("impact"), old, new, state="TX", workers=1)


def test_each_policy_changes_in_dollars_and_percent(run: Impact) -> None:
    df = pq.read_table(run.results).to_pandas()
    priced = df[df["bucket"].notna()]
    assert len(priced) > 1_000
    assert (priced["change_cents"] == priced["new_cents"] - priced["old_cents"]).all()
    pct = (priced["new_cents"] - priced["old_cents"]) / priced["old_cents"] * 100
    assert (pct.round(4) - priced["change_pct"]).abs().max() < 1e-9
    # the buckets are the actuaries' ±5/10/20 %, and each policy is in the one its change says
    assert set(priced["bucket"]) <= set(BUCKETS)
    assert (priced.loc[priced["change_pct"] > 20, "bucket"] == "above +20 %").all()
    assert (priced.loc[priced["change_pct"] == 0, "bucket"] == "no change").all()
    small = priced[(priced["change_pct"] > 0) & (priced["change_pct"] <= 5)]
    assert (small["bucket"] == "0 to +5 %").all()


def test_the_overall_rate_change_is_written_premium_new_over_old(run: Impact) -> None:
    df = pq.read_table(run.results).to_pandas()
    priced = df[df["bucket"].notna()]
    overall = run.overall
    assert overall.compared == len(priced)
    assert overall.old_premium == priced["old_cents"].sum()
    assert overall.rate_change == pytest.approx(
        priced["new_cents"].sum() / priced["old_cents"].sum() - 1
    )
    shares: pd.DataFrame = run.buckets
    assert shares["policies"].sum() == len(priced)


def test_the_report_shows_the_distribution_and_segments(run: Impact) -> None:
    html = run.report.read_text(encoding="utf-8")
    assert "Overall rate change" in html
    assert "Distribution of changes" in html
    assert "Most affected segments" in html
    assert "<script" not in html


def test_impact_table_takes_a_frame(book: Path, library: Library, run: Impact) -> None:
    old, new = library.versions("pinnacle-national", "auto", "TX")
    frame = pq.read_table(book).slice(0, 300).to_pandas()
    got = impact_table(frame, old, new, "TX")
    stored = pq.read_table(run.results).to_pandas()
    pd.testing.assert_frame_equal(got, stored[stored["row"] < 300].reset_index(drop=True))
