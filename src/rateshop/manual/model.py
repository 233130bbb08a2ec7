"""A loaded rate manual: every part validated and every expression typed, ready to compile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rateshop.manual.expr import Expr
from rateshop.manual.inputs import FieldSpec
from rateshop.manual.tables import Table
from rateshop.money import Rounding

RISK = "risk"  # the record name of the risk itself, beside the item names of its lists
# How a manual counts the birthday of someone born on 29 February in a non-leap year
# (``manual.leap_birthday``); the first is the default.
LEAP_BIRTHDAYS = ("february_28", "march_1")


@dataclass(frozen=True)
class Identity:
    """Which carrier's manual this is, for which line and state, and from when."""

    carrier: str
    carrier_name: str
    line: str
    state: str
    effective: dt.date
    version: str
    title: str
    term_months: int
    sample: bool
    source: str
    expires: dt.date | None = None
    # the birthday of someone born on 29 February in a non-leap year: february_28 or march_1
    leap_birthday: str = "february_28"

    @property
    def key(self) -> str:
        return f"{self.carrier}/{self.line}/{self.state}@{self.effective.isoformat()}"


@dataclass
class Coverage:
    """A coverage the shopper may choose, with its options (limits, deductibles)."""

    id: str
    label: str
    required: bool
    options: dict[str, FieldSpec]
    line: int
    # the list rated item by item (``vehicles``) whose items may each choose this coverage and
    # its options, overriding the policy's choice; None: chosen for the whole policy only
    per: str | None = None


@dataclass
class Derived:
    """A variable computed from the risk: ``field`` on each item of ``record`` (``risk`` = top)."""

    record: str
    field: str
    expr: Expr
    text: str
    line: int


@dataclass
class Rule:
    """An eligibility rule: the risk is declined with ``reason`` when ``when`` holds."""

    reason: str
    when: Expr
    text: str
    line: int


@dataclass
class Assignment:
    """How each rating unit gets a member of another list (a driver for each vehicle)."""

    name: str
    source: str
    method: str  # highest_to_highest | field
    rank_from: Expr | None
    rank_to: Expr | None
    field: str | None
    line: int


@dataclass
class Unit:
    """The rating unit: each item of ``source`` is rated as ``name`` (a vehicle, a member)."""

    source: str
    name: str
    assignments: list[Assignment]


@dataclass
class DiscountItem:
    id: str
    label: str
    rate: Expr
    when: Expr | None
    line: int


@dataclass
class DiscountGroup:
    """Discounts that add up within the group, capped; groups multiply with each other."""

    id: str
    label: str
    cap: Expr | None
    items: list[DiscountItem]


class StepKind(StrEnum):
    """What a rating step does to the running total; each value is the manual's word for it.

    What a kind means to rating (its scales, code, columns, trace and words) is specified once,
    in :mod:`rateshop.rating.steps`; a new kind added here is refused there until it is given.
    """

    START = "start"
    MULTIPLY = "multiply"
    ADD = "add"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    DISCOUNT = "discount"
    ROUND = "round"


@dataclass
class Step:
    """One step of a rating algorithm as it applies to one component."""

    id: str
    label: str
    kind: StepKind
    operand: Expr | None
    when: Expr | None
    rounding: Rounding | None
    groups: list[DiscountGroup]
    source: str
    line: int


@dataclass
class Component:
    """A premium piece rated by its own chain of steps (a coverage, a peril, an endorsement)."""

    id: str
    label: str
    coverage: str | None
    when: Expr | None
    steps: list[Step]
    line: int


@dataclass
class Fee:
    """A charge added after the premium (policy fee, per-vehicle fee, instalment fee)."""

    id: str
    label: str
    amount: Expr
    when: Expr | None
    rounding: Rounding
    line: int


@dataclass
class Detail:
    """A fact shown on every quote from this manual (a plan's deductible, its network)."""

    id: str
    label: str
    value: Expr
    line: int


@dataclass
class TestCase:
    """A risk stored beside the manual with the answer it must give."""

    name: str
    risk: dict[str, Any]
    premium: str | None
    total: str | None
    components: dict[str, str]
    steps: dict[str, str]
    decline: list[str] | None
    line: int


@dataclass
class Manual:
    """A whole rate manual, loaded and checked."""

    identity: Identity
    root: Path
    file: str
    content_hash: str
    inputs: dict[str, FieldSpec]
    coverages: dict[str, Coverage]
    derived: list[Derived]
    eligibility: list[Rule]
    tables: dict[str, Table]
    unit: Unit | None
    components: list[Component]
    policy_steps: list[Step]
    fees: list[Fee]
    details: list[Detail] = field(default_factory=list)
    tests: list[TestCase] = field(default_factory=list)
    tests_file: str | None = None
    items: dict[str, tuple[str, str]] = field(default_factory=dict)
