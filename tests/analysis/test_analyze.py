"""analyze: every risk against every carrier, on this machine's cores or on a Dask cluster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from rateshop.analysis.engines import port_kwargs
from rateshop.analysis.market import Analysis, analyze, analyze_table
from rateshop.compare.nearest import fit
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate

# Dask's local cluster starts processes: once for the whole module, on ports of its own.
PORTS = (18230, 18249)
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    import dask

    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 65536}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            **port_kwargs(PORTS),
        ) as local,
    ):
        yield local.scheduler_address


@pytest.fixture(scope="module")
def local_run(
    book: Path, tx_auto: list[Plan], tmp_path_factory: pytest.TempPathFactory
) -> Analysis:
    return analyze(book, tmp_path_factory.mktemp("local"), tx_auto, state="TX", workers=2)


def test_one_row_per_risk_and_carrier_and_bad_rows_in_the_errors_file(
    local_run: Analysis, book: Path, tx_auto: list[Plan]
) -> None:
    results = pq.read_table(local_run.results).to_pandas()
    errors = pd.read_csv(local_run.errors)
    whole_row = errors[errors["carrier"].isna()]
    assert len(whole_row) > 0
    assert local_run.rows == pq.ParquetFile(book).metadata.num_rows
    assert len(results) == (local_run.rows - len(whole_row)) * len(tx_auto)
    assert set(results["row"]).isdisjoint(whole_row["row"])
    # row numbers are the book's: the generator numbers policies from 1
    assert (whole_row["policy_id"] == whole_row["row"] + 1).all()
    assert whole_row["reason"].str.contains("ZIP|impossible age").all()
    assert set(results["status"]) >= {"quote", "decline"}
    assert results.loc[results["status"] == "decline", "reason"].str.len().gt(0).all()


def test_rank_one_is_the_cheapest_like_for_like_quote(local_run: Analysis) -> None:
    results = pq.read_table(local_run.results).to_pandas()
    quotes = results[results["status"] == "quote"]
    like = quotes[quotes["like_for_like"]]
    cheapest = like.groupby("row")["annual_cents"].min()
    first = quotes[quotes["rank"] == 1].set_index("row")["annual_cents"]
    assert (first.loc[cheapest.index] == cheapest).all()
    assert (
        quotes.groupby("row")["rank"].apply(lambda r: sorted(r) == list(range(1, len(r) + 1))).all()
    )


def test_results_are_the_single_path_answers(
    local_run: Analysis, book: Path, tx_auto: list[Plan]
) -> None:
    from rateshop.analysis.book import read_chunks, risks_of
    from rateshop.analysis.synthetic import delivery_zips

    results = pq.read_table(local_run.results).to_pandas()
    table = next(read_chunks(book, rows=60)).table
    risks = risks_of(table, set(delivery_zips("TX")))
    plans = {p.manual.identity.carrier: p for p in tx_auto}
    checked = 0
    for r in results[results["row"] < 60].itertuples():
        answer = rate(plans[r.carrier], fit(plans[r.carrier].manual, risks[r.row]).risk)  # type: ignore[arg-type]
        if isinstance(answer, Quote):
            assert r.status == "quote"
            assert r.total_cents == int(answer.total.scaleb(2))
            assert r.premium_cents == int(answer.premium.scaleb(2))
            checked += 1
        else:
            assert r.status == "decline"
    assert checked > 100


def test_the_report_opens_offline(local_run: Analysis) -> None:
    html = local_run.report.read_text(encoding="utf-8")
    for heading in (
        "Cheapest carrier by segment",
        "Price dispersion by segment",
        "Rank distribution per carrier",
        "Competitiveness by segment and carrier",
        "Most out-of-line segments",
    ):
        assert heading in html
    assert html.count("<svg") >= 10
    # nothing fetched: the only URL is the SVG namespace
    assert set(re.findall(r"https?://[^\"' )]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html


def test_dask_gives_the_local_files_byte_for_byte(
    local_run: Analysis, book: Path, tx_auto: list[Plan], cluster: str, tmp_path: Path
) -> None:
    on_dask = analyze(book, tmp_path, tx_auto, state="TX", engine="dask", scheduler=cluster)
    assert on_dask.results.read_bytes() == local_run.results.read_bytes()
    assert on_dask.errors.read_bytes() == local_run.errors.read_bytes()
    assert on_dask.report.read_bytes() == local_run.report.read_bytes()


def test_the_plans_reach_each_dask_worker_once(
    book: Path, tx_auto: list[Plan], cluster: str, tmp_path: Path
) -> None:
    from rateshop.analysis.engines import Context

    analyze(book, tmp_path, tx_auto, state="TX", engine="dask", scheduler=cluster)
    with distributed.Client(cluster) as client:
        held = client.run(
            lambda dask_worker: sum(isinstance(v, Context) for v in dask_worker.data.values())
        )
        # the tasks carried a reference only: their specs are small next to the plans
    assert all(n <= 2 for n in held.values())  # this run's broadcast (and the previous one's)


def test_analyze_table_takes_a_frame(book: Path, tx_auto: list[Plan], local_run: Analysis) -> None:
    frame = pq.read_table(book).slice(0, 200).to_pandas()
    results, errors = analyze_table(frame, tx_auto, "TX")
    stored = pq.read_table(local_run.results).to_pandas()
    expected = stored[stored["row"] < 200].reset_index(drop=True)
    pd.testing.assert_frame_equal(results, expected)
    assert (errors["row"] < 200).all()
