"""Rate one risk against one manual, exactly, with a worksheet of every step.

Semantics of a step (the batch path implements the same, column-wise):

* ``start`` sets the running total; ``multiply`` multiplies it; ``add`` adds to it;
  ``minimum``/``maximum`` bound it; ``discount`` multiplies it by the product over groups of
  (1 - the group's applicable rates added up, capped); ``round`` only rounds;
* a step whose ``when`` is false applies a factor of 1 or an amount of 0 (it is shown as not
  applied); its rounding rule, if any, still applies to the running total;
* rounding is half-up at the decimals the step names, nowhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rateshop.manual.types import Num, Type
from rateshop.money import POW10, div_half_up, round_half_up, to_decimal
from rateshop.rating.plan import MONEY_SCALE, CStep, Plan
from rateshop.rating.prepare import Flat, prepare
from rateshop.rating.quote import (
    Amount,
    AppliedDiscount,
    Decline,
    Quote,
    RawLine,
    Worksheet,
)
from rateshop.rating.scalar import LOOKUP_CACHE


def _discount_factor(
    cs: CStep, env: Flat, trace: bool
) -> tuple[int, list[tuple[str, str, int, int]], str]:
    factor = 1
    applied: list[tuple[str, str, int, int]] = []
    notes: list[str] = []
    for g in cs.groups:
        total = 0
        for item in g.items:
            if item.when is None or item.when(env):
                rate = item.rate(env) * item.align
                if rate:
                    total += rate
                    applied.append((item.id, item.label, rate, g.scale))
        if g.cap is not None:
            cap = g.cap(env) * g.cap_align
            if total > cap:
                if trace:
                    notes.append(f"{g.label}: capped at {to_decimal(cap, g.scale)}")
                total = cap
        factor *= POW10[g.scale] - total
    if trace and applied:
        notes.insert(0, ", ".join(f"{label} {to_decimal(r, s)}" for _, label, r, s in applied))
    return factor, applied, "; ".join(notes)


def run_chain(
    steps: list[CStep],
    env: Flat,
    value: int,
    raw: list[RawLine] | None,
    unit: str | None,
    component: str,
    discounts: list[AppliedDiscount] | None = None,
) -> int:
    """Run a chain of compiled steps from ``value``; append worksheet lines to ``raw``.

    This is the hot loop of single-risk rating: step kinds are small ints and rounding is
    inlined (half away from zero).
    """
    v = value
    for cs in steps:
        code = cs.kind_code
        when = cs.when
        applied = when is None or bool(when(env))
        operand: int | None = None
        key: Any = None
        note = ""
        if code == 1 or code == 0:  # multiply, start
            if applied:
                lookup = cs.lookup
                if lookup is not None and raw is not None:
                    operand, key = lookup.find(env)
                else:
                    operand = cs.operand(env)  # type: ignore[misc]
                v = v * operand if code == 1 else operand
            else:
                v = v * cs.align_total if code == 1 else 0
        elif code == 5:  # discount
            if applied:
                operand, items, note = _discount_factor(cs, env, raw is not None)
                if discounts is not None:
                    for iid, label, rate, scale in items:
                        discounts.append(
                            AppliedDiscount(iid, label, to_decimal(rate, scale), component, unit)
                        )
            else:
                operand = cs.align_total
            v = v * operand
        elif code != 6:  # add, minimum, maximum
            a = v * cs.align_total
            if applied:
                lookup = cs.lookup
                if lookup is not None and raw is not None:
                    operand, key = lookup.find(env)
                else:
                    operand = cs.operand(env)  # type: ignore[misc]
                b = operand * cs.align_operand
                v = (
                    a + b
                    if code == 2
                    else (a if a > b else b)
                    if code == 3
                    else (a if a < b else b)
                )
            else:
                v = a
        div = cs.round_div
        if div != 1:
            half = div >> 1
            v = (v + half) // div if v >= 0 else -((half - v) // div)
        elif cs.round_mul != 1:
            v *= cs.round_mul
        if raw is not None:
            raw.append((unit, component, cs, key, operand, v, applied, note))
    return v


def rate(plan: Plan, risk: Mapping[str, Any], *, trace: bool = True) -> Quote | Decline:
    """Rate ``risk`` with ``plan``: a :class:`Quote` (with worksheet) or a :class:`Decline`.

    Raises :class:`~rateshop.errors.RiskError` when the risk itself is malformed.
    """
    prepared = prepare(plan, risk)
    ref = plan.ref
    if prepared.declined:
        return Decline(ref, prepared.declined)
    raw: list[RawLine] | None = [] if trace else None
    discounts: list[AppliedDiscount] = []
    comp_totals = dict.fromkeys((c.id for c in plan.components), 0)
    units: list[tuple[str | None, list[Amount]]] = []
    for env, label in zip(prepared.units, prepared.unit_labels, strict=True):
        env[LOOKUP_CACHE] = {}
        unit_amounts: list[Amount] = []
        for comp in plan.components:
            if comp.coverage is not None and not env[f"coverages.{comp.coverage}.chosen"]:
                continue
            if comp.when is not None and not comp.when(env):
                continue
            v = run_chain(comp.steps, env, 0, raw, label, comp.id, discounts) * comp.to_money
            comp_totals[comp.id] += v
            unit_amounts.append(Amount(comp.id, comp.label, to_decimal(v, MONEY_SCALE)))
        units.append((label, unit_amounts))
    premium = sum(comp_totals.values())
    adjustments: list[Amount] = []
    if plan.policy_steps:
        policy_env = prepared.risk
        before = premium
        policy_raw: list[RawLine] = []
        after = run_chain(plan.policy_steps, policy_env, premium, policy_raw, None, "policy")
        scale = plan.policy_steps[-1].out_scale
        premium = after * POW10[MONEY_SCALE - scale]
        running = before
        for line in policy_raw:
            cs = line[2]
            now = (
                line[5] * POW10[MONEY_SCALE - cs.out_scale] if cs.out_scale <= MONEY_SCALE else None
            )
            if now is not None and now != running:
                adjustments.append(
                    Amount(cs.step.id, cs.step.label, to_decimal(now - running, MONEY_SCALE))
                )
                running = now
        if raw is not None:
            raw.extend(policy_raw)
    fees: list[Amount] = []
    fee_total = 0
    if plan.fees:
        fee_env = dict(prepared.risk)
        fee_env["premium"] = premium
        for fee in plan.fees:
            if fee.when is not None and not fee.when(fee_env):
                continue
            amount = round_half_up(fee.amount(fee_env), fee.amount_scale, fee.decimals)
            amount *= POW10[MONEY_SCALE - fee.decimals]
            if amount:
                fee_total += amount
                fees.append(Amount(fee.id, fee.label, to_decimal(amount, MONEY_SCALE)))
    total = premium + fee_total
    term = plan.manual.identity.term_months
    return Quote(
        manual=ref,
        premium=to_decimal(premium, MONEY_SCALE),
        fees=fees,
        total=to_decimal(total, MONEY_SCALE),
        monthly=to_decimal(div_half_up(total, term), MONEY_SCALE),
        term_months=term,
        components=[
            Amount(c.id, c.label, to_decimal(comp_totals[c.id], MONEY_SCALE))
            for c in plan.components
            if any(a.id == c.id for _, amounts in units for a in amounts)
        ],
        units=units,
        adjustments=adjustments,
        discounts=discounts,
        worksheet=Worksheet(raw or []),
        details=[
            (did, label, show_value(fn(prepared.risk), expr.type))
            for did, label, fn, expr in plan.details
        ],
    )


def show_value(value: Any, type_: Type) -> str:
    """A typed value as text for people: numbers with their decimals, yes/no, dates."""
    if isinstance(type_, Num):
        return f"{to_decimal(value, type_.scale):,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
