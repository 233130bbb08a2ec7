"""A book of risks as columns: one row per rating unit and one per risk, and how it is made.

A :class:`Book` holds one row per rating unit (a vehicle with its driver, a member, or the policy)
and one row per risk. :func:`book_from_risks` builds it from JSON risks through the same
preparation as the single path; analysts with flat data can build a Book directly. A large book
is rated in chunks cut at risk boundaries (:func:`chunks`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np

from rateshop.errors import RiskError
from rateshop.manual.expr import Expr, Name, walk
from rateshop.manual.types import Bool, Date, Num, Text, Type
from rateshop.rating.columns import LIMIT, Cat, Column, Frame, IntArray
from rateshop.rating.plan import Plan
from rateshop.rating.prepare import prepare
from rateshop.rating.steps import CStep


@dataclass
@dataclass
class Book:
    """Rating units and risks as columns."""

    n_risks: int
    units: Frame
    unit_risk: IntArray  # the risk each unit belongs to, in non-decreasing order
    risks: Frame
    declined: dict[int, list[str]] = field(default_factory=dict)  # risk -> reasons
    errors: dict[int, str] = field(default_factory=dict)  # risk -> why it could not be rated

    def __post_init__(self) -> None:
        self.units["__rows__"] = len(self.unit_risk)
        self.risks["__rows__"] = self.n_risks


def column_types(plan: Plan) -> tuple[dict[str, Type], dict[str, Type]]:
    """The unit-level and risk-level columns a plan reads, with their types."""
    unit: dict[str, Type] = {}
    risk: dict[str, Type] = {}
    for comp in plan.components:
        if comp.coverage is not None:
            unit[f"coverages.{comp.coverage}.chosen"] = Bool()
        exprs: list[Expr] = [] if comp.model.when is None else [comp.model.when]
        for cs in comp.steps:
            exprs.extend(_step_exprs(cs))
        for e in exprs:
            for node in walk(e):
                if isinstance(node, Name):
                    unit[node.key] = node.type
    policy: list[Expr] = []
    for cs in plan.policy_steps:
        policy.extend(_step_exprs(cs))
    for fee in plan.manual.fees:
        policy.append(fee.amount)
        if fee.when is not None:
            policy.append(fee.when)
    for e in policy:
        for node in walk(e):
            if isinstance(node, Name) and node.key != "premium":
                risk[node.key] = node.type
    return unit, risk


def _step_exprs(cs: CStep) -> list[Expr]:
    st = cs.step
    out = [e for e in (st.operand, st.when) if e is not None]
    for g in st.groups:
        if g.cap is not None:
            out.append(g.cap)
        for item in g.items:
            out.append(item.rate)
            if item.when is not None:
                out.append(item.when)
    return out


def _column(values: Sequence[Any], t: Type) -> Column:
    if isinstance(t, Text):
        return Cat.encode(values)
    if isinstance(t, Date):
        return np.array(values, dtype="datetime64[D]")
    if isinstance(t, Bool):
        return np.array(values, dtype=bool)
    if isinstance(t, Num):
        try:
            ints = np.array(values, dtype=np.int64)
        except OverflowError:
            return np.array(values, dtype=object)
        if ints.size and ((ints >= LIMIT) | (ints <= -LIMIT)).any():
            return np.array(values, dtype=object)
        return ints
    raise TypeError(f"no column for {t}")


def _frame(
    rows: list[dict[str, Any]], types: Mapping[str, Type], filler: Mapping[str, Any]
) -> Frame:
    """The columns ``types`` of ``rows``, ``filler``'s value where a row has none."""
    keys = list(types)
    if not keys:
        return {}
    values: list[Sequence[Any]]
    try:
        # the common case, every row having every column: read and turned into columns in C
        if len(keys) == 1:
            values = [list(map(itemgetter(keys[0]), rows))]
        else:
            values = list(zip(*map(itemgetter(*keys), rows), strict=True)) if rows else []
            values = values or [[] for _ in keys]
    except KeyError:
        values = [[row.get(k, filler.get(k)) for row in rows] for k in keys]
    return {k: _column(v, types[k]) for k, v in zip(keys, values, strict=True)}


