"""Rate one chunk of a book against every carrier's plan: one result row per risk × carrier.

Each carrier gets the risk as it can quote it (the nearest cover it offers, see
:mod:`rateshop.compare.nearest`), rated through the exact batch path. Rows that are no risk at
all, and risks a carrier cannot rate, become error rows with their book row number and reason;
nothing here raises for a bad row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from rateshop.analysis.book import BadRow, risks_of
from rateshop.analysis.segments import segment_columns
from rateshop.compare.nearest import fit
from rateshop.rating.batch import DECLINE, ERROR, QUOTE, book_from_risks, rate_book
from rateshop.rating.plan import Plan

__all__ = ["ERRORS_SCHEMA", "RESULT_SCHEMA", "Rated", "rate_chunk"]

STATUS = {QUOTE: "quote", DECLINE: "decline", ERROR: "error"}

RESULT_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("policy_id", pa.int64()),
        ("carrier", pa.string()),
        ("manual_version", pa.string()),
        ("status", pa.string()),
        ("premium_cents", pa.int64()),  # the term's premium before fees
        ("total_cents", pa.int64()),  # what the term costs with fees
        ("term_months", pa.int8()),
        ("annual_cents", pa.int64()),  # the total for a year, so 6- and 12-month terms compare
        ("rank", pa.int16()),  # 1 = cheapest of the row's quotes, like-for-like ones first
        ("like_for_like", pa.bool_()),
        ("substitutions", pa.string()),
        ("reason", pa.string()),
        ("age_band", pa.string()),
        ("county", pa.string()),
        ("vehicle_age", pa.string()),
        ("record", pa.string()),
        ("cover", pa.string()),
    ]
)

ERRORS_SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("policy_id", pa.int64()),
        ("carrier", pa.string()),
        ("reason", pa.string()),
    ]
)


@dataclass(frozen=True)
class Rated:
    """A chunk's result rows and error rows."""

    results: pa.Table
    errors: pa.Table


def _annual(total: int, months: int) -> int:
    """The yearly price in cents, half-up to the cent (exact for 6- and 12-month terms)."""
    num, den = total * 12, months
    return (2 * num + den) // (2 * den)


def rate_chunk(
    plans: Sequence[Plan], table: pa.Table, first_row: int, known_zips: set[str], state: str
) -> Rated:
    """Rate the rows of ``table`` (book rows ``first_row`` …) with every plan of ``plans``."""
    n = table.num_rows
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    policy = table.column("policy_id").to_numpy(zero_copy_only=False).astype(np.int64)
    risks = risks_of(table, known_zips)
    bad: dict[int, str] = {i: r.reason for i, r in enumerate(risks) if isinstance(r, BadRow)}
    states = table.column("state").to_pylist()
    for i, s in enumerate(states):
        if i not in bad and s != state:
            bad[i] = f"state {s!r}: this run rates {state} books"
    good = [i for i in range(n) if i not in bad]
    good_risks: list[Mapping[str, Any]] = [risks[i] for i in good]  # type: ignore[misc]
    segments = segment_columns(table, known_zips)
    err_rows: list[int] = sorted(bad)
    err_carrier: list[str | None] = [None] * len(err_rows)
    err_reason: list[str] = [bad[i] for i in err_rows]
    cols: dict[str, list[Any]] = {name: [] for name in RESULT_SCHEMA.names}
    per_plan: list[tuple[Plan, dict[str, list[Any]]]] = []
    for plan in plans:
        fitted = [fit(plan.manual, r) for r in good_risks]
        result = rate_book(plan, book_from_risks(plan, [f.risk for f in fitted]))
        months = plan.manual.identity.term_months
        status = result.status.tolist()
        totals = result.total.tolist()
        premiums = result.premium.tolist()
        out: dict[str, list[Any]] = {k: [] for k in ("i", "status", "premium", "total", "annual",
                                                     "like", "subs", "reason")}  # fmt: skip
        for j, i in enumerate(good):
            st = status[j]
            subs = fitted[j].substitutions
            reason = None
            if st == DECLINE:
                reason = "; ".join(result.declined.get(j, []))
            elif st == ERROR:
                reason = result.errors.get(j, "could not be rated")
                err_rows.append(i)
                err_carrier.append(plan.manual.identity.carrier)
                err_reason.append(reason)
            quoted = st == QUOTE
            out["i"].append(i)
            out["status"].append(STATUS[st])
            out["premium"].append(premiums[j] if quoted else None)
            out["total"].append(totals[j] if quoted else None)
            out["annual"].append(_annual(totals[j], months) if quoted else None)
            out["like"].append(not subs)
            out["subs"].append(
                "; ".join(f"{s.field}: {s.asked} → {s.quoted}" for s in subs) or None
            )
            out["reason"].append(reason)
        per_plan.append((plan, out))
    ranks = _ranks(len(good), [o for _, o in per_plan])
    position = {i: j for j, i in enumerate(good)}
    # row-major: every carrier's answer for a row together, carriers in the plans' order
    for i in good:
        j = position[i]
        for k, (plan, out) in enumerate(per_plan):
            ident = plan.manual.identity
            cols["row"].append(int(rows[i]))
            cols["policy_id"].append(int(policy[i]))
            cols["carrier"].append(ident.carrier)
            cols["manual_version"].append(ident.version)
            cols["status"].append(out["status"][j])
            cols["premium_cents"].append(out["premium"][j])
            cols["total_cents"].append(out["total"][j])
            cols["term_months"].append(ident.term_months)
            cols["annual_cents"].append(out["annual"][j])
            cols["rank"].append(ranks[k][j])
            cols["like_for_like"].append(out["like"][j])
            cols["substitutions"].append(out["subs"][j])
            cols["reason"].append(out["reason"][j])
            for name, values in segments.items():
                cols[name].append(values[i])
    results = pa.table(cols, schema=RESULT_SCHEMA)
    order = sorted(range(len(err_rows)), key=lambda k: (err_rows[k], err_carrier[k] or ""))
    errors = pa.table(
        {
            "row": [int(rows[err_rows[k]]) for k in order],
            "policy_id": [int(policy[err_rows[k]]) for k in order],
            "carrier": [err_carrier[k] for k in order],
            "reason": [err_reason[k] for k in order],
        },
        schema=ERRORS_SCHEMA,
    )
    return Rated(results, errors)


def _ranks(n: int, outs: list[dict[str, list[Any]]]) -> list[list[int | None]]:
    """Each carrier's rank in each row among the row's quotes: like-for-like first, then price,
    then the carriers' order (so ties rank the same way every run)."""
    ranks: list[list[int | None]] = [[None] * n for _ in outs]
    if not outs or n == 0:
        return ranks
    big = np.iinfo(np.int64).max
    annual = np.array(
        [[big if a is None else a for a in o["annual"]] for o in outs], dtype=np.int64
    )
    unlike = np.array([[not like for like in o["like"]] for o in outs], dtype=np.int64)
    quoted = annual != big
    key = np.where(quoted, unlike, 2)
    # lexsort per column (row of the book): last key is primary
    carrier_idx = np.broadcast_to(np.arange(len(outs))[:, None], annual.shape)
    order = np.lexsort((carrier_idx, annual, key), axis=0)
    rank_of = np.empty_like(order)
    np.put_along_axis(rank_of, order, np.arange(1, len(outs) + 1)[:, None], axis=0)
    for k in range(len(outs)):
        ranks[k] = [int(r) if q else None for r, q in zip(rank_of[k], quoted[k], strict=True)]
    return ranks
