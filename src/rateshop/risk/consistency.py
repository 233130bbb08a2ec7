"""Checks across the fields of a risk: dates in their order, people of a possible age, references
between parts that exist.

Each question set's model checks its fields one by one; what ties two fields together (a birth date
and the effective date, a vehicle's principal driver and the list of drivers) is checked here once
every field is valid. Each problem names its field, as a shopper's form shows it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol

from rateshop.errors import FieldProblem

OLDEST_AGE = 120
# The youngest age at which any state licenses a driver (a learner's permit).
YOUNGEST_LICENCE_AGE = 14


class Dated(Protocol):
    date: dt.date


class Person(Protocol):
    birth_date: dt.date


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def not_after(field: str, day: dt.date, effective: dt.date, what: str) -> list[FieldProblem]:
    """``day`` must be on or before the effective date."""
    if day <= effective:
        return []
    problem = f"{day.isoformat()} is after the effective date: {what}"
    return [FieldProblem(field, problem, f"on or before {effective.isoformat()}")]


def born(field: str, birth: dt.date, effective: dt.date) -> list[FieldProblem]:
    """A birth date on or before the effective date, at most :data:`OLDEST_AGE` years before."""
    earliest = years_before(effective, OLDEST_AGE)
    if earliest <= birth <= effective:
        return []
    problem = (
        f"{birth.isoformat()} is after the effective date"
        if birth > effective
        else f"{birth.isoformat()} is more than {OLDEST_AGE} years before the effective date"
    )
    allowed = f"{earliest.isoformat()} to {effective.isoformat()}"
    return [FieldProblem(field, problem, allowed)]


def licensed_after_birth(field: str, licensed: dt.date, birth: dt.date) -> list[FieldProblem]:
    """A driver is first licensed no younger than any state licenses anyone."""
    youngest = YOUNGEST_LICENCE_AGE
    try:
        earliest = birth.replace(year=birth.year + youngest)
    except ValueError:  # born on 29 February
        earliest = dt.date(birth.year + youngest, 3, 1)
    if licensed >= earliest:
        return []
    problem = (
        f"{licensed.isoformat()} is before the driver was {youngest}: "
        "no state licenses anyone that young"
    )
    return [FieldProblem(field, problem, f"on or after {earliest.isoformat()}")]


def at_least_one(field: str, kinds: Sequence[str], kind: str) -> list[FieldProblem]:
    """A list that must hold one item of ``kind`` (a household has its applicant, "self")."""
    if kind in kinds:
        return []
    problem = f"no member is {kind!r}: one member is the person applying"
    return [FieldProblem(f"{field}[0].relationship", problem, kind)]


def history(
    field: str, events: Sequence[Dated], effective: dt.date, since: dt.date, what: str
) -> list[FieldProblem]:
    """Past events (incidents, claims): each on or before the effective date, none before ``since``."""
    problems: list[FieldProblem] = []
    for i, event in enumerate(events):
        where = f"{field}[{i}].date"
        problems += not_after(where, event.date, effective, f"{what} must have happened already")
        if event.date < since:
            problem = f"{event.date.isoformat()} is before {since.isoformat()}"
            problems.append(FieldProblem(where, problem, f"on or after {since.isoformat()}"))
    return problems


def references(field: str, numbers: Iterable[int], count: int, what: str) -> list[FieldProblem]:
    """Numbers (1, 2 …) that must each name one of ``count`` listed items."""
    return [
        FieldProblem(
            f"{field.format(i=i)}",
            f"{what} {n} is not on the policy (it lists {count})",
            f"1 to {count}",
        )
        for i, n in enumerate(numbers)
        if n > count
    ]


def at_most_one(field: str, kinds: Sequence[str], only: Iterable[str]) -> list[FieldProblem]:
    """Kinds of which a list may hold one item at most (a household has one "self")."""
    counts = Counter(kinds)
    problems = []
    for kind in only:
        if counts[kind] > 1:
            last = len(kinds) - 1 - kinds[::-1].index(kind)
            problem = f"{counts[kind]} members are {kind!r}; a household has one"
            problems.append(FieldProblem(f"{field}[{last}].relationship", problem, None))
    return problems
