"""Straight-line Python for a plan's rating chains, generated once when the plan is compiled.

A compiled plan knows every step, scale, rounding and table of every component, so the single
risk path need not interpret it step by step: this module writes one Python function per plan
that rates a unit (every component, inline) and one for the policy steps. Step kinds, scales and
rounding divisors become literals; tables, closures and compiled steps are bound objects (see
:mod:`rateshop.rating.emit`: nothing a manual author typed becomes code).

Table rows are matched once per unit: components that look up the same table with the same keys
share the matched position, as the batch path does. Each chain leaves a flat trace of the values
that can vary (see :func:`rateshop.rating.steps.decode_trace`); worksheets turn it into lines
only when someone reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, assert_never

from rateshop.manual.expr import Const, Name
from rateshop.manual.model import DiscountGroup, StepKind
from rateshop.money import POW10, to_decimal
from rateshop.rating.emit import Source, literal
from rateshop.rating.expressions import LookupFn
from rateshop.rating.quote import AppliedDiscount, amount_of
from rateshop.rating.steps import CComponent, CStep, trace_entries

Env = dict[str, Any]
Trace = tuple[Any, ...]
# (env, trace, unit label, discounts, totals, rated, amounts, segments) -> None
UnitFn = Callable[..., None]
PolicyFn = Callable[[Env, int], tuple[int, Trace]]


def discount_factor(
    cs: CStep, env: Env, trace: bool
) -> tuple[int, list[tuple[str, str, int, int]], str]:
    """A discount step's factor, the items that applied (id, label, rate, scale) and a note."""
    factor = 1
    applied: list[tuple[str, str, int, int]] = []
    notes: list[str] = []
    for g in cs.groups:
        total = 0
        scale = g.scale
        for item in g.items:
            when = item.when
            if when is None or when(env):
                rate = item.rate(env) * item.align
                if rate:
                    total += rate
                    applied.append((item.id, item.label, rate, scale))
        if g.cap is not None:
            cap = g.cap(env) * g.cap_align
            if total > cap:
                if trace:
                    notes.append(f"{g.label}: capped at {to_decimal(cap, scale)}")
                total = cap
        factor *= POW10[scale] - total
    if not trace:
        return factor, applied, ""
    if applied:
        notes.insert(0, ", ".join(f"{label} {to_decimal(r, s)}" for _, label, r, s in applied))
    return factor, applied, "; ".join(notes)


@lru_cache(maxsize=8192)
def _applied(
    iid: str, label: str, rate: int, scale: int, component: str, unit: str | None
) -> AppliedDiscount:
    """One discount item as applied: immutable, and the same few recur in every comparison (one
    per item, component and unit), so each is made once."""
    return AppliedDiscount(iid, label, to_decimal(rate, scale), component, unit)


def record_discounts(
    items: list[tuple[str, str, int, int]],
    discounts: list[AppliedDiscount],
    component: str,
    unit: str | None,
) -> None:
    """Add the discount items that applied to a component of a unit to the quote's list."""
    for iid, label, rate, scale in items:
        discounts.append(_applied(iid, label, rate, scale, component, unit))


def _missing(lookup: LookupFn) -> Callable[[Env], int]:
    """What a lookup gives when no row (or an empty cell) matched: the default, or an error."""
    default = lookup.default

    def missing(env: Env) -> int:
        if default is not None:
            return default
        raise lookup.no_match(env)

    return missing


def _empty(lookup: LookupFn) -> Callable[[Env, int], int]:
    """What a lookup gives when its row exists but the cell is empty: a decline where the cell
    says "not offered", else the default, or an error naming the table, row, column and
    component."""
    default = lookup.default

    def empty(env: Env, pos: int) -> int:
        if not lookup.table.offers(lookup.column, pos, None):
            raise lookup.refused(env)
        if default is not None:
            return default
        raise lookup.empty_cell(pos)

    return empty


