"""The household optimiser: check every risk, then find the cheapest mix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rateshop.compare.bundle import household_async
from rateshop.errors import FieldProblem, RiskError
from rateshop.services.comparisons import carriers_for
from rateshop.services.runtime import Runtime


def _check(rt: Runtime, risks: Sequence[Mapping[str, Any]]) -> None:
    """Every problem of every risk, each field named after its place in the list."""
    problems: list[FieldProblem] = []
    seen: dict[str, int] = {}
    for i, risk in enumerate(risks):
        line = str(risk.get("line"))
        if line in seen:
            problem = f"a second {line} risk (the first is risks[{seen[line]}])"
            problems.append(FieldProblem(f"risks[{i}].line", problem, "one risk per line"))
            continue
        seen[line] = i
        try:
            carriers_for(rt, risk)
        except RiskError as exc:
            problems += [
                FieldProblem(f"risks[{i}].{p.field}", p.problem, p.allowed) for p in exc.problems
            ]
    if problems:
        raise RiskError(problems)


async def optimise(rt: Runtime, risks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The cheapest carrier mix for a household's risks, bundles considered, and the saving."""
    _check(rt, risks)

    found = await household_async(
        risks, rt.registry.connectors, rt.market, rt.settings.compare_deadline
    )
    return found.to_dict()
