"""Rate one chunk of a book against every carrier's plan: one result row per risk × carrier.

Each carrier gets the risk as it can quote it (the nearest cover it offers, see
:mod:`rateshop.compare.nearest`), rated through the exact batch path. Rows that are no risk at
all, and risks a carrier cannot rate, become error rows with their book row number and reason;
nothing here raises for a bad row.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from rateshop.analysis.book import BadRow, risks_of
from rateshop.analysis.segments import segment_columns
from rateshop.compare.nearest import Fitted, Keys, fit_many
from rateshop.rating.batch import DECLINE, ERROR, QUOTE, BatchResult, book_from_risks, rate_book
from rateshop.rating.plan import Plan

__all__ = ["ERRORS_SCHEMA", "RESULT_SCHEMA", "Rated", "rate_chunk"]

STATUS = {QUOTE: "quote", DECLINE: "decline", ERROR: "error"}

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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
    per_plan: list[_PlanRows] = []
    keys: Keys = {}  # each risk's choice of cover, read once for every plan
    for plan in plans:
        fitted = fit_many(plan.manual, good_risks, keys, _fitted(plan))
        result = rate_book(plan, book_from_risks(plan, [f.risk for f in fitted]))
        rows_of = _plan_rows(plan, fitted, result)
        for j, reason in rows_of.errors:
            err_rows.append(good[j])
            err_carrier.append(plan.manual.identity.carrier)
            err_reason.append(reason)
        per_plan.append(rows_of)
    results = _results(plans, per_plan, np.array(good, dtype=np.int64), rows, policy, segments)
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


# Each plan's choices of cover fitted so far, for the chunks to come (a book has few; a plan let
# go takes its own with it).
_FITTED: weakref.WeakKeyDictionary[Plan, dict[Any, Fitted]] = weakref.WeakKeyDictionary()
_FITTED_LIMIT = 100_000


def _fitted(plan: Plan) -> dict[Any, Fitted]:
    done = _FITTED.get(plan)
    if done is None or len(done) > _FITTED_LIMIT:
        done = _FITTED[plan] = {}
    return done


@dataclass
class _PlanRows:
    """One plan's answer for each good row of a chunk, as columns."""

    status: list[str]
    premium: pa.Array
    total: pa.Array
    annual: IntArray  # _UNQUOTED where there is no quote
    like: BoolArray
    subs: list[str | None]
    reason: list[str | None]
    errors: list[tuple[int, str]]  # (good row, why) of the rows that could not be rated


_UNQUOTED = np.iinfo(np.int64).max


def _plan_rows(plan: Plan, fitted: Sequence[Fitted], result: BatchResult) -> _PlanRows:
    """A plan's rated rows as columns: the quotes' prices, the substitutions, the reasons."""
    n = len(fitted)
    months = plan.manual.identity.term_months
    status = result.status
    quoted = status == QUOTE
    totals = result.total.tolist()
    annual = np.full(n, _UNQUOTED, dtype=np.int64)
    for j in np.flatnonzero(quoted).tolist():
        annual[j] = _annual(totals[j], months)
    reason: list[str | None] = [None] * n
    errors: list[tuple[int, str]] = []
    for j in np.flatnonzero(status != QUOTE).tolist():
        if status[j] == DECLINE:
            reason[j] = "; ".join(result.declined.get(j, []))
        elif status[j] == ERROR:
            why = result.errors.get(j, "could not be rated")
            reason[j] = why
            errors.append((j, why))
    # rows fitted alike share their substitutions: each written out once
    written: dict[int, str | None] = {}
    subs: list[str | None] = []
    for f in fitted:
        text = written.get(id(f.substitutions), _NOT_YET)
        if text is _NOT_YET:
            text = written[id(f.substitutions)] = (
                "; ".join(f"{s.field}: {s.asked} → {s.quoted}" for s in f.substitutions) or None
            )
        subs.append(text)
    names = np.array([STATUS[k] for k in (QUOTE, DECLINE, ERROR)], dtype=object)
    codes = np.select([status == DECLINE, status == ERROR], [1, 2], 0)
    return _PlanRows(
        status=names[codes].tolist(),
        premium=pa.array(result.premium, type=pa.int64(), mask=~quoted),
        total=pa.array(result.total, type=pa.int64(), mask=~quoted),
        annual=annual,
        like=np.array([not f.substitutions for f in fitted], dtype=bool),
        subs=subs,
        reason=reason,
        errors=errors,
    )


