"""Rate-change impact (dislocation): every policy of a book under the old and the new manual.

Per policy: the term premium (before fees) under each manual, the change in dollars and percent
and its bucket, as actuaries report it (±5/10/20 %). Over the book: the share of policies and of
premium in each bucket, the overall rate change (new written premium over old, less one, on the
policies both manuals price) and the segments most affected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rateshop.analysis import charts
from rateshop.analysis.book import CHUNK_ROWS, Chunk, conform, read_chunks
from rateshop.analysis.engines import Context, Outcome, local_engine, rate_chunks, work
from rateshop.analysis.report import page
from rateshop.analysis.segments import SEGMENTS, segment_order
from rateshop.errors import BookError
from rateshop.rating.plan import Plan
from rateshop.risk.places import zips_of

__all__ = [
    "BUCKETS",
    "IMPACT_SCHEMA",
    "Impact",
    "Overall",
    "impact",
    "impact_rows",
    "impact_table",
]

# (label, lower bound in %, inclusive?) — read top-down: the first bucket whose bound is met
BUCKETS = (
    "below -20 %", "-20 to -10 %", "-10 to -5 %", "-5 to 0 %", "no change",
    "0 to +5 %", "+5 to +10 %", "+10 to +20 %", "above +20 %",
)  # fmt: skip
_EDGES = np.array([-20.0, -10.0, -5.0])
_UP_EDGES = np.array([5.0, 10.0, 20.0])

IMPACT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("policy_id", pa.int64()),
        ("old_status", pa.string()),
        ("new_status", pa.string()),
        ("old_cents", pa.int64()),
        ("new_cents", pa.int64()),
        ("change_cents", pa.int64()),
        ("change_pct", pa.float64()),
        ("bucket", pa.string()),
        *[(name, pa.string()) for name in SEGMENTS],
    ]
)


def _bucket(pct: np.ndarray) -> np.ndarray:
    down = np.searchsorted(_EDGES, pct, side="right")  # 0: < -20 … 3: >= -5
    up = np.searchsorted(_UP_EDGES, pct, side="left")  # 0: <= 5 … 3: > 20
    idx = np.where(pct < 0, down, np.where(pct == 0, 4, 5 + up))
    return np.asarray(BUCKETS, dtype=object)[idx]


def impact_rows(results: pa.Table, old_version: str, new_version: str) -> pa.Table:
    """Per-policy impact from a chunk's result rows under both manuals."""
    df = results.to_pandas()
    old = df[df["manual_version"] == old_version].set_index("row")
    new = df[df["manual_version"] == new_version].set_index("row")
    both = old.index.intersection(new.index)
    old, new = old.loc[both], new.loc[both]
    o = old["premium_cents"].astype("Int64")
    n = new["premium_cents"].astype("Int64")
    priced = o.notna() & n.notna() & (o > 0)
    change = (n - o).where(priced)
    pct = pd.Series(np.nan, index=both, dtype="float64")
    pct[priced] = (n[priced] - o[priced]).astype("float64") / o[priced].astype("float64") * 100
    bucket = pd.Series([None] * len(both), index=both, dtype=object)
    bucket[priced] = _bucket(pct[priced].to_numpy())
    out = pd.DataFrame(
        {
            "row": both.to_numpy(dtype=np.int64),
            "policy_id": old["policy_id"].to_numpy(dtype=np.int64),
            "old_status": old["status"].to_numpy(),
            "new_status": new["status"].to_numpy(),
            "old_cents": o.to_numpy(),
            "new_cents": n.to_numpy(),
            "change_cents": change.to_numpy(),
            "change_pct": pct.round(4).to_numpy(),
            "bucket": bucket.to_numpy(),
            **{name: old[name].to_numpy() for name in SEGMENTS},
        }
    )
    return pa.Table.from_pandas(out, schema=IMPACT_SCHEMA, preserve_index=False)


