"""The market report: one self-contained HTML page (inline CSS and SVG, no script, no network).

It answers an analyst's questions in order: who is cheapest where, how far apart prices are, how
each carrier ranks, where each carrier is dear or cheap compared with its usual position (the
heatmap), and the segments where one carrier is most out of line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import pandas as pd

from rateshop.analysis import charts
from rateshop.analysis.segments import SEGMENTS, segment_order
from rateshop.analysis.summary import Summary
from rateshop.rating.plan import Plan

__all__ = ["MIN_QUOTES", "market_report", "page", "relativities"]

MIN_QUOTES = 30  # a segment × carrier cell with fewer quotes says too little to be shown
TOP_SEGMENTS = 12
PER_DIMENSION = 4  # rows of one dimension in the out-of-line table  # of a dimension with many segments (counties), the largest are shown

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
td,th{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
.legend{display:flex;flex-wrap:wrap;gap:.8rem;margin:.4rem 0;font-size:.85rem}
.key i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
.note{color:#555;font-size:.9rem}
"""


def page(title: str, sections: Sequence[str]) -> str:
    """A whole HTML page around ``sections`` (already HTML)."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{''.join(sections)}</body></html>"
    )


def _money(cents: float) -> str:
    return f"${cents / 100:,.0f}"


def _segments(carriers: pd.DataFrame, dim: str) -> list[str]:
    sub = carriers[carriers["dimension"] == dim]
    size = sub.groupby("segment")["answered"].sum().sort_values(ascending=False)
    labels = [str(s) for s in size.index if s != "unknown"][:TOP_SEGMENTS]
    return segment_order(dim, labels)


def relativities(carriers: pd.DataFrame) -> pd.DataFrame:
    """Per dimension, segment and carrier: how dear the carrier is in the segment compared with
    the market there, divided by the same for the whole book (1.00 = its usual position).

    The market's price in a segment is the mean over carriers of each one's mean annual premium,
    so a carrier that quotes few risks does not weigh less.
    """
    df = carriers[carriers["quote"] > 0].copy()
    df["mean"] = df["annual"] / df["quote"]
    df["market"] = df.groupby(["dimension", "segment"])["mean"].transform("mean")
    df["position"] = df["mean"] / df["market"]
    overall = df[df["dimension"] == "all"].set_index("carrier")["position"]
    df["relativity"] = df["position"] / df["carrier"].map(overall)
    return df[df["dimension"] != "all"][
        ["dimension", "segment", "carrier", "quote", "mean", "market", "relativity"]
    ]


def market_report(summary: Summary, plans: Sequence[Plan], *, title: str, rows: int) -> str:
    """The report of a market run."""
    carriers, per_row = summary.carriers, summary.rows
    names = [p.manual.identity.carrier for p in plans]
    sections = [_overview(carriers, plans, rows)]
    sections.append(_cheapest(carriers, names))
    sections.append(_dispersion(per_row, carriers))
    sections.append(_ranks(carriers, names))
    rel = relativities(carriers)
    sections.append(_heatmaps(rel, carriers, names))
    sections.append(_out_of_line(rel))
    return page(title, sections)


def _overview(carriers: pd.DataFrame, plans: Sequence[Plan], rows: int) -> str:
    allrows = carriers[carriers["dimension"] == "all"].set_index("carrier")
    body = []
    for p in plans:
        ident = p.manual.identity
        if ident.carrier not in allrows.index:
            continue
        c = allrows.loc[ident.carrier]
        quotes = int(c["quote"])
        mean = c["annual"] / quotes if quotes else 0
        body.append(
            f"<tr><td>{escape(ident.carrier_name)}</td><td>{escape(ident.version)}</td>"
            f"<td>{quotes:,}</td><td>{int(c['decline']):,}</td><td>{int(c['error']):,}</td>"
            f"<td>{_money(mean)}</td><td>{100 * c['win'] / max(quotes, 1):.1f} %</td></tr>"
        )
    return (
        f"<p>{rows:,} book rows rated against {len(plans)} carriers. Prices are the total a "
        "shopper pays for a year (6-month terms doubled), fees included; ranks put quotes for "
        "exactly the cover asked before those for the nearest cover a carrier offers.</p>"
        "<table><tr><th>Carrier</th><th>Manual</th><th>Quotes</th><th>Declines</th>"
        "<th>Errors</th><th>Mean annual</th><th>Cheapest in</th></tr>" + "".join(body) + "</table>"
    )


def _cheapest(carriers: pd.DataFrame, names: list[str]) -> str:
    out = ["<h2>Cheapest carrier by segment</h2>", charts.legend(names)]
    for dim, label in SEGMENTS.items():
        sub = carriers[carriers["dimension"] == dim]
        wins = sub.pivot_table(index="segment", columns="carrier", values="win", aggfunc="sum")
        rows = [
            (seg, [float(wins.at[seg, c]) if c in wins.columns else 0.0 for c in names])
            for seg in _segments(carriers, dim)
            if seg in wins.index
        ]
        out.append(f"<h3>{escape(label)}</h3>")
        out.append(charts.stacked_bars(rows, names, f"Cheapest carrier share by {label}"))
    return "".join(out)


def _dispersion(per_row: pd.DataFrame, carriers: pd.DataFrame) -> str:
    out = [
        "<h2>Price dispersion by segment</h2>",
        '<p class="note">For each risk with two quotes or more: the dearest quote over the '
        "cheapest, averaged over the segment's risks.</p>",
    ]
    overall = per_row[per_row["dimension"] == "all"]
    if len(overall) and overall["risks"].sum():
        r = overall.iloc[0]
        out.append(
            f"<p>Whole book: dearest/cheapest {r['ratio'] / r['risks']:.2f}×, coefficient of "
            f"variation {r['cv'] / r['risks']:.2f}.</p>"
        )
    for dim, label in SEGMENTS.items():
        sub = per_row[per_row["dimension"] == dim].set_index("segment")
        rows = [
            (seg, float(sub.at[seg, "ratio"] / sub.at[seg, "risks"]))
            for seg in _segments(carriers, dim)
            if seg in sub.index and sub.at[seg, "risks"] > 0
        ]
        out.append(f"<h3>{escape(label)}</h3>")
        out.append(charts.bars(rows, f"Dearest over cheapest quote by {label}", "{:.2f}×"))
    return "".join(out)


def _ranks(carriers: pd.DataFrame, names: list[str]) -> str:
    allrows = carriers[carriers["dimension"] == "all"].set_index("carrier")
    rank_cols = sorted(
        (c for c in carriers.columns if c.startswith("rank_")), key=lambda c: int(c[5:])
    )
    rows = [
        (c, [float(allrows.at[c, rc]) for rc in rank_cols]) for c in names if c in allrows.index
    ]
    series = [f"rank {c[5:]}" for c in rank_cols]
    return (
        "<h2>Rank distribution per carrier</h2>"
        + charts.legend(series)
        + charts.stacked_bars(rows, series, "Rank distribution per carrier")
    )


def _heatmaps(rel: pd.DataFrame, carriers: pd.DataFrame, names: list[str]) -> str:
    out = [
        "<h2>Competitiveness by segment and carrier</h2>",
        '<p class="note">Each cell: the carrier\'s price in the segment against the market '
        "there, relative to its position on the whole book. Above 1.00 (red) the carrier is "
        f"dearer there than usual, below (blue) keener. Cells with fewer than {MIN_QUOTES} "
        "quotes are grey.</p>",
    ]
    for dim, label in SEGMENTS.items():
        sub = rel[(rel["dimension"] == dim) & (rel["quote"] >= MIN_QUOTES)]
        table = sub.pivot_table(index="segment", columns="carrier", values="relativity")
        segs = [s for s in _segments(carriers, dim) if s in table.index]
        values = [
            [
                None if c not in table.columns or pd.isna(table.at[s, c]) else float(table.at[s, c])
                for c in names
            ]
            for s in segs
        ]
        out.append(f"<h3>{escape(label)}</h3>")
        out.append(charts.heatmap(segs, names, values, f"Competitiveness by {label}"))
    return "".join(out)


def _out_of_line(rel: pd.DataFrame) -> str:
    sub = rel[rel["quote"] >= MIN_QUOTES].copy()
    sub["distance"] = sub["relativity"].map(lambda v: abs(math.log(v)) if v > 0 else 0.0)
    ranked = sub.sort_values(
        ["distance", "dimension", "segment", "carrier"], ascending=[False, True, True, True]
    )
    # a few per dimension, so that many small counties do not hide the other dimensions
    top = ranked.groupby("dimension", sort=False).head(PER_DIMENSION).head(15)
    body = "".join(
        f"<tr><td>{escape(SEGMENTS.get(r.dimension, r.dimension))}: {escape(str(r.segment))}</td>"
        f"<td>{escape(r.carrier)}</td><td>{_money(r.mean)}</td><td>{_money(r.market)}</td>"
        f"<td>{r.relativity:.2f}</td><td>{'dearer' if r.relativity > 1 else 'keener'}</td>"
        f"<td>{int(r.quote):,}</td></tr>"
        for r in top.itertuples()
    )
    return (
        "<h2>Most out-of-line segments</h2>"
        '<p class="note">Where one carrier strays furthest from its usual position in the '
        "market.</p><table><tr><th>Segment</th><th>Carrier</th><th>Its mean</th>"
        "<th>Market mean</th><th>Relativity</th><th></th><th>Quotes</th></tr>" + body + "</table>"
    )