_NOT_YET: Any = object()


def _results(
    plans: Sequence[Plan],
    per_plan: list[_PlanRows],
    good: IntArray,
    rows: IntArray,
    policy: IntArray,
    segments: Mapping[str, list[str | None]],
) -> pa.Table:
    """The result rows, row-major: every carrier's answer for a row together, carriers in the
    plans' order."""
    k, m = len(per_plan), len(good)
    # plan-major columns (all of plan 0's rows, then plan 1's…) taken row-major
    take = pa.array((np.arange(k)[None, :] * m + np.arange(m)[:, None]).ravel())
    ranks = _ranks([o.annual for o in per_plan], [o.like for o in per_plan], m)

    def joined(parts: Sequence[Any], t: pa.DataType) -> pa.Array:
        if not parts:
            return pa.array([], type=t)
        arrays = [p if isinstance(p, pa.Array) else pa.array(p, type=t) for p in parts]
        return pa.concat_arrays(arrays).take(take)

    def each_plan(value: Any, t: pa.DataType) -> pa.Array:
        return pa.array([value(p) for p in plans], type=t).take(pa.array(np.tile(np.arange(k), m)))

    quoted = [o.annual != _UNQUOTED for o in per_plan]
    cols: dict[str, pa.Array] = {
        "row": pa.array(np.repeat(rows[good], k), type=pa.int64()),
        "policy_id": pa.array(np.repeat(policy[good], k), type=pa.int64()),
        "carrier": each_plan(lambda p: p.manual.identity.carrier, pa.string()),
        "manual_version": each_plan(lambda p: p.manual.identity.version, pa.string()),
        "status": joined([o.status for o in per_plan], pa.string()),
        "premium_cents": joined([o.premium for o in per_plan], pa.int64()),
        "total_cents": joined([o.total for o in per_plan], pa.int64()),
        "term_months": each_plan(lambda p: p.manual.identity.term_months, pa.int8()),
        "annual_cents": joined(
            [pa.array(o.annual, mask=~q) for o, q in zip(per_plan, quoted, strict=True)],
            pa.int64(),
        ),
        "rank": joined(
            [pa.array(r, type=pa.int16(), mask=~q) for r, q in zip(ranks, quoted, strict=True)],
            pa.int16(),
        ),
        "like_for_like": joined([pa.array(o.like) for o in per_plan], pa.bool_()),
        "substitutions": joined([o.subs for o in per_plan], pa.string()),
        "reason": joined([o.reason for o in per_plan], pa.string()),
    }
    by_row = pa.array(np.repeat(good, k))
    for name, values in segments.items():
        cols[name] = pa.array(values, type=pa.string()).take(by_row)
    return pa.table(cols, schema=RESULT_SCHEMA)


def _ranks(annual: list[IntArray], like: list[BoolArray], n: int) -> list[IntArray]:
    """Each carrier's rank in each row among the row's quotes (where unquoted, a number that
    means nothing): like-for-like first, then price, then the carriers' order (so ties rank the
    same way every run)."""
    if not annual or n == 0:
        return [np.zeros(n, dtype=np.int64) for _ in annual]
    prices = np.stack(annual)
    unlike = (~np.stack(like)).astype(np.int64)
    key = np.where(prices != _UNQUOTED, unlike, 2)
    # lexsort per column (row of the book): last key is primary
    carrier_idx = np.broadcast_to(np.arange(len(annual))[:, None], prices.shape)
    order = np.lexsort((carrier_idx, prices, key), axis=0)
    rank_of = np.empty_like(order)
    np.put_along_axis(rank_of, order, np.arange(1, len(annual) + 1)[:, None], axis=0)
    return list(rank_of)
