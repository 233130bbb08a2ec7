"""The generated code for derived values, eligibility rules and assignment ranks gives what the
closures give: the same prepared units, the same declines, the same errors, for every manual."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from paths import ROOT
from rateshop.errors import RiskError
from rateshop.manual.expr import Occurrence, Scope
from rateshop.manual.expr_check import parse
from rateshop.manual.folders import find_manuals
from rateshop.manual.model import RISK
from rateshop.manual.types import INT
from rateshop.rating.expressions import Compiler, Fn
from rateshop.rating.nestedcode import nested_function
from rateshop.rating.plan import Plan
from rateshop.rating.prepare import prepare
from rateshop.rating.prepcode import Occurrences
from risks import risk_strategy
from samples import compiled

MANUALS = (
    find_manuals(ROOT / "manuals")
    + find_manuals(ROOT / "tests" / "fixtures")
    + find_manuals(ROOT / "benchmarks" / "manuals")
)


def interpreted(plan: Plan) -> Plan:
    """``plan`` with its nested expressions compiled to closures only, as the reference."""
    m = plan.manual
    closures = Compiler(m.tables, flat=False, leap_birthday=m.identity.leap_birthday)
    derived: list[tuple[str, str, Fn | Occurrences]] = [
        (
            d.record,
            d.field,
            Occurrences(d.expr, closures.compile)
            if isinstance(d.expr, Occurrence)
            else closures.compile(d.expr),
        )
        for d in m.derived
    ]
    ranks: dict[str, tuple[Fn | None, Fn | None]] = {}
    for a in m.unit.assignments if m.unit is not None else []:
        ranks[a.name] = (
            None if a.rank_from is None else closures.compile(a.rank_from),
            None if a.rank_to is None else closures.compile(a.rank_to),
        )
    rules = [(r.reason, closures.compile(r.when)) for r in m.eligibility]
    code = dataclasses.replace(
        plan.code,
        derive=lambda top: derive_reference(m.items, derived, top),
        declined=lambda top: [reason for reason, rule in rules if rule(top)],
    )
    return dataclasses.replace(plan, ranks=ranks, code=code)


def derive_reference(
    items: dict[str, tuple[str, str]],
    derived: list[tuple[str, str, Fn | Occurrences]],
    top: dict[str, Any],
) -> None:
    """Derived values the plain way: an environment (the risk, the items visited bound by name)
    made for every item, and every value computed by its closure."""
    for record, fname, fn in derived:
        if record == RISK:
            assert not isinstance(fn, Occurrences)
            top[fname] = fn(top)
            continue
        chain = [record]
        while items[chain[0]][0] != RISK:
            chain.insert(0, items[chain[0]][0])
        envs: list[dict[str, Any]] = [top]
        groups: list[list[dict[str, Any]]] = []
        for item in chain:
            owner, list_field = items[item]
            groups = []
            for env in envs:
                holder = env if owner == RISK else env[owner]
                groups.append([{**env, item: element} for element in holder[list_field]])
            envs = [env for group in groups for env in group]
        for group in groups:
            if isinstance(fn, Occurrences):
                # the items' siblings share the outer items bound: any one's environment holds them
                outer = dict(group[0]) if group else dict(top)
                values = fn.over(outer, record, [env[record] for env in group])
            else:
                values = [fn(env) for env in group]
            for env, value in zip(group, values, strict=True):
                env[record][fname] = value


def prepared(plan: Plan, risk: dict[str, Any]) -> tuple[Any, ...]:
    try:
        p = prepare(plan, risk)
    except RiskError as exc:
        return ("error", type(exc).__name__, str(exc))
    return ("prepared", p.risk, p.units, p.unit_labels, p.declined)


def test_every_shipped_expression_is_generated() -> None:
    """The shipped manuals use only forms the writer takes: none is left to the closures."""
    occurrences = 0
    for folder in find_manuals(ROOT / "manuals"):
        plan = compiled(folder)
        for fn in (plan.code.derive, plan.code.declined):
            left = [k for k in fn.__globals__ if k.startswith(("_derived", "_compiled"))]
            assert not left, (folder, left)
        fns: list[Any] = []
        for fn in plan.code.derive.__globals__.values():
            if isinstance(fn, Occurrences):
                occurrences += 1
                fns.extend([fn.by, fn.same, fn.where])
        fns.extend(f for pair in plan.ranks.values() for f in pair)
        for fn in fns:
            if fn is not None:
                assert fn.__code__.co_filename.startswith("<rating plan"), (folder, fn)
    assert occurrences > 0  # the auto manuals count incidents with occurrence()


@pytest.mark.parametrize("folder", MANUALS, ids=[str(m.relative_to(ROOT)) for m in MANUALS])
def test_generated_equals_closures(folder: Path) -> None:
    plan = compiled(folder)
    reference = interpreted(plan)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(risk_strategy(plan.manual))
    def check(risk: dict[str, Any]) -> None:
        assert prepared(plan, risk) == prepared(reference, risk)

    check()


@pytest.mark.parametrize("text", ["round(n / m, 2)", "floor(n / m)", "ceil(n / m)"])
def test_a_generated_division_rounds_and_refuses_as_the_closures_do(text: str) -> None:
    scope = Scope({"n": INT, "m": INT})
    closures = Compiler({}, flat=False)
    e = parse(text, scope)
    generated = nested_function(closures, e, f"test {text}")
    assert generated is not None
    for n, m in itertools.product((-251, -1, 0, 1, 250, 251), (-125, -3, 3, 125)):
        assert generated({"n": n, "m": m}) == closures.compile(e)({"n": n, "m": m}), (n, m)
    with pytest.raises(RiskError, match="division by zero"):
        generated({"n": 1, "m": 0})
