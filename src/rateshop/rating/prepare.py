"""From a shopper's risk to rating units: validate, derive, check eligibility, assign.

This is the structural half of rating, shared by the single and the batch paths: it turns the
nested risk into one flat record per rating unit (a vehicle with its assigned driver, a household
member, or the whole policy), keyed by dotted paths such as ``driver.age``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rateshop.errors import FieldProblem, Ineligible, RiskError
from rateshop.manual.inputs import validate
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


# The values a validated record holds that are neither a list nor a record: tested first, as
# they are nearly all of them.
_PLAIN = frozenset({int, str, bool, type(None), dt.date})


def _flatten(record: Mapping[str, Any], prefix: str, out: Flat) -> None:
    for key, value in record.items():
        if type(value) in _PLAIN:
            out[prefix + key] = value
        elif isinstance(value, list):
            continue
        elif isinstance(value, dict):
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
    if plan.own_covers:
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
    own_covers = plan.own_covers
    allowed = ", ".join(own_covers)
    problems: list[FieldProblem] = []
    choices: list[dict[str, Any]] = []
    raw_items = risk.get(unit.source) or []
    for i, raw in enumerate(raw_items):
        asked = raw.get("coverages") if type(raw) is dict or isinstance(raw, Mapping) else None
        own: dict[str, Any] = {}
        choices.append(own)
        if asked is None:
            continue
        at = f"{unit.source}[{i}].coverages"
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
    """Compute the manual's derived values into the validated risk (the plan's own function)."""
    plan.code.derive(top)


def prepare(plan: Plan, risk: Mapping[str, Any]) -> Prepared:
    """Validate, derive and assign: the units of ``risk`` as flat records, or its declines."""
    top = validate_risk(plan, risk)
    try:
        return _prepare(plan, top)
    except Ineligible as exc:  # a derived value or a rank read a cell the filing does not offer
        return Prepared({}, [], [], exc.reasons)


def _prepare(plan: Plan, top: dict[str, Any]) -> Prepared:
    _derive(plan, top)
    declined = plan.code.declined(top)
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
        # one environment, the ranked item rebound in turn (ranks read it, never keep it)
        env = dict(top)
        pool_keys = []
        for p in pool:
            env[a.name] = p
            pool_keys.append((-rank_from(env), p["number"]))
        pool_ranked = [pool[k] for k in sorted(range(len(pool)), key=pool_keys.__getitem__)]
        env = dict(top)
        unit_keys = []
        for element in elements:
            env[unit.name] = element
            unit_keys.append((-rank_to(env), element["number"]))
        unit_ranked = sorted(range(len(elements)), key=unit_keys.__getitem__)
        for pos, i in enumerate(unit_ranked):
            if pos < len(pool_ranked):
                bound[i][a.name] = (pool_ranked[pos], True)
            else:
                bound[i][a.name] = (pool_ranked[0], False)
    own_covers: list[dict[str, Any]] = top.get(UNIT_COVERAGES) or [{} for _ in elements]
    prefix = f"{unit.name}."
    people: dict[tuple[str, int], Flat] = {}  # each person flattened once, however many units
    for i, element in enumerate(elements):
        u: Flat = dict(flat)
        _flatten(element, prefix, u)
        for cid, record in own_covers[i].items():  # this unit's own choice beats the policy's
            for key, value in record.items():
                u[f"coverages.{cid}.{key}"] = value
        assigned = True
        for name, (person, own) in bound[i].items():
            person_flat = people.get((name, id(person)))
            if person_flat is None:
                person_flat = people[name, id(person)] = {}
                _flatten(person, f"{name}.", person_flat)
            u.update(person_flat)
            assigned = assigned and own
        if unit.assignments:
            u["assigned"] = assigned
        units.append(u)
        labels.append(f"{unit.name} {element['number']}")
    return Prepared(flat, units, labels, [])
