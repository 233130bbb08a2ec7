"""What the report reads of a market run, summed chunk by chunk so a book of any size fits.

:func:`aggregate` turns one chunk's result rows into small per-segment sums; :func:`combine`
adds the sums of every chunk; the figures (cheapest-carrier shares, dispersion, ranks,
relativities) are ratios of those sums, so the order of the chunks changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from rateshop.analysis.segments import SEGMENTS

__all__ = ["Summary", "aggregate", "combine", "summarise"]


@dataclass
class Summary:
    """Sums over a market run.

    ``carriers``: per segment dimension, segment and carrier — rows answered, quotes, declines,
    errors, the sum of annual premiums (cents), wins (rank 1) and the count of each rank.
    ``rows``: per dimension and segment — risks with at least two quotes, and the sums of each
    such risk's highest/lowest price ratio and coefficient of variation.
    """

    carriers: pd.DataFrame
    rows: pd.DataFrame


def aggregate(results: pa.Table | pd.DataFrame) -> Summary:
    """The sums of one chunk's result rows (see :data:`rateshop.analysis.rate.RESULT_SCHEMA`)."""
    df = results.to_pandas() if isinstance(results, pa.Table) else results
    df = df.assign(
        quote=(df["status"] == "quote").astype(np.int64),
        decline=(df["status"] == "decline").astype(np.int64),
        error=(df["status"] == "error").astype(np.int64),
        win=(df["rank"] == 1).astype(np.int64),
        annual=df["annual_cents"].fillna(0).astype("float64"),
        answered=1,
    )
    n_carriers = max(int(df["rank"].max()) if df["rank"].notna().any() else 0, 1)
    for r in range(1, n_carriers + 1):
        df[f"rank_{r}"] = (df["rank"] == r).astype(np.int64)
    rank_cols = [f"rank_{r}" for r in range(1, n_carriers + 1)]
    sums = ["answered", "quote", "decline", "error", "annual", "win", *rank_cols]
    quoted = df[df["quote"] == 1]
    per_row = quoted.groupby("row")["annual"].agg(["min", "max", "mean", "std", "count"])
    per_row = per_row[per_row["count"] >= 2]
    ratio = (per_row["max"] / per_row["min"]).rename("ratio")
    cv = (per_row["std"] / per_row["mean"]).rename("cv")
    firsts = df.drop_duplicates("row").set_index("row")
    carriers = []
    rows = []
    for dim in [*SEGMENTS, "all"]:
        key = firsts[dim] if dim != "all" else pd.Series("all", index=firsts.index)
        seg = df[dim] if dim != "all" else pd.Series("all", index=df.index)
        g = df.assign(segment=seg.fillna("unknown")).groupby(["segment", "carrier"])[sums].sum()
        carriers.append(g.reset_index().assign(dimension=dim))
        seg_of_row = key.reindex(per_row.index).fillna("unknown")
        r = pd.DataFrame({"segment": seg_of_row, "ratio": ratio, "cv": cv, "risks": 1})
        rows.append(
            r.groupby("segment")[["risks", "ratio", "cv"]].sum().reset_index().assign(dimension=dim)
        )
    return Summary(pd.concat(carriers, ignore_index=True), pd.concat(rows, ignore_index=True))


def combine(parts: Iterable[Summary]) -> Summary:
    """The sums of several chunks' summaries."""
    items = list(parts)
    carriers = pd.concat([p.carriers for p in items], ignore_index=True).fillna(0)
    rows = pd.concat([p.rows for p in items], ignore_index=True)
    return Summary(
        carriers.groupby(["dimension", "segment", "carrier"], sort=True).sum().reset_index(),
        rows.groupby(["dimension", "segment"], sort=True).sum().reset_index(),
    )


def summarise(results: pa.Table | pd.DataFrame) -> Summary:
    """The summary of a whole result table already in memory."""
    return combine([aggregate(results)])
