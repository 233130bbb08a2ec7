"""From a shopper's risk to rating units: validate, derive, check eligibility, assign.

This is the structural half of rating, shared by the single and the batch paths: it turns the
nested risk into one flat record per rating unit (a vehicle with its assigned driver, a household
member, or the whole policy), keyed by dotted paths such as ``driver.age``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rateshop.errors import FieldProblem, Ineligible, RiskError
from rateshop.manual.inputs import validate
from rateshop.manual.model import RISK
from rateshop.rating.expressions import Occurrences
from rateshop.rating.plan import Plan
from rateshop.rating.riskcode import unchosen_record

Flat = dict[str, Any]


@dataclass
class Prepared:
    """A risk ready to rate: its policy-level record, its units, or the reasons it is declined."""

    risk: Flat
    units: list[Flat]
    unit_labels: list[str | None]
    declined: list[str]


def _flatten(record: Mapping[str, Any], prefix: str, out: Flat) -> None:
    for key, value in record.items():
        if isinstance(value, list):
            continue
        if isinstance(value, dict):
            _flatten(value, f"{prefix}{key}.", out)
        else:
            out[prefix + key] = value


# Where the validated risk keeps each rating unit's own choice of coverages (a list, so no
# flattening or expression ever reads it; the units' records take it in ``_prepare``).
UNIT_COVERAGES = "__unit_coverages__"


def validate_risk(plan: Plan, risk: Mapping[str, Any]) -> dict[str, Any]:
    """Check the risk against the manual's inputs and coverages; return exact values."""
    top = plan.code.check(risk)
    if top is None:
        top = _validate_fully(plan, risk)
    if any(c.per is not None for c in plan.manual.coverages.values()):
        _unit_coverages(plan, risk, top)
    return top


def _unit_coverages(plan: Plan, risk: Mapping[str, Any], top: dict[str, Any]) -> None:
    """Each rating unit's own choice of the coverages chosen item by item (``per:``).

    A vehicle may give ``coverages: {COMP: {deductible: 1000}, COLL: false}``; a coverage it does
    not name follows the policy's choice, so risks without such choices rate as before.
    """
    manual = plan.manual
    unit = manual.unit
    assert unit is not None  # the loader allows per: only on the list rated item by item
    own_covers = {cid: c for cid, c in manual.coverages.items() if c.per is not None}
    allowed = ", ".join(own_covers)
    problems: list[FieldProblem] = []
    choices: list[dict[str, Any]] = []
    raw_items = risk.get(unit.source) or []
    for i, raw in enumerate(raw_items):
        at = f"{unit.source}[{i}].coverages"
        asked = raw.get("coverages") if isinstance(raw, Mapping) else None
        own: dict[str, Any] = {}
        choices.append(own)
        if asked is None:
            continue
        if not isinstance(asked, Mapping):
            problems.append(
                FieldProblem(at, "must be an object of coverage id to options", allowed)
            )
            continue
        for cid, value in asked.items():
            cov = own_covers.get(cid)
            if cov is None:
                problems.append(
                    FieldProblem(
                        f"{at}.{cid}", f"is not chosen {unit.name} by {unit.name}", allowed
                    )
                )
                continue
            if value is None:
                continue  # as the policy chose
            if value is False:
                if cov.required:
                    problems.append(FieldProblem(f"{at}.{cid}", f"{cov.label} is required"))
                own[cid] = unchosen_record(cov)
                continue
            chosen = validate(cov.options, {} if value is True else value, f"{at}.{cid}", problems)
            chosen["chosen"] = True
            own[cid] = chosen
    if problems:
        raise RiskError(problems)
    top[UNIT_COVERAGES] = choices


def _validate_fully(plan: Plan, risk: Mapping[str, Any]) -> dict[str, Any]:
    """The general check: every value form the format allows, every problem reported."""
    manual = plan.manual
    problems: list[FieldProblem] = []
    top = validate(manual.inputs, risk, "", problems)
    if manual.coverages:
        chosen_raw = risk.get("coverages") if isinstance(risk, Mapping) else None
        if chosen_raw is None:
            chosen_raw = {}
        if not isinstance(chosen_raw, Mapping):
            problems.append(
                FieldProblem("coverages", "must be an object of coverage id to options")
            )
            chosen_raw = {}
        offered = ", ".join(manual.coverages)
        for cid in chosen_raw:
            if cid not in manual.coverages:
                problems.append(FieldProblem(f"coverages.{cid}", "is not offered", offered))
        coverages: dict[str, Any] = {}
        for cid, cov in manual.coverages.items():
            raw = chosen_raw.get(cid)
            if raw is None or raw is False:
                if cov.required:
                    problems.append(FieldProblem(f"coverages.{cid}", f"{cov.label} is required"))
                coverages[cid] = unchosen_record(cov)
                continue
            if raw is True:
                raw = {}
            chosen = validate(cov.options, raw, f"coverages.{cid}", problems)
            chosen["chosen"] = True
            coverages[cid] = chosen
        top["coverages"] = coverages
    if problems:
        raise RiskError(problems)
    return top