@dataclass(frozen=True)
class Overall:
    """The book's totals over policies both manuals price."""

    compared: int
    old_premium: int  # cents
    new_premium: int

    @property
    def rate_change(self) -> float:
        """New written premium over old, less one."""
        return self.new_premium / self.old_premium - 1 if self.old_premium else 0.0


@dataclass(frozen=True)
class Impact:
    """Where an impact run wrote its files, and its totals."""

    results: Path
    errors: Path
    report: Path
    rows: int
    overall: Overall
    buckets: pd.DataFrame
    segments: pd.DataFrame


def _sums(table: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = table.to_pandas()
    df = df[df["bucket"].notna()]
    buckets = df.groupby("bucket")[["old_cents", "new_cents"]].agg(["count", "sum"])
    buckets.columns = ["policies", "old", "_n", "new"]
    buckets = buckets.drop(columns="_n").reset_index()
    segs = []
    for dim in SEGMENTS:
        g = df.groupby(df[dim].fillna("unknown"))[["old_cents", "new_cents"]].agg(["count", "sum"])
        g.columns = ["policies", "old", "_n", "new"]
        segs.append(g.drop(columns="_n").reset_index(names="segment").assign(dimension=dim))
    return buckets, pd.concat(segs, ignore_index=True)


def impact(
    book: Path,
    out: Path,
    old: Plan,
    new: Plan,
    *,
    state: str,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Impact:
    """Rate ``book`` with both manuals; write ``impact.parquet``, ``errors.csv`` and
    ``impact.html`` into ``out``."""
    if old.manual.identity.version == new.manual.identity.version:
        raise BookError("the two manuals have the same version: nothing to compare")
    out.mkdir(parents=True, exist_ok=True)
    context = Context((old, new), frozenset(zips_of(state)), state.upper())
    results_path, errors_path = out / "impact.parquet", out / "errors.csv"
    bucket_parts: list[pd.DataFrame] = []
    seg_parts: list[pd.DataFrame] = []
    rows = {"n": 0}
    error_tables: list[pa.Table] = []
    with (
        pq.ParquetWriter(results_path, IMPACT_SCHEMA, compression="zstd") as writer,
        local_engine(context, workers) as engine,
    ):

        def done(outcome: Outcome, n: int) -> None:
            table = impact_rows(
                outcome.rated.results, old.manual.identity.version, new.manual.identity.version
            )
            writer.write_table(table)
            b, s = _sums(table)
            bucket_parts.append(b)
            seg_parts.append(s)
            if outcome.rated.errors.num_rows:
                error_tables.append(outcome.rated.errors)
            rows["n"] += n
            if progress is not None:
                progress(n)

        rate_chunks(engine, read_chunks(book), done)
    if error_tables:
        pa.concat_tables(error_tables).to_pandas().to_csv(errors_path, index=False)
    else:
        errors_path.write_text('"row","policy_id","carrier","reason"\n', encoding="utf-8")
    buckets = (
        pd.concat(bucket_parts).groupby("bucket").sum().reindex(BUCKETS, fill_value=0)
        if bucket_parts
        else pd.DataFrame(0, index=list(BUCKETS), columns=["policies", "old", "new"])
    )
    segments = (
        pd.concat(seg_parts).groupby(["dimension", "segment"]).sum().reset_index()
        if seg_parts
        else pd.DataFrame(columns=["dimension", "segment", "policies", "old", "new"])
    )
    overall = Overall(
        int(buckets["policies"].sum()), int(buckets["old"].sum()), int(buckets["new"].sum())
    )
    report = out / "impact.html"
    report.write_text(_report(old, new, overall, buckets, segments, rows["n"]), encoding="utf-8")
    return Impact(results_path, errors_path, report, rows["n"], overall, buckets, segments)


def impact_table(book: pa.Table | pd.DataFrame, old: Plan, new: Plan, state: str) -> pd.DataFrame:
    """Per-policy impact of a book held in memory, rated in this process."""
    table = conform(
        book if isinstance(book, pa.Table) else pa.Table.from_pandas(book, preserve_index=False)
    )
    context = Context((old, new), frozenset(zips_of(state)), state.upper())
    parts = []
    for first in range(0, max(table.num_rows, 1), CHUNK_ROWS):
        chunk = Chunk(first // CHUNK_ROWS, first, table.slice(first, CHUNK_ROWS))
        rated = work(context, chunk).rated
        parts.append(
            impact_rows(rated.results, old.manual.identity.version, new.manual.identity.version)
        )
    return pa.concat_tables(parts).to_pandas()


MIN_POLICIES = 30


def _report(
    old: Plan, new: Plan, overall: Overall, buckets: pd.DataFrame, segs: pd.DataFrame, rows: int
) -> str:
    oi, ni = old.manual.identity, new.manual.identity
    total_p = max(int(buckets["policies"].sum()), 1)
    total_old = max(int(buckets["old"].sum()), 1)
    table = "".join(
        f"<tr><td>{escape(b)}</td><td>{int(r.policies):,}</td>"
        f"<td>{100 * r.policies / total_p:.1f} %</td><td>{100 * r.old / total_old:.1f} %</td></tr>"
        for b, r in buckets.iterrows()
    )
    segs = segs.copy()
    segs["change"] = np.where(
        segs["old"] > 0, segs["new"] / segs["old"].where(segs["old"] > 0, 1) - 1, 0.0
    )
    sections = [
        f"<p>{escape(oi.carrier_name)} {escape(oi.line)} {escape(oi.state)}: manual "
        f"{escape(oi.version)} → {escape(ni.version)}, on a book of {rows:,} policies; "
        f"{overall.compared:,} are priced by both (declines and errors under either are left "
        "out). Premiums are the term premium before fees.</p>",
        f"<p><strong>Overall rate change: {overall.rate_change:+.2%}</strong> (written premium "
        f"${overall.old_premium / 100:,.0f} → ${overall.new_premium / 100:,.0f}).</p>",
        "<h2>Distribution of changes</h2>",
        charts.bars(
            [(b, 100 * float(r.policies) / total_p) for b, r in buckets.iterrows()],
            "Policies by change bucket", "{:.1f} %",
        ),
        "<table><tr><th>Change</th><th>Policies</th><th>Share of policies</th>"
        f"<th>Share of premium</th></tr>{table}</table>",
        "<h2>Rate change by segment</h2>",
    ]  # fmt: skip
    for dim, label in SEGMENTS.items():
        sub = segs[(segs["dimension"] == dim) & (segs["policies"] >= MIN_POLICIES)]
        sub = sub.set_index("segment")
        order = segment_order(
            dim, [str(s) for s in sub.sort_values("policies", ascending=False).index[:12]]
        )
        sections.append(f"<h3>{escape(label)}</h3>")
        sections.append(
            charts.bars(
                [(s, 100 * float(sub.at[s, "change"])) for s in order],
                f"Rate change by {label}", "{:+.1f} %",
            )
        )  # fmt: skip
    worst = segs[segs["policies"] >= MIN_POLICIES].copy()
    worst["distance"] = (worst["change"] - overall.rate_change).abs()
    worst = worst.sort_values(["distance", "dimension", "segment"], ascending=[False, True, True])
    rows_html = "".join(
        f"<tr><td>{escape(SEGMENTS[r.dimension])}: {escape(str(r.segment))}</td>"
        f"<td>{int(r.policies):,}</td><td>{r.change:+.2%}</td></tr>"
        for r in worst.head(12).itertuples()
    )
    sections.append(
        '<h2>Most affected segments</h2><p class="note">Furthest from the overall change.</p>'
        f"<table><tr><th>Segment</th><th>Policies</th><th>Rate change</th></tr>{rows_html}</table>"
    )
    return page(f"Rate-change impact: {oi.carrier_name} {oi.version} → {ni.version}", sections)
