"""The worst-case work of rating one risk with a manual, bounded when the manual loads.

Every list a manual reads declares the most items a risk may give (``max``), so the work one
risk can cost is known before any risk arrives. The unit is the **element visit**: checking one
list item, one turn of a loop inside ``count``/``sum``/``any``/``all``, computing one derived
value for one item, ranking one item for an assignment, rating one component for one unit.
Loops inside loops multiply; a derived item field multiplies its expression's cost by the number
of items it is computed for (``incident.occurrence`` written as a count over
``driver.incidents`` costs drivers × incidents × incidents). A manual whose worst case exceeds
:data:`~rateshop.manual.limits.WORK_BUDGET` is refused, naming the costliest expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rateshop.errors import Problem
from rateshop.manual.expr import Agg, Expr, Occurrence, children
from rateshop.manual.inputs import FieldSpec
from rateshop.manual.limits import WORK_BUDGET
from rateshop.manual.model import RISK, Manual
from rateshop.manual.types import List


@dataclass(frozen=True)
class Cost:
    """The worst-case visits of one part of a manual: ``times`` runs of ``each`` visits."""

    what: str
    line: int
    times: int
    each: int

    @property
    def total(self) -> int:
        return self.times * self.each

    def explain(self) -> str:
        if self.times == 1:
            return f"{self.total:,} element visit" + ("" if self.total == 1 else "s")
        return f"{self.times:,} runs × {self.each:,} = {self.total:,} element visits"


def list_inputs(
    specs: Mapping[str, FieldSpec], out: dict[str, FieldSpec] | None = None
) -> dict[str, FieldSpec]:
    """Every list input at any depth, by item name (``incident`` -> ``drivers.incidents``)."""
    found: dict[str, FieldSpec] = {} if out is None else out
    for spec in specs.values():
        if isinstance(spec.type, List):
            found[spec.type.item.name] = spec
            list_inputs(spec.fields, found)
    return found


class _Estimator:
    def __init__(self, manual: Manual, lists: dict[str, FieldSpec], maxima: dict[str, int]) -> None:
        self.manual = manual
        self.lists = lists
        self.maxima = maxima

    def items(self, item: str) -> int:
        """How many ``item`` records a risk can hold in all (20 incidents × 6 drivers = 120)."""
        count = 1
        record = item
        while record != RISK:
            count *= self.maxima[record]
            record = self.manual.items[record][0]
        return count

    def visits(self, expr: Expr) -> int:
        """The element visits of one evaluation of ``expr``, at worst."""
        if isinstance(expr, Agg):
            if expr.kind == "len":
                return 0
            total, turns = 0, 1
            for loop in expr.loops:
                assert isinstance(loop.source.type, List)
                turns *= self.maxima[loop.source.type.item.name]
                total += turns * (1 + sum(self.visits(c) for c in loop.conds))
            return total + (0 if expr.elt is None else turns * self.visits(expr.elt))
        if isinstance(expr, Occurrence):
            n = self.maxima[expr.item]
            each = 1 + sum(self.visits(e) for e in (expr.by, expr.same, expr.where) if e)
            return n * each + n * max(1, n.bit_length())  # one pass, then a sort
        return sum(self.visits(child) for child in children(expr))

    def costs(self) -> list[Cost]:
        m = self.manual
        out: list[Cost] = []
        for item, spec in self.lists.items():
            out.append(Cost(f"input {spec.name}", spec.line, self.items(item), 1))
        for d in m.derived:
            name = d.field if d.record == RISK else f"{d.record}.{d.field}"
            if isinstance(d.expr, Occurrence):
                parent = m.items[d.record][0]
                times = 1 if parent == RISK else self.items(parent)
                out.append(Cost(f"derived {name}", d.line, times, self.visits(d.expr)))
            else:
                times = 1 if d.record == RISK else self.items(d.record)
                out.append(Cost(f"derived {name}", d.line, times, 1 + self.visits(d.expr)))
        for rule in m.eligibility:
            out.append(
                Cost(f"eligibility {rule.reason!r}", rule.line, 1, 1 + self.visits(rule.when))
            )
        if m.unit is not None:
            units = self.items(m.unit.name)
            out.append(Cost(f"rating per {m.unit.source}", m.components[0].line if m.components else 1,
                            units, max(1, len(m.components))))  # fmt: skip
            for a in m.unit.assignments:
                for rank, times in ((a.rank_from, self.items(a.name)), (a.rank_to, units)):
                    if rank is not None:
                        out.append(
                            Cost(f"assign {a.name} rank", a.line, times, 1 + self.visits(rank))
                        )
        return out


def estimate(manual: Manual) -> list[Cost]:
    """The worst-case visits of each part of ``manual`` (empty when a list has no max)."""
    lists = list_inputs(manual.inputs)
    maxima = {item: spec.max_items for item, spec in lists.items() if spec.max_items is not None}
    if len(maxima) < len(lists):
        return []  # a missing max is reported on its own
    return _Estimator(manual, lists, maxima).costs()


def budget_problems(manual: Manual) -> list[Problem]:
    """Why ``manual`` could cost one risk more than the work budget (nothing when it fits)."""
    costs = estimate(manual)
    total = sum(c.total for c in costs)
    if total <= WORK_BUDGET:
        return []
    advice = (
        "lower the lists' max, or avoid a loop inside a loop "
        "(occurrence() ranks a list's items in n log n)"
    )
    over = [c for c in costs if c.total > WORK_BUDGET]
    if over:
        return [
            Problem(
                manual.file,
                c.line,
                f"{c.what}: one risk could cost {c.explain()} at worst, more than the budget "
                f"of {WORK_BUDGET:,}; {advice}",
            )
            for c in over
        ]
    worst = max(costs, key=lambda c: c.total)
    return [
        Problem(
            manual.file,
            worst.line,
            f"one risk could cost {total:,} element visits at worst, more than the budget of "
            f"{WORK_BUDGET:,}; the costliest part is {worst.what} ({worst.explain()}); {advice}",
        )
    ]
