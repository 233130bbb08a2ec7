"""Compile a loaded manual into an executable rating plan.

Compilation fixes the scale (number of decimals) of every intermediate value, so execution is
integer arithmetic only, and checks what only the whole algorithm shows: a component whose
premium would still carry more than cents after its last step is a manual mistake, reported with
the step's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rateshop.errors import ManualError, Problem
from rateshop.manual.expr import Expr, Lookup, Occurrence, not_vectorizable
from rateshop.manual.limits import MAX_RUNNING_DECIMALS
from rateshop.manual.model import Coverage, DiscountGroup, Manual, Step, StepKind
from rateshop.money import MONEY_SCALE, POW10
from rateshop.rating.codegen import PolicyFn, UnitFn, policy_function, unit_function
from rateshop.rating.expressions import Compiler, Fn, LookupFn, scale_of
from rateshop.rating.nestedcode import nested_function
from rateshop.rating.prepcode import (
    DeclinedFn,
    DeriveFn,
    Occurrences,
    declined_function,
    derive_function,
)
from rateshop.rating.quote import ManualRef
from rateshop.rating.riskcode import CheckFn, FlattenFn, check_function, flatten_function
from rateshop.rating.steps import SPECS, CComponent, CFee, CGroup, CItem, CStep

__all__ = ["MONEY_SCALE", "Plan", "PlanCode", "compile_manual"]


@dataclass
class PlanCode:
    """Python generated for one plan when it is compiled (see ``codegen`` and ``riskcode``)."""

    unit: UnitFn
    policy: PolicyFn | None
    check: CheckFn
    flatten: FlattenFn | None
    derive: DeriveFn
    declined: DeclinedFn


@dataclass(eq=False)
class Plan:
    """Everything needed to rate a risk against one manual, compiled once at load time."""

    manual: Manual
    ranks: dict[str, tuple[Fn | None, Fn | None]]
    components: list[CComponent]
    policy_steps: list[CStep]
    fees: list[CFee]
    code: PlanCode = field(repr=False)
    details: list[tuple[str, str, Fn, Expr]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.manual.identity.key

    @cached_property
    def own_covers(self) -> dict[str, Coverage]:
        """The coverages each rating unit chooses for itself (``per:``), by id."""
        return {cid: c for cid, c in self.manual.coverages.items() if c.per is not None}

    @cached_property
    def ref(self) -> ManualRef:
        """The identity of the manual version behind this plan, as quotes carry it (made once)."""
        ident = self.manual.identity
        return ManualRef(
            carrier=ident.carrier,
            carrier_name=ident.carrier_name,
            line=ident.line,
            state=ident.state,
            effective=ident.effective,
            version=ident.version,
            content_hash=self.manual.content_hash,
            sample=ident.sample,
        )


class _PlanBuilder:
    def __init__(self, manual: Manual) -> None:
        self.manual = manual
        leap = manual.identity.leap_birthday
        self.nested = Compiler(manual.tables, flat=False, leap_birthday=leap)
        self.flat = Compiler(manual.tables, flat=True, leap_birthday=leap)
        self.problems: list[Problem] = []

    def bad(self, line: int, reason: str) -> None:
        self.problems.append(Problem(self.manual.file, line, reason))

    def nested_fn(self, e: Expr, what: str) -> Fn:
        """``e`` on the nested risk: generated code, or the closures for a form it leaves."""
        ident = self.manual.identity
        label = f"rating plan {ident.key} #{self.manual.content_hash[:8]} {what}"
        fn = nested_function(self.nested, e, label)
        return fn if fn is not None else self.nested.compile(e)

    def occurrences(self, node: Occurrence, what: str) -> Occurrences:
        """``occurrence()`` over whole lists, its parts read on each item as generated code."""
        parts = {id(node.by): "by", id(node.same): "same", id(node.where): "where"}
        return Occurrences(node, lambda e: self.nested_fn(e, f"{what} {parts[id(e)]}"))

    def flat_fn(self, e: Expr, line: int, what: str) -> Fn:
        why = not_vectorizable(e)
        if why is not None:
            self.bad(
                line,
                f"{what}: {why} cannot be used here (it is computed row by row); compute it in 'derived'",
            )
            return lambda env: None
        return self.flat.compile(e)

    def chain(self, steps: list[Step], start: int, where: str | None) -> list[CStep]:
        """Compile a chain of steps: component ``where``'s, or the policy steps (None)."""
        out: list[CStep] = []
        scale = start
        too_fine = False  # reported once per chain, at the first step past the limit
        for st in steps:
            when = None if st.when is None else self.flat_fn(st.when, st.line, f"step {st.id}")
            operand: Fn | None = None
            lookup: LookupFn | None = None
            op_scale = 0
            groups: list[CGroup] = []
            if st.operand is not None:
                op_scale = scale_of(st.operand)
                if isinstance(st.operand, Lookup):
                    self.flat_fn(st.operand, st.line, f"step {st.id}")
                    lookup = self.flat.lookup(st.operand)
                    if len(self.manual.components) > 1:  # with one, naming it says nothing
                        lookup.component = where
                    operand = lookup
                else:
                    operand = self.flat_fn(st.operand, st.line, f"step {st.id}")
            if st.kind == StepKind.DISCOUNT:
                groups = [self.group(g, st) for g in st.groups]
                op_scale = sum(g.scale for g in groups)
            in_scale = scale
            mid, align_total, align_operand = SPECS[st.kind].scales(scale, op_scale)
            round_to = None if st.rounding is None else st.rounding.decimals
            scale = mid if round_to is None else round_to
            if scale > MAX_RUNNING_DECIMALS and not too_fine:
                too_fine = True
                self.bad(st.line, _too_fine(where, st, scale, out))
            out.append(
                CStep(st, operand, lookup, when, groups, op_scale, in_scale, mid, scale,
                      round_to, align_total, align_operand)
            )  # fmt: skip
        return out

    def group(self, g: DiscountGroup, st: Step) -> CGroup:
        scales = [scale_of(i.rate) for i in g.items]
        if g.cap is not None:
            scales.append(scale_of(g.cap))
        gs = max(scales, default=0)
        items = [
            CItem(
                i.id,
                i.label,
                self.flat_fn(i.rate, i.line, f"discount {i.id}"),
                POW10[gs - scale_of(i.rate)],
                None if i.when is None else self.flat_fn(i.when, i.line, f"discount {i.id}"),
            )
            for i in g.items
        ]
        cap = None if g.cap is None else self.flat_fn(g.cap, st.line, f"discount {g.id} cap")
        cap_align = POW10[gs - scale_of(g.cap)] if g.cap is not None else 1
        return CGroup(g.id, g.label, gs, cap, cap_align, items, g)

    def build(self) -> Plan:
        m = self.manual
        # how each derived value is computed where the plan's derive function does not write it
        # in place: per item by a closure, or for a whole list at once
        derived: list[Fn | Occurrences] = [
            self.occurrences(d.expr, f"derived {d.record}.{d.field}")
            if isinstance(d.expr, Occurrence)
            else self.nested.compile(d.expr)
            for d in m.derived
        ]
        rules = [self.nested.compile(r.when) for r in m.eligibility]
        ranks: dict[str, tuple[Fn | None, Fn | None]] = {}
        if m.unit is not None:
            for a in m.unit.assignments:
                ranks[a.name] = (
                    None if a.rank_from is None else self.nested_fn(a.rank_from, f"rank {a.name}"),
                    None if a.rank_to is None else self.nested_fn(a.rank_to, f"unit rank {a.name}"),
                )
        components: list[CComponent] = []
        for comp in m.components:
            when = None
            if comp.when is not None:
                when = self.flat_fn(comp.when, comp.line, f"component {comp.id}")
            steps = self.chain(comp.steps, 0, comp.id)
            final = steps[-1].out_scale if steps else 0
            if final > MONEY_SCALE:
                last = steps[-1].step
                self.bad(
                    last.line,
                    f"component {comp.id}: the premium still has {final} decimals after step "
                    f"{last.id}; round it (to the cent or the dollar) at the end",
                )
            to_money = POW10[max(0, MONEY_SCALE - final)]
            components.append(
                CComponent(comp.id, comp.label, comp.coverage, when, steps, final, to_money, comp)
            )
        policy = self.chain(m.policy_steps, MONEY_SCALE, None)
        if policy and policy[-1].out_scale > MONEY_SCALE:
            self.bad(
                policy[-1].step.line, "policy steps end with more than cents; round at the end"
            )
        for st in m.policy_steps:
            if st.kind == StepKind.START:
                self.bad(st.line, "policy steps work on the summed premium; 'start' is not allowed")
        fees = []
        for f in m.fees:
            amount = self.flat_fn(f.amount, f.line, f"fee {f.id}")
            when = None if f.when is None else self.flat_fn(f.when, f.line, f"fee {f.id}")
            fees.append(CFee(f.id, f.label, amount, scale_of(f.amount), when, f.rounding.decimals))
            if f.rounding.decimals > MONEY_SCALE:
                self.bad(f.line, f"fee {f.id}: fees are money; round to the cent or the dollar")
        if self.problems:
            raise ManualError(self.problems)
        details = [
            (d.id, d.label, self.flat_fn(d.value, d.line, f"detail {d.id}"), d.value)
            for d in m.details
        ]
        if self.problems:
            raise ManualError(self.problems)
        # the name tracebacks show for the generated code: which manual, down to its content
        label = f"rating plan {m.identity.key} #{m.content_hash[:8]}"
        code = PlanCode(
            unit_function(components, {cid for cid, c in m.coverages.items() if c.required}, label),
            policy_function(policy, label) if policy else None,
            check_function(m),
            flatten_function(m),
            derive_function(self.nested, m, derived, label),
            declined_function(self.nested, m, rules, label),
        )
        return Plan(m, ranks, components, policy, fees, code, details)


def _too_fine(where: str | None, st: Step, scale: int, before: list[CStep]) -> str:
    """Why a chain carries too many decimals at step ``st``, and where to round instead."""
    whose = "the policy steps" if where is None else f"component {where}"
    text = (
        f"{whose}, step {st.id}: the running total would carry {scale} decimals, more than "
        f"{MAX_RUNNING_DECIMALS}; round it"
    )
    # the latest earlier step that multiplies: rounding there (say to 3 or 4 decimals, as
    # filings do) keeps every later step short
    earlier = next((cs.step for cs in reversed(before) if cs.spec.multiplies), None)
    if earlier is not None:
        return f"{text} at step {earlier.id} or before (round: 3 there, or round_each: 3)"
    return text


def compile_manual(manual: Manual) -> Plan:
    """Compile ``manual`` into a :class:`Plan`; raise :class:`ManualError` on a mistake."""
    return _PlanBuilder(manual).build()
