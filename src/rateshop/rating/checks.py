"""Run the test cases stored beside a manual and report each difference."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rateshop.errors import RiskError
from rateshop.manual.model import TestCase
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline
from rateshop.rating.single import rate


@dataclass
class CaseResult:
    """The outcome of one stored case: passed, or the differences found."""

    case: TestCase
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _same(expected: str, actual: Decimal) -> bool:
    try:
        return Decimal(expected) == actual
    except InvalidOperation:
        return False


def run_case(plan: Plan, case: TestCase) -> CaseResult:
    """Rate a stored case and compare premium, total, components and step values."""
    result = CaseResult(case)
    fail = result.failures.append
    try:
        answer = rate(plan, case.risk)
    except RiskError as exc:
        fail(f"the risk was rejected: {exc}")
        return result
    if isinstance(answer, Decline):
        if case.decline is None:
            fail(f"declined ({'; '.join(answer.reasons)}) but a premium was expected")
        elif sorted(case.decline) != sorted(answer.reasons):
            fail(f"declined for {answer.reasons}, expected {case.decline}")
        return result
    if case.decline is not None:
        fail(f"quoted {answer.premium} but a decline was expected ({case.decline})")
        return result
    if case.premium is not None and not _same(case.premium, answer.premium):
        fail(f"premium {answer.premium}, expected {case.premium}")
    if case.total is not None and not _same(case.total, answer.total):
        fail(f"total {answer.total}, expected {case.total}")
    comps = {c.id: c.amount for c in answer.components}
    for cid, want in case.components.items():
        if cid not in comps:
            fail(f"component {cid} was not rated; rated: {', '.join(comps) or 'none'}")
        elif not _same(want, comps[cid]):
            fail(f"component {cid} {comps[cid]}, expected {want}")
    if case.steps:
        values = answer.worksheet.step_values()
        for addr, want in case.steps.items():
            if addr not in values:
                fail(
                    f"step {addr} is not in the worksheet (or is ambiguous); name it as component.step or N.component.step (N = unit number)"
                )
            elif not _same(want, values[addr]):
                fail(f"step {addr} gave {values[addr]}, expected {want}")
    return result


def run_cases(plan: Plan) -> list[CaseResult]:
    """Run every case stored beside the manual behind ``plan``."""
    return [run_case(plan, case) for case in plan.manual.tests]
