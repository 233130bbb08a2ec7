"""The market as a catalog: carriers, lines, states, what is offered, one carrier's rate (for the
catalog endpoints and the pages' forms alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rateshop.compare.market import Carrier
from rateshop.compare.service import request_facts
from rateshop.errors import (
    FieldProblem,
    InvalidParameter,
    ManualNotFound,
    RiskError,
    UnknownCarrier,
)
from rateshop.manual.inputs import FieldSpec
from rateshop.manual.types import Num
from rateshop.rating.single import rate
from rateshop.risk.questions import LINES
from rateshop.services.runtime import Runtime
from rateshop.services.states import StateRules


class Listing(BaseModel):
    """A catalog answer; as every response body, fields added later are let through."""

    model_config = ConfigDict(extra="allow")


class LineOut(Listing):
    id: str
    carriers: list[str] = Field(description="Carriers writing the line in some state.")
    states: list[str] = Field(description="States where some carrier writes it.")


class StateOut(StateRules):
    code: str
    lines: list[str] = Field(description="Lines some carrier writes in the state.")


class OfferedValue(Listing):
    value: str | int
    carriers: list[str] = Field(description="The carriers offering this value.")


class OptionOut(Listing):
    name: str
    values: list[OfferedValue]


class CoverageOut(Listing):
    id: str
    label: str
    carriers: list[str] = Field(description="The carriers offering the coverage.")
    required_by: list[str] = Field(description="The carriers for which it must be chosen.")
    options: list[OptionOut]


class CoveragesOut(Listing):
    """What the carriers of a line and state offer on a date: coverages and fixed-choice fields."""

    line: str
    state: str
    as_of: dt.date
    carriers: list[str]
    coverages: list[CoverageOut]
    choices: list[OptionOut] = Field(
        description="Risk fields with a fixed set of values (e.g. a home policy's deductible)."
    )


def carriers(
    rt: Runtime, line: str | None = None, state: str | None = None, group: str | None = None
) -> list[Carrier]:
    """The carriers of the market, in catalog order, that write ``line`` in ``state`` and are in ``group``."""
    out = []
    for carrier in rt.market.carriers.values():
        writes = {k: v for k, v in carrier.writes.items() if line is None or k == line}
        if not writes or (state is not None and not any(state in s for s in writes.values())):
            continue
        if group is not None and carrier.group.casefold() != group.casefold():
            continue
        out.append(carrier)
    return out


def lines(rt: Runtime) -> list[LineOut]:
    """Each line with the carriers writing it and the states where they do."""
    out = []
    for line in LINES:
        writing = carriers(rt, line)
        states = sorted({s for c in writing for s in c.writes[line]})
        out.append(LineOut(id=line, carriers=[c.id for c in writing], states=states))
    return out


def states(rt: Runtime) -> list[StateOut]:
    """Each state's rules (minimum auto limits …) with the lines written there."""
    return [
        StateOut(
            code=code,
            lines=[line for line in LINES if carriers(rt, line, code)],
            **rules.model_dump(),
        )
        for code, rules in rt.states.items()
    ]


def coverages(rt: Runtime, line: str, state: str, as_of: dt.date) -> CoveragesOut:
    """The coverages, their options and the fixed-choice fields of every manual in force, by carrier.

    A state the market does not know is an error, not an empty answer: it is likely a typo.
    """
    if state not in rt.states:
        problem = f"{state!r} is not a state of the market"
        raise InvalidParameter(FieldProblem("state", problem, ", ".join(sorted(rt.states))))
    plans = rt.library.in_force(line, state, as_of)
    found: dict[str, CoverageOut] = {}
    offers: dict[str, dict[str, dict[str | int, list[str]]]] = {}
    choices: dict[str, dict[str | int, list[str]]] = {}
    for plan in plans:
        manual = plan.manual
        carrier = manual.identity.carrier
        for cid, cov in manual.coverages.items():
            if cid not in found:
                found[cid] = CoverageOut(
                    id=cid, label=cov.label, carriers=[], required_by=[], options=[]
                )
            out = found[cid]
            out.carriers.append(carrier)
            if cov.required:
                out.required_by.append(carrier)
            for name, spec in cov.options.items():
                _offer(offers.setdefault(cid, {}).setdefault(name, {}), spec, carrier)
        for name, spec in manual.inputs.items():
            if spec.choices is not None:
                _offer(choices.setdefault(name, {}), spec, carrier)
    for cid, out in found.items():
        out.options = _options(offers.get(cid, {}))
    return CoveragesOut(
        line=line,
        state=state,
        as_of=as_of,
        carriers=[p.manual.identity.carrier for p in plans],
        coverages=list(found.values()),
        choices=_options(choices),
    )


def _offer(values: dict[str | int, list[str]], spec: FieldSpec, carrier: str) -> None:
    whole = isinstance(spec.type, Num) and spec.type.scale == 0
    for choice in spec.choices or ():
        values.setdefault(int(choice) if whole else choice, []).append(carrier)


def _options(by_name: Mapping[str, Mapping[str | int, list[str]]]) -> list[OptionOut]:
    return [
        OptionOut(
            name=name,
            values=[OfferedValue(value=v, carriers=c) for v, c in _ordered(values.items())],
        )
        for name, values in by_name.items()
    ]


def _ordered(items: Iterable[tuple[str | int, list[str]]]) -> list[tuple[str | int, list[str]]]:
    # Amounts smallest first; text in the order the manuals list it.
    listed = list(items)
    if all(isinstance(v, int) for v, _ in listed):
        return sorted(listed, key=lambda item: item[0])
    return listed


def rate_with(rt: Runtime, carrier: str, risk: Mapping[str, Any]) -> dict[str, Any]:
    """``risk`` rated with ``carrier``'s manual in force on its effective date: a quote or a decline."""
    known = rt.market.get(carrier)
    if known is None:
        raise UnknownCarrier(carrier)
    line, state, effective = request_facts(risk)
    if not rt.library.versions(carrier, line, state):
        written = known.writes.get(line, [])
        if not written:
            problem = f"{known.name} does not write {line}"
            raise RiskError([FieldProblem("line", problem, ", ".join(known.writes))])
        problem = f"{known.name} does not write {line} in {state}"
        raise RiskError([FieldProblem("state", problem, ", ".join(written))])
    try:
        plan = rt.library.select(carrier, line, state, effective)
    except ManualNotFound as exc:
        raise RiskError([FieldProblem("effective_date", str(exc))]) from exc
    return rate(plan, risk).to_dict()