class _Writer:
    """Writes the steps of one generated function; lookup positions are memoised per function."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.positions: dict[str, str] = {}
        # discount steps of the same groups (a manual gives every coverage the same discounts)
        # give the same answer on a unit: each is worked out once, at its first use
        self.discounts: list[tuple[list[DiscountGroup], str]] = []
        # positions matched in code that always runs, so later uses need no memo test
        self.known: set[str] = set()
        self.branches = 0  # how many conditional blocks the code being written is inside

    def expr(self, fn: Callable[[Env], Any], node: object) -> str:
        """Code for a compiled expression: inline for names and constants, else a call."""
        if isinstance(node, Name):
            return f"env[{literal(node.key)}]"
        if isinstance(node, Const) and type(node.value) is int:
            return literal(node.value)
        return f"{self.src.bind(fn, 'F')}(env)"

    def position(self, lookup: LookupFn) -> str:
        """The local holding the lookup's grid position, matched at its first use in a unit."""
        if not lookup.keys:
            return "0"
        var = self.positions.get(lookup.signature)
        if var is None:
            var = self.positions[lookup.signature] = self.src.fresh("p")
        if lookup.signature in self.known:
            return var
        self.src.line(f"if {var} is None:")
        self.src.indent()
        codes = []
        for conv, fn in zip(lookup.keys, lookup.key_fns, strict=True):
            value = self.src.fresh("k")
            self.src.line(f"{value} = {self.expr(fn, conv.expr)}")
            code = self.src.fresh("c")
            self.src.line(f"{code} = {conv.emit(self.src, value)}")
            codes.append(code)
        if len(codes) == 1:
            self.src.line(f"{var} = {codes[0]}")
        else:
            strides = lookup.table.strides
            terms = " + ".join(_scaled(c, s) for c, s in zip(codes, strides, strict=True))
            ok = " and ".join(f"{c} >= 0" for c in codes)
            self.src.line(f"{var} = {terms} if {ok} else -1")
        if lookup.default is None:
            # no row and no default: the error is raised where the value is first needed
            self.src.line(f"if {var} < 0:")
            self.src.line(f"    {self.src.bind(_missing(lookup), 'M')}(env)")
        self.src.dedent()
        if not self.branches:
            self.known.add(lookup.signature)
        return var

    def operand(self, cs: CStep, out: str) -> bool:
        """Emit code that puts the step's operand in ``out``; True if it is never negative."""
        lookup = cs.lookup
        src = self.src
        if lookup is None:
            node = cs.step.operand
            assert cs.operand is not None
            assert node is not None
            src.line(f"{out} = {self.expr(cs.operand, node)}")
            return isinstance(node, Const) and type(node.value) is int and node.value >= 0
        if not lookup.simple:
            src.line(f"{out} = {src.bind(lookup, 'L')}(env)")
            return False
        pos = self.position(lookup)
        # One extra cell at the end: position -1 (no row) reads the table's default; without a
        # default, position -1 has already raised. Empty cells give the default or the error.
        cells = [*lookup.values, lookup.default]
        src.line(f"{out} = {src.bind(cells, 'V')}[{pos}]")
        if any(c is None for c in lookup.values):
            src.line(f"if {out} is None:")
            src.indent()
            src.line(f"{out} = {src.bind(_empty(lookup), 'E')}(env, {pos})")
            src.dedent()
        return all(c is None or c >= 0 for c in cells)

    def chain(self, steps: list[CStep], start: str, component: str | None) -> tuple[str, list[str]]:
        """Emit the steps from the running total ``start``; return the final total and trace.

        The trace holds, per step, the operand (not for ``round``), the running total, whether
        the step applied (only for steps with a condition) and the note (only for discounts),
        as :func:`rateshop.rating.steps.decode_trace` reads it back.
        """
        src = self.src
        prev = start
        # whether the running total is known to be >= 0, so rounding needs no sign test
        nonneg = start == "0"
        trace: list[str] = []
        for cs in steps:
            kind = cs.kind
            # a comment naming the step, its text as a literal: repr holds no line break
            src.line(f"# step {literal(cs.step.id)}: {kind.value}")
            total = src.fresh("t")
            flags = []
            if cs.when is not None:
                applied = src.fresh("a")
                src.line(f"{applied} = True if {src.bind(cs.when, 'W')}(env) else False")
                flags.append(applied)
            # a rounding step rounds whether or not it applies
            conditional = bool(flags) and kind != StepKind.ROUND
            if conditional:
                src.line(f"if {flags[0]}:")
                src.indent()
                self.branches += 1
            # the value before rounding, when one expression gives it
            value: str | None = None
            op = note = ""
            match kind:
                case (
                    StepKind.START
                    | StepKind.MULTIPLY
                    | StepKind.ADD
                    | StepKind.MINIMUM
                    | StepKind.MAXIMUM
                ):
                    op = src.fresh("o")
                    base = _scaled(prev, cs.align_total)  # for add, minimum and maximum
                    op_nonneg = self.operand(cs, op)
                    if kind == StepKind.START:
                        value = op
                    elif kind == StepKind.MULTIPLY:
                        value = f"{prev} * {op}"
                    elif kind == StepKind.ADD:
                        value = f"{base} + {_scaled(op, cs.align_operand)}"
                    else:
                        a, b = src.fresh("x"), src.fresh("b")
                        src.line(f"{a} = {base}")
                        src.line(f"{b} = {_scaled(op, cs.align_operand)}")
                        keep = ">" if kind == StepKind.MINIMUM else "<"
                        value = f"{a} if {a} {keep} {b} else {b}"
                    if conditional:
                        src.line(f"{total} = {value}")
                        value = None
                        self._close(f"{op} = None", f"{total} = {self._skipped(cs, prev)}")
                    # minimum keeps the larger value, so it stays >= 0 if the total was
                    if kind == StepKind.START:
                        nonneg = op_nonneg
                    else:
                        nonneg = nonneg and (kind == StepKind.MINIMUM or op_nonneg)
                case StepKind.DISCOUNT:
                    op, note, items = src.fresh("o"), src.fresh("n"), src.fresh("i")
                    memo = self.discount(cs)
                    src.line(f"{op}, {items}, {note} = {memo}")
                    if component is not None:
                        record = src.bind(record_discounts, "record")
                        src.line(f"if {items}:")
                        src.line(f"    {record}({items}, discounts, {literal(component)}, unit)")
                    if conditional:
                        self._close(f"{op} = {literal(cs.align_total)}", f"{note} = ''")
                    value = f"{prev} * {op}"
                    nonneg = False  # rates may add up past 100%
                case StepKind.ROUND:  # only the rounding below
                    value = prev
                case _:
                    assert_never(kind)
            trace += trace_entries(cs, op, total, flags, note)
            self._round(cs, total, value, nonneg)
            prev = total
        return prev, trace

    def _close(self, *otherwise: str) -> None:
        """End the block of an applied step with what happens when it does not apply."""
        self.src.dedent()
        self.branches -= 1
        self.src.line("else:")
        for text in otherwise:
            self.src.line(f"    {text}")

    def _skipped(self, cs: CStep, prev: str) -> str:
        """The running total after a step that does not apply (before rounding)."""
        return "0" if cs.kind == StepKind.START else _scaled(prev, cs.align_total)

    def _round(self, cs: CStep, total: str, value: str | None, nonneg: bool) -> None:
        """Put the rounded running total in ``total`` (``value`` None: it holds it unrounded)."""
        src = self.src
        if cs.round_div != 1:
            div, half = literal(cs.round_div), literal(cs.round_div >> 1)
            if nonneg:
                src.line(f"{total} = (({value or total}) + {half}) // {div}")
                return
            if value is not None:
                src.line(f"{total} = {value}")
            src.line(
                f"{total} = ({total} + {half}) // {div} if {total} >= 0"
                f" else -(({half} - {total}) // {div})"
            )
        elif cs.round_mul != 1:
            src.line(f"{total} = ({value or total}) * {literal(cs.round_mul)}")
        elif value is not None:
            src.line(f"{total} = {value}")

    def discount(self, cs: CStep) -> str:
        """The local holding the discount step's answer, worked out here if not yet on this unit.

        Steps whose groups are equal (the same items, rates, conditions and caps) share it: what
        :func:`discount_factor` answers depends only on the groups and the unit's record.
        """
        models = [g.model for g in cs.groups]
        var = next((v for known, v in self.discounts if known == models), None)
        if var is None:
            var = self.src.fresh("d")
            self.discounts.append((models, var))
        factor = self.src.bind(discount_factor, "discount")
        self.src.line(f"if {var} is None:")
        self.src.line(f"    {var} = {factor}({self.src.bind(cs, 'S')}, env, trace)")
        return var

    def declare_positions(self, at: int) -> None:
        """Start every memoised position and discount as not yet worked out, at line ``at`` of
        the function."""
        names = [*self.positions.values(), *(v for _, v in self.discounts)]
        if names:
            self.src.lines.insert(at, f"    {' = '.join(names)} = None")


