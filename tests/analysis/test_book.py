"""The synthetic book: reproducible, plausible, and readable as risks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rateshop.analysis.book import BadRow, read_chunks, risks_of
from rateshop.analysis.synthetic import BookSpec, delivery_zips, generate_chunk


def test_the_same_seed_gives_the_same_book(book_spec: Callable[..., BookSpec]) -> None:
    a = generate_chunk(book_spec(seed=3), 0, 500, 1)
    b = generate_chunk(book_spec(seed=3), 0, 500, 1)
    c = generate_chunk(book_spec(seed=4), 0, 500, 1)
    assert a.equals(b)
    assert not a.equals(c)


def test_joint_distributions_are_plausible(book_spec: Callable[..., BookSpec]) -> None:
    df = generate_chunk(book_spec(bad_share=0.0), 0, 4_000, 1).to_pandas()
    age = (df["effective_date"] - df["d1_birth_date"]).map(lambda d: d.days / 365.25)
    young = age < 21
    married = df["d1_marital_status"] == "married"
    assert married[young].mean() < 0.1 < married[~young].mean()
    # young drivers have more incidents than drivers of 30-60
    incidents = df["d1_incidents"].map(lambda s: len(s.split(";")) if isinstance(s, str) else 0)
    assert incidents[young].mean() > incidents[(age >= 30) & (age < 60)].mean()
    # a married first driver usually has a second driver on the policy
    assert df.loc[married, "d2_birth_date"].notna().mean() > 0.9
    # physical damage cover is bought more on new vehicles than on old ones
    vehicle_age = 2026 - df["v1_model_year"]
    full = df["comp_deductible"].notna()
    assert full[vehicle_age < 5].mean() > full[vehicle_age > 12].mean()
    assert set(df["v1_garaging_zip"]) <= set(delivery_zips("TX"))


def test_rows_become_risks_and_bad_rows_say_why(book_spec: Callable[..., BookSpec]) -> None:
    table = generate_chunk(book_spec(bad_share=0.05), 0, 400, 1)
    risks = risks_of(table, set(delivery_zips("TX")))
    bad = [r for r in risks if isinstance(r, BadRow)]
    assert bad
    assert all("ZIP" in b.reason or "impossible age" in b.reason for b in bad)
    good = next(r for r in risks if not isinstance(r, BadRow))
    assert good["drivers"]
    assert good["vehicles"]
    assert "BI" in good["coverages"]


def test_a_book_streams_in_chunks_from_parquet_and_csv(book: Path, tmp_path: Path) -> None:
    chunks = list(read_chunks(book, rows=400))
    assert [c.first for c in chunks] == [0, 400, 800, 1000, 1400]  # never across a row group
    assert sum(c.table.num_rows for c in chunks) == pq.ParquetFile(book).metadata.num_rows
    csv = tmp_path / "book.csv"
    pacsv.write_csv(pq.read_table(book), csv)
    again = [c.table for c in read_chunks(csv, rows=700)]
    assert sum(t.num_rows for t in again) == 1_500
    assert again[0].slice(0, 5).to_pylist() == chunks[0].table.slice(0, 5).to_pylist()