def book_from_risks(plan: Plan, risks: Sequence[Mapping[str, Any]]) -> Book:
    """Prepare JSON risks (validation, derived values, eligibility, assignment) into a Book."""
    unit_types, risk_types = column_types(plan)
    unit_rows: list[dict[str, Any]] = []
    unit_risk: list[int] = []
    risk_rows: list[dict[str, Any]] = []
    declined: dict[int, list[str]] = {}
    errors: dict[int, str] = {}
    for i, risk in enumerate(risks):
        try:
            prepared = prepare(plan, risk)
        except RiskError as exc:
            errors[i] = str(exc)
            risk_rows.append({})
            continue
        if prepared.declined:
            declined[i] = prepared.declined
        risk_rows.append(prepared.risk)
        for u in prepared.units:
            unit_rows.append(u)
            unit_risk.append(i)
    # rows that could not be prepared still need a value in every column; they are never used
    filler_unit = unit_rows[0] if unit_rows else {}
    filler_risk = next((r for r in risk_rows if r), {})
    units = _frame(unit_rows, unit_types, filler_unit) if unit_rows else {}
    risk_frame = _frame(risk_rows, risk_types, filler_risk) if filler_risk else {}
    return Book(
        n_risks=len(risks),
        units=units,
        unit_risk=np.array(unit_risk, dtype=np.int64),
        risks=risk_frame,
        declined=declined,
        errors=errors,
    )


def row_record(frame: Frame, r: int) -> dict[str, Any]:
    """Row ``r`` of a frame as the flat record the single path rates."""
    row: dict[str, Any] = {}
    for key, col in frame.items():
        if key == "__rows__":
            continue
        if isinstance(col, Cat):
            row[key] = col.categories[int(col.codes[r])]
        elif isinstance(col, np.ndarray):
            value = col[r]
            if col.dtype.kind == "M":
                row[key] = value.astype("datetime64[D]").astype(object)
            elif col.dtype.kind == "b":
                row[key] = bool(value)
            elif col.dtype.kind in "iu":
                row[key] = int(value)
            else:
                row[key] = value
        else:
            row[key] = col
    return row


def unit_starts(unit_risk: IntArray, n_risks: int) -> IntArray:
    """The first unit of each risk, and the unit count last (units of a risk are contiguous).

    The same as searching each risk number in ``unit_risk``, in one counting pass.
    """
    counts = np.bincount(unit_risk, minlength=n_risks)
    out = np.zeros(n_risks + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def _slice(frame: Frame, lo: int, hi: int) -> Frame:
    out: Frame = {}
    for key, col in frame.items():
        if key == "__rows__":
            continue
        if isinstance(col, Cat):
            out[key] = Cat(col.codes[lo:hi], col.categories)
        elif isinstance(col, np.ndarray):
            out[key] = col[lo:hi]
        else:
            out[key] = col
    return out


def chunks(book: Book, size: int) -> list[Book]:
    """Split a book at risk boundaries into books of about ``size`` units each."""
    n_units = len(book.unit_risk)
    if n_units <= size:
        return [book]
    # first unit of each risk (risks without units, i.e. declined, start where the next does)
    starts = unit_starts(book.unit_risk, book.n_risks)
    cuts = np.unique(np.searchsorted(starts, np.arange(size, n_units, size)))
    bounds = [0, *[int(c) for c in cuts if 0 < c < book.n_risks], book.n_risks]
    parts = []
    for risk_lo, risk_hi in itertools.pairwise(bounds):
        unit_lo, unit_hi = int(starts[risk_lo]), int(starts[risk_hi])
        parts.append(
            Book(
                n_risks=risk_hi - risk_lo,
                units=_slice(book.units, unit_lo, unit_hi),
                unit_risk=book.unit_risk[unit_lo:unit_hi] - risk_lo,
                risks=_slice(book.risks, risk_lo, risk_hi),
                declined={
                    i - risk_lo: r for i, r in book.declined.items() if risk_lo <= i < risk_hi
                },
                errors={i - risk_lo: e for i, e in book.errors.items() if risk_lo <= i < risk_hi},
            )
        )
    return parts