def _scaled(value: str, factor: int) -> str:
    """Code for ``value`` times a literal factor (nothing when it is 1)."""
    return value if factor == 1 else f"{value} * {literal(factor)}"


def _tuple(items: list[str]) -> str:
    return f"({', '.join(items)},)" if items else "()"


def unit_function(components: list[CComponent], required: set[str], label: str) -> UnitFn:
    """One function rating every component of a plan on one unit's flat record.

    For each component it rates, it adds the amount in cents to ``totals``, marks it in
    ``rated``, appends the unit's :class:`Amount` to ``amounts`` and, when tracing, a worksheet
    segment to ``segments``.
    """
    src = Source(f"{label} units")
    src.line("def rate_unit(env, trace, unit, discounts, totals, rated, amounts, segments):")
    src.indent()
    top = len(src.lines)
    writer = _Writer(src)
    amount = src.bind(amount_of, "amount")
    for index, comp in enumerate(components):
        src.line(f"# component {literal(comp.id)}")
        guards = []
        # a required coverage is always chosen: a risk without it never reaches rating
        if comp.coverage is not None and comp.coverage not in required:
            guards.append(f"env[{literal(f'coverages.{comp.coverage}.chosen')}]")
        if comp.when is not None:
            guards.append(f"{src.bind(comp.when, 'W')}(env)")
        if guards:
            src.line(f"if {' and '.join(guards)}:")
            src.indent()
            writer.branches += 1
        final, trace = writer.chain(comp.steps, "0", comp.id)
        cents = src.fresh("v")
        src.line(f"{cents} = {_scaled(final, comp.to_money)}")
        src.line(f"totals[{index}] += {cents}")
        src.line(f"rated[{index}] = True")
        src.line(f"amounts.append({amount}({literal(comp.id)}, {literal(comp.label)}, {cents}))")
        src.line("if trace:")
        src.line(
            f"    segments.append((unit, {literal(comp.id)}, {src.bind(comp.steps, 'steps')},"
            f" env, {_tuple(trace)}))"
        )
        if guards:
            src.dedent()
            writer.branches -= 1
    if len(src.lines) == top:
        src.line("pass")
    writer.declare_positions(top)
    return src.function("rate_unit")


def policy_function(steps: list[CStep], label: str) -> PolicyFn:
    """One function running the policy steps on the summed premium, with its trace."""
    src = Source(f"{label} policy")
    src.line("def rate_policy(env, premium):")
    src.indent()
    top = len(src.lines)
    src.line(f"{src.local('trace')} = True")
    writer = _Writer(src)
    final, trace = writer.chain(steps, "premium", None)
    src.line(f"return {final}, {_tuple(trace)}")
    writer.declare_positions(top)
    return src.function("rate_policy")
