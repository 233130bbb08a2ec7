"""Running a book through a plan column-wise: each chain of steps over whole columns.

The answers are exactly those of :func:`rateshop.rating.single.rate`, cent for cent: the same
compiled scales, the same half-up rounding on integers, the same rule that a step which does not
apply is a factor of 1 or an amount of 0. Rows where the single path would raise (a table with no
row for the risk's values) are reported as errors, not raised, so one bad row does not stop a book.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np
import numpy.typing as npt

from rateshop.errors import Ineligible, RiskError
from rateshop.manual.expr import Lookup
from rateshop.manual.model import StepKind
from rateshop.money import POW10
from rateshop.rating.book import Book, row_record, unit_starts
from rateshop.rating.columns import (
    LIMIT,
    Frame,
    IntArray,
    VFn,
    is_exact_object,
    magnitude,
    round_half_up_v,
    safe_mul,
)
from rateshop.rating.plan import MONEY_SCALE, Plan
from rateshop.rating.steps import CStep
from rateshop.rating.vector import VCompiler
from rateshop.rating.vlookup import VLookup

BoolArray = npt.NDArray[np.bool_]

QUOTE, DECLINE, ERROR = 0, 1, 2
STATUS_NAMES = ("quote", "decline", "error")


@dataclass
class BatchResult:
    """Per-risk results in integer cents; ``status`` holds QUOTE, DECLINE or ERROR per risk."""

    premium: IntArray
    total: IntArray
    fees: dict[str, IntArray]
    components: dict[str, IntArray]
    status: npt.NDArray[np.int8]
    declined: dict[int, list[str]]
    errors: dict[int, str]

    def status_of(self, i: int) -> str:
        """``quote``, ``decline`` or ``error`` for risk ``i``."""
        return STATUS_NAMES[int(self.status[i])]


@dataclass
class VStep:
    cs: CStep
    when: VFn | None
    operand: VFn | None
    lookup: VLookup | None
    groups: list[tuple[int, VFn | None, int, list[tuple[VFn, int, VFn | None]]]]


class Runner:
    """The column-wise compilation of a plan (built once per plan and reused)."""

    def __init__(self, plan: Plan) -> None:
        # Weakly: the runners are kept per plan (``rateshop.rating.batch._RUNNERS``) only while
        # the plan lives, and a strong reference from the runner would keep every plan ever rated
        # alive.
        self._plan = weakref.ref(plan)
        self.vc = VCompiler(plan.manual.tables, plan.manual.identity.leap_birthday)
        self.components = [
            (
                comp,
                None if comp.model.when is None else self.vc.compile(comp.model.when),
                [self.vstep(cs) for cs in comp.steps],
            )
            for comp in plan.components
        ]
        self.policy = [self.vstep(cs) for cs in plan.policy_steps]
        # whether a risk may land on a cell the filing does not offer (a decline, see _refusals)
        self.may_refuse = any(
            t.not_offered or (t.interp is not None and t.interp.own is not None)
            for t in plan.manual.tables.values()
        )
        self.fees = [
            (fee, self.vc.compile(m.amount), None if m.when is None else self.vc.compile(m.when))
            for fee, m in zip(plan.fees, plan.manual.fees, strict=True)
        ]

    @property
    def plan(self) -> Plan:
        """The plan this runner rates with (alive while anyone rates with it)."""
        plan = self._plan()
        if plan is None:  # only reachable through a runner kept past its plan
            raise ReferenceError("the plan of this runner is gone")
        return plan

    def vstep(self, cs: CStep) -> VStep:
        st = cs.step
        lookup = self.vc.lookup(st.operand) if isinstance(st.operand, Lookup) else None
        operand = None if st.operand is None or lookup is not None else self.vc.compile(st.operand)
        groups = []
        for g, mg in zip(cs.groups, st.groups, strict=True):
            items = [
                (
                    self.vc.compile(mi.rate),
                    ci.align,
                    None if mi.when is None else self.vc.compile(mi.when),
                )
                for ci, mi in zip(g.items, mg.items, strict=True)
            ]
            cap = None if mg.cap is None else self.vc.compile(mg.cap)
            groups.append((g.scale, cap, g.cap_align, items))
        when = None if st.when is None else self.vc.compile(st.when)
        return VStep(cs, when, operand, lookup, groups)

    def eval(self, fn: VFn, frame: Frame, reach: Any) -> Any:
        """Evaluate ``fn``; rows with a failed nested lookup count as failed where ``reach``."""
        value = self.vc.guarded(fn, frame, reach)
        return value

    def take_missing(self) -> Any:
        missing, self.vc.missing = self.vc.missing, None
        return missing

    def chain(
        self, steps: list[VStep], frame: Frame, n: int, start: Any, live: Any
    ) -> tuple[Any, Any]:
        """Run steps over ``n`` rows from ``start``; return values and the failed-row mask."""
        v: Any = start
        bound = int(np.abs(v).max()) if isinstance(v, np.ndarray) and v.size else 0
        # whether every value is known to be >= 0, so rounding needs no sign handling
        nonneg = not isinstance(v, np.ndarray) or not v.size or bool(v.min() >= 0)
        failed = np.zeros(n, dtype=bool)
        for vs in steps:
            cs = vs.cs
            kind = cs.kind
            mask: Any = None
            if vs.when is not None:
                mask = np.broadcast_to(self.eval(vs.when, frame, live), (n,))
            reach = live if mask is None else (mask if live is None else live & mask)
            operand: Any = None
            op_bound = 0
            op_nonneg = True
            if kind == StepKind.DISCOUNT:
                operand = self.discount(vs, frame, n, reach)
                op_bound = int(np.abs(operand).max()) if operand.size else 0
                op_nonneg = not operand.size or bool(operand.min() >= 0)
            elif vs.lookup is not None:
                operand, missing = vs.lookup(frame, n)
                if missing.any():
                    failed |= missing if reach is None else (missing & reach)
                # an interpolated value past the last row has no static bound
                op_bound = (
                    vs.lookup.max_abs if vs.lookup.table.interp is None else magnitude(operand)
                )
                op_nonneg = vs.lookup.nonneg
            elif vs.operand is not None:
                operand = np.broadcast_to(self.eval(vs.operand, frame, reach), (n,))
                op_bound = int(np.abs(operand).max()) if operand.size else 0
                op_nonneg = not operand.size or bool(operand.min() >= 0)
            after, after_nonneg = cs.bound_after(
                bound, nonneg, op_bound, op_nonneg, mask is not None
            )
            match kind:
                case StepKind.START:
                    # a private copy: later steps update it in place
                    v = np.array(operand, copy=True) if mask is None else np.where(mask, operand, 0)
                case StepKind.MULTIPLY | StepKind.DISCOUNT:
                    if mask is not None:
                        operand = np.where(mask, operand, cs.align_total)
                    if after >= LIMIT and not is_exact_object(v):
                        v = np.asarray(v).astype(object)
                        operand = np.asarray(operand).astype(object)
                    if v.dtype == operand.dtype and v.dtype != object:
                        np.multiply(v, operand, out=v)
                    else:
                        v = v * operand
                case StepKind.ADD | StepKind.MINIMUM | StepKind.MAXIMUM:
                    a = safe_mul(v, cs.align_total)
                    b = safe_mul(operand, cs.align_operand)
                    if is_exact_object(a) != is_exact_object(b):
                        a, b = np.asarray(a).astype(object), np.asarray(b).astype(object)
                    if kind == StepKind.ADD:
                        new = a + b
                    elif kind == StepKind.MINIMUM:
                        new = np.maximum(a, b)
                    else:
                        new = np.minimum(a, b)
                    v = new if mask is None else np.where(mask, new, a)
                case StepKind.ROUND:
                    pass  # only the rounding below
                case _:
                    assert_never(kind)
            bound, nonneg = after, after_nonneg
            if cs.round_to is not None:
                v = round_half_up_v(v, cs.mid_scale, cs.round_to, nonneg, in_place=True)
                bound = cs.bound_rounded(bound)
            nested = self.take_missing()
            if nested is not None:
                failed |= nested
        return v, failed

    def discount(self, vs: VStep, frame: Frame, n: int, reach: Any) -> Any:
        # the product of group factors has as many decimals as the groups together; past about
        # 17 digits it no longer fits int64, so it is computed with Python ints
        digits = sum(scale + 1 for scale, _, _, _ in vs.groups)
        factor: Any = np.ones(n, dtype=np.int64 if digits < 18 else object)
        for scale, cap, cap_align, items in vs.groups:
            total: Any = np.zeros(n, dtype=np.int64)
            for rate, align, when in items:
                item_reach = reach
                applies: Any = True
                if when is not None:
                    applies = np.broadcast_to(self.eval(when, frame, reach), (n,))
                    item_reach = applies if reach is None else (reach & applies)
                value = np.broadcast_to(self.eval(rate, frame, item_reach), (n,)) * align
                total = total + np.where(applies, value, 0)
            if cap is not None:
                total = np.minimum(
                    total, np.broadcast_to(self.eval(cap, frame, reach), (n,)) * cap_align
                )
            factor = factor * (POW10[scale] - total)
        return factor

    def run(self, book: Book) -> BatchResult:
        self.vc.cache.clear()
        try:
            return self.run_frame(book)
        finally:
            self.vc.cache.clear()

    def run_frame(self, book: Book) -> BatchResult:
        n_units = len(book.unit_risk)
        n_risks = book.n_risks
        if len(book.errors) + len(book.declined) == n_risks:
            return self.nothing_to_rate(book)
        units = book.units
        unit_failed = np.zeros(n_units, dtype=bool)
        comp_totals: dict[str, IntArray] = {}
        starts = unit_starts(book.unit_risk, n_risks)[:-1]
        has_units = np.zeros(n_risks, dtype=bool)
        has_units[book.unit_risk] = True
        for comp, when, steps in self.components:
            if n_units == 0:  # e.g. a household with no members listed: only policy amounts
                comp_totals[comp.id] = np.zeros(n_risks, dtype=np.int64)
                continue
            mask: Any = np.ones(n_units, dtype=bool)
            if comp.coverage is not None:
                mask = np.asarray(units[f"coverages.{comp.coverage}.chosen"], dtype=bool)
            if when is not None:
                mask = mask & np.broadcast_to(self.eval(when, units, mask), (n_units,))
            values, failed = self.chain(steps, units, n_units, 0, mask)
            unit_failed |= failed & mask
            every = bool(mask.all())
            per_unit = (
                values if every and isinstance(values, np.ndarray) else np.where(mask, values, 0)
            )
            if comp.to_money != 1:
                per_unit = per_unit * comp.to_money
            comp_totals[comp.id] = _sum_by_risk(per_unit, starts, has_units, n_risks)
        risk_failed = np.zeros(n_risks, dtype=bool)
        if n_units:
            risk_failed[book.unit_risk[unit_failed]] = True
        premium: Any = np.zeros(n_risks, dtype=np.int64)
        for total in comp_totals.values():
            premium = premium + total
        premium_before_policy = premium
        if self.policy:
            risks = book.risks
            after, failed = self.chain(self.policy, risks, n_risks, premium, None)
            risk_failed |= failed
            premium = after * POW10[MONEY_SCALE - self.policy[-1].cs.out_scale]
        fee_values: dict[str, IntArray] = {}
        fee_total: Any = np.zeros(n_risks, dtype=np.int64)
        if self.fees:
            frame = dict(book.risks)
            frame["premium"] = premium
            for fee, amount, when in self.fees:
                mask = (
                    None
                    if when is None
                    else np.broadcast_to(self.eval(when, frame, None), (n_risks,))
                )
                value = np.broadcast_to(self.eval(amount, frame, mask), (n_risks,))
                value = (
                    round_half_up_v(value, fee.amount_scale, fee.decimals)
                    * POW10[MONEY_SCALE - fee.decimals]
                )
                if mask is not None:
                    value = np.where(mask, value, 0)
                fee_values[fee.id] = value
                fee_total = fee_total + value
            missing = self.take_missing()
            if missing is not None:
                risk_failed |= missing
        declined = book.declined
        if self.may_refuse and risk_failed.any():
            refused = _refusals(self.plan, book, risk_failed, premium_before_policy)
            if refused:
                declined = {**book.declined, **refused}
                risk_failed[list(refused)] = False
        status = np.where(risk_failed, ERROR, QUOTE).astype(np.int8)
        errors = dict(book.errors)
        for i in np.nonzero(risk_failed)[0].tolist():
            if i not in book.declined:
                errors.setdefault(
                    i,
                    "this risk could not be rated: a table has no row for its values, or a division by zero",
                )
        for i in declined:
            status[i] = DECLINE
        for i in book.errors:
            status[i] = ERROR
        # a declined or failed risk has no price: no premium, no fees
        quoted = status == QUOTE
        if not quoted.all():
            premium = np.where(quoted, premium, 0)
            fee_total = np.where(quoted, fee_total, 0)
            fee_values = {k: np.where(quoted, v, 0) for k, v in fee_values.items()}
            comp_totals = {k: np.where(quoted, v, 0) for k, v in comp_totals.items()}
        return BatchResult(
            premium=premium,
            total=premium + fee_total,
            fees=fee_values,
            components=comp_totals,
            status=status,
            declined=declined,
            errors=errors,
        )

    def nothing_to_rate(self, book: Book) -> BatchResult:
        """Every risk was declined or rejected before rating: no column work to do."""
        # (book.risks may even lack columns then: no risk could be prepared)
        zeros = np.zeros(book.n_risks, dtype=np.int64)
        status = np.full(book.n_risks, DECLINE, dtype=np.int8)
        for i in book.errors:
            status[i] = ERROR
        return BatchResult(
            premium=zeros,
            total=zeros.copy(),
            fees={fee.id: zeros.copy() for fee, _, _ in self.fees},
            components={c.id: zeros.copy() for c, _, _ in self.components},
            status=status,
            declined=dict(book.declined),
            errors=dict(book.errors),
        )


def _refusals(plan: Plan, book: Book, failed: BoolArray, premium: Any) -> dict[int, list[str]]:
    """The risks among ``failed`` that landed on a cover the filing does not offer, with the
    reason the single path gives: each is rated again, unit by unit, by the plan's own code.

    Such risks are rare, and rating them the single way gives the same first reason, in the
    same order of units, components and steps, by construction.
    """
    out: dict[int, list[str]] = {}
    starts = unit_starts(book.unit_risk, book.n_risks)
    for i in np.nonzero(failed)[0].tolist():
        if i in book.declined or i in book.errors:
            continue
        try:
            for r in range(int(starts[i]), int(starts[i + 1])):
                env = row_record(book.units, r)
                totals = [0] * len(plan.components)
                rated = [False] * len(plan.components)
                plan.code.unit(env, False, None, [], totals, rated, [], [])
            if plan.code.policy is not None:
                plan.code.policy(row_record(book.risks, i), int(premium[i]))
        except Ineligible as exc:
            out[i] = exc.reasons
        except RiskError:
            continue
    return out


def _sum_by_risk(values: Any, starts: Any, has_units: Any, n_risks: int) -> Any:
    """Sum unit values into their risks (units of a risk are contiguous), exactly."""
    out = np.zeros(n_risks, dtype=values.dtype if values.dtype == object else np.int64)
    if len(values) == 0:
        return out
    if len(values) == n_risks and has_units.all():
        return values.copy()
    idx = np.nonzero(has_units)[0]
    sums = np.add.reduceat(values, starts[idx])
    out[idx] = sums
    return out
