"""Who may hold a driver's licence: each state's youngest age for a licence and for a permit.

The ages live in ``licence_ages.yaml`` beside this module, with the statute each comes from. A
driver younger than the state allows for the licence the risk gives (a 15-year-old with a "valid"
licence in Texas) is refused at the field, before any carrier is asked: no carrier could write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rateshop.errors import FieldProblem
from rateshop.risk.consistency import YOUNGEST_LICENCE_AGE
from rateshop.risk.places import state_name


@dataclass(frozen=True)
class Age:
    """An age in whole years and months (15½ is 15 years 6 months)."""

    years: int
    months: int = 0

    def reached(self, birth: dt.date) -> dt.date:
        """The day someone born on ``birth`` reaches this age (1 March for 29 February)."""
        total = birth.month - 1 + self.months
        year, month = birth.year + self.years + total // 12, total % 12 + 1
        try:
            return dt.date(year, month, birth.day)
        except ValueError:  # a day the month lacks: the first of the next month
            return dt.date(year + month // 12, month % 12 + 1, 1)

    def __str__(self) -> str:
        return f"{self.years}½" if self.months == 6 else str(self.years)


@dataclass(frozen=True)
class StateAges:
    """The youngest age for each kind of licence in one state."""

    licence: Age
    permit: Age


FALLBACK = StateAges(Age(YOUNGEST_LICENCE_AGE), Age(YOUNGEST_LICENCE_AGE))


def _age(data: Any) -> Age:
    return Age(int(data["years"]), int(data.get("months", 0)))


@cache
def ages() -> dict[str, StateAges]:
    """The states of ``licence_ages.yaml`` by code."""
    text = resources.files("rateshop.risk").joinpath("licence_ages.yaml").read_text("utf-8")
    data = yaml.safe_load(text)["states"]
    return {code: StateAges(_age(s["licence"]), _age(s["permit"])) for code, s in data.items()}


def of_state(state: str) -> StateAges:
    """The youngest ages in ``state`` (the youngest of any state when it is not listed)."""
    return ages().get(state.upper(), FALLBACK)


def old_enough(
    field: str, status: str, birth: dt.date, effective: dt.date, state: str
) -> list[FieldProblem]:
    """A driver's licence must be one the state issues at the driver's age on the effective date."""
    rules = of_state(state)
    youngest = {"valid": rules.licence, "permit": rules.permit}.get(status)
    if youngest is None or youngest.reached(birth) <= effective:
        return []
    where = state_name(state)
    what = "a full or provisional licence" if status == "valid" else "a learner's permit"
    age = (
        effective.year - birth.year - ((effective.month, effective.day) < (birth.month, birth.day))
    )
    problem = f"a {age}-year-old cannot hold {what} in {where}: the youngest age is {youngest}"
    if status == "valid" and rules.permit.reached(birth) <= effective:
        allowed = f"a learner's permit, for a driver under {youngest}"
    else:
        allowed = f"a driver {youngest} or older on the start date"
    return [FieldProblem(field, problem, allowed)]
