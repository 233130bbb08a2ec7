"""Rate one risk against one manual, exactly, with a worksheet of every step.

Semantics of a step (the batch path implements the same, column-wise):

* ``start`` sets the running total; ``multiply`` multiplies it; ``add`` adds to it;
  ``minimum``/``maximum`` bound it; ``discount`` multiplies it by the product over groups of
  (1 - the group's applicable rates added up, capped); ``round`` only rounds;
* a step whose ``when`` is false applies a factor of 1 or an amount of 0 (it is shown as not
  applied); its rounding rule, if any, still applies to the running total;
* rounding is half-up at the decimals the step names, nowhere else.

The steps themselves run as Python generated for each plan when it is compiled
(:mod:`rateshop.rating.codegen`); this module assembles the quote around them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rateshop.errors import Ineligible
from rateshop.manual.types import Num, Type
from rateshop.money import POW10, div_half_up, round_half_up, to_decimal
from rateshop.rating.plan import MONEY_SCALE, Plan
from rateshop.rating.prepare import prepare
from rateshop.rating.quote import (
    Amount,
    AppliedDiscount,
    Decline,
    Quote,
    Segment,
    Worksheet,
    amount_of,
)
from rateshop.rating.steps import decode_trace


def rate(plan: Plan, risk: Mapping[str, Any], *, trace: bool = True) -> Quote | Decline:
    """Rate ``risk`` with ``plan``: a :class:`Quote` (with worksheet) or a :class:`Decline`.

    Raises :class:`~rateshop.errors.RiskError` when the risk itself is malformed.
    """
    prepared = prepare(plan, risk)
    ref = plan.ref
    if prepared.declined:
        return Decline(ref, prepared.declined)
    segments: list[Segment] = []
    discounts: list[AppliedDiscount] = []
    components = plan.components
    totals = [0] * len(components)
    rated = [False] * len(components)
    units: list[tuple[str | None, list[Amount]]] = []
    rate_unit = plan.code.unit
    try:
        for env, label in zip(prepared.units, prepared.unit_labels, strict=True):
            amounts: list[Amount] = []
            rate_unit(env, trace, label, discounts, totals, rated, amounts, segments)
            units.append((label, amounts))
    except Ineligible as exc:  # the risk landed on a cover the filing does not offer
        return Decline(ref, exc.reasons)
    if len(units) == 1:
        # one unit: each component's premium is that unit's amount, the same immutable value
        rated_amounts = list(units[0][1])
    else:
        rated_amounts = [
            amount_of(c.id, c.label, totals[i]) for i, c in enumerate(components) if rated[i]
        ]
    premium = sum(totals)
    adjustments: list[Amount] = []
    if plan.code.policy is not None:
        before = premium
        try:
            after, policy_trace = plan.code.policy(prepared.risk, premium)
        except Ineligible as exc:
            return Decline(ref, exc.reasons)
        steps = plan.policy_steps
        premium = after * POW10[MONEY_SCALE - steps[-1].out_scale]
        running = before
        for cs, _, total, _, _ in decode_trace(steps, policy_trace):
            if cs.out_scale <= MONEY_SCALE:
                now = total * POW10[MONEY_SCALE - cs.out_scale]
                if now != running:
                    adjustments.append(amount_of(cs.step.id, cs.step.label, now - running))
                    running = now
        if trace:
            segments.append((None, "policy", steps, prepared.risk, policy_trace))
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
                fees.append(amount_of(fee.id, fee.label, amount))
    total = premium + fee_total
    term = plan.manual.identity.term_months
    return Quote(
        manual=ref,
        premium=to_decimal(premium, MONEY_SCALE),
        fees=fees,
        total=to_decimal(total, MONEY_SCALE),
        monthly=to_decimal(div_half_up(total, term), MONEY_SCALE),
        term_months=term,
        components=rated_amounts,
        units=units,
        adjustments=adjustments,
        discounts=discounts,
        worksheet=Worksheet(segments),
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
