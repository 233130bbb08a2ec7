"""The checks across fields of the parts of a risk that are sound, while other parts are not.

A risk's cross-field checks (:meth:`~rateshop.risk.questions.RiskBase.problems`) run once every
field is valid. A form asked step by step sends a risk half filled in: its drivers are done, its
vehicles not yet. So that a 15-year-old driver is told at the drivers' step, not after the coverage
is chosen, each part that reads on its own (a driver, a vehicle, a household member, a ZIP) is
checked against the effective date and state here, as the whole risk would check it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from rateshop.errors import FieldProblem
from rateshop.risk import consistency as check, places
from rateshop.risk.questions import Date, Driver, Member, StateCode, Vehicle, Zip, household

Part = TypeVar("Part", bound=BaseModel)
_DATE: TypeAdapter[Any] = TypeAdapter(Date)
_STATE: TypeAdapter[str] = TypeAdapter(StateCode)
_ZIP: TypeAdapter[str] = TypeAdapter(Zip)


def _valid(adapter: TypeAdapter[Any], value: Any) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _items(model: type[Part], value: Any) -> list[tuple[int, Part]]:
    """The items of a list that read as ``model`` on their own, with their places in the list."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    out = []
    for i, item in enumerate(value):
        try:
            out.append((i, model.model_validate(item)))
        except ValidationError:
            continue
    return out


def partial_problems(data: Mapping[str, Any]) -> list[FieldProblem]:
    """The cross-field problems of the sound parts of ``data``, a risk whose fields are not all valid."""
    on, state = _valid(_DATE, data.get("effective_date")), _valid(_STATE, data.get("state"))
    if on is None or state is None:
        return []
    line = data.get("line")
    problems: list[FieldProblem] = []
    if line in ("home", "health") and (zip_code := _valid(_ZIP, data.get("zip"))) is not None:
        problems += places.in_state("zip", zip_code, state)
    if line == "auto":
        drivers = data.get("drivers")
        count = len(drivers) if isinstance(drivers, Sequence) else 0
        for i, driver in _items(Driver, drivers):
            problems += driver.problems(f"drivers[{i}]", on, state)
        for i, vehicle in _items(Vehicle, data.get("vehicles")):
            problems += vehicle.problems(f"vehicles[{i}]", on, state, count)
    elif line == "life" and (birth := _valid(_DATE, data.get("birth_date"))) is not None:
        problems += check.born("birth_date", birth, on)
    elif line == "health":
        members = _items(Member, data.get("members"))
        for i, member in members:
            problems += check.born(f"members[{i}].birth_date", member.birth_date, on)
        if len(members) == len(data.get("members") or ()):  # every member read: count them
            problems += household("members", [m.relationship for _, m in members])
    return problems