def _derive(plan: Plan, top: dict[str, Any]) -> None:
    items = plan.manual.items
    for record, fname, fn in plan.derived:
        if record == RISK:
            assert not isinstance(fn, Occurrences)
            top[fname] = fn(top)
            continue
        chain = [record]
        while items[chain[0]][0] != RISK:
            chain.insert(0, items[chain[0]][0])
        # one environment per item, grouped by the list holding the items (their siblings)
        envs: list[dict[str, Any]] = [top]
        groups: list[list[dict[str, Any]]] = []
        for item in chain:
            list_field = items[item][1]
            groups = []
            for env in envs:
                holder = env if items[item][0] == RISK else env[items[item][0]]
                group = []
                for element in holder[list_field]:
                    inner = dict(env)
                    inner[item] = element
                    group.append(inner)
                groups.append(group)
            envs = [env for group in groups for env in group]
        if isinstance(fn, Occurrences):
            for group in groups:
                for env, value in zip(group, fn(group), strict=True):
                    env[record][fname] = value
        else:
            for env in envs:
                env[record][fname] = fn(env)


def prepare(plan: Plan, risk: Mapping[str, Any]) -> Prepared:
    """Validate, derive and assign: the units of ``risk`` as flat records, or its declines."""
    top = validate_risk(plan, risk)
    try:
        return _prepare(plan, top)
    except Ineligible as exc:  # a derived value or a rank read a cell the filing does not offer
        return Prepared({}, [], [], exc.reasons)


def _prepare(plan: Plan, top: dict[str, Any]) -> Prepared:
    _derive(plan, top)
    declined = [reason for reason, rule in plan.rules if rule(top)]
    flatten = plan.code.flatten
    if flatten is not None:
        flat = flatten(top)
    else:
        flat = {}
        _flatten(top, "", flat)
    if declined:
        return Prepared(flat, [], [], declined)
    unit = plan.manual.unit
    if unit is None:
        return Prepared(flat, [flat], [None], [])
    elements: list[dict[str, Any]] = top[unit.source]
    units: list[Flat] = []
    labels: list[str | None] = []
    bound: list[dict[str, tuple[dict[str, Any], bool]]] = [{} for _ in elements]
    for a in unit.assignments:
        pool: list[dict[str, Any]] = top[a.source]
        if not pool:
            raise RiskError([FieldProblem(a.source, f"at least one {a.name} is needed to rate")])
        if a.method == "field":
            by_number = {p["number"]: p for p in pool}
            for i, element in enumerate(elements):
                wanted = element[a.field or ""]
                if wanted not in by_number:
                    raise RiskError(
                        [FieldProblem(f"{unit.source}[{i}].{a.field}", f"there is no {a.name} {wanted}",
                                      ", ".join(str(n) for n in by_number))]
                    )  # fmt: skip
                bound[i][a.name] = (by_number[wanted], True)
            continue
        rank_from, rank_to = plan.ranks[a.name]
        assert rank_from is not None
        assert rank_to is not None
        pool_ranked = sorted(pool, key=lambda p: (-rank_from({**top, a.name: p}), p["number"]))
        unit_ranked = sorted(
            range(len(elements)),
            key=lambda i: (-rank_to({**top, unit.name: elements[i]}), elements[i]["number"]),
        )
        for pos, i in enumerate(unit_ranked):
            if pos < len(pool_ranked):
                bound[i][a.name] = (pool_ranked[pos], True)
            else:
                bound[i][a.name] = (pool_ranked[0], False)
    own_covers: list[dict[str, Any]] = top.get(UNIT_COVERAGES) or [{} for _ in elements]
    for i, element in enumerate(elements):
        u: Flat = dict(flat)
        _flatten(element, f"{unit.name}.", u)
        for cid, record in own_covers[i].items():  # this unit's own choice beats the policy's
            for key, value in record.items():
                u[f"coverages.{cid}.{key}"] = value
        assigned = True
        for name, (person, own) in bound[i].items():
            _flatten(person, f"{name}.", u)
            assigned = assigned and own
        if unit.assignments:
            u["assigned"] = assigned
        units.append(u)
        labels.append(f"{unit.name} {element['number']}")
    return Prepared(flat, units, labels, [])
