"""Catalog bodies: carriers, lines, states and the coverage options on offer."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from rateshop.api.schemas import Out
from rateshop.compare.market import Carrier

__all__ = [
    "AutoMinimum",
    "Carrier",
    "CoverageOut",
    "CoveragesOut",
    "LineOut",
    "OfferedValue",
    "OptionOut",
    "StateOut",
    "StateRules",
]


class LineOut(Out):
    id: str
    carriers: list[str] = Field(description="Carriers writing the line in some state.")
    states: list[str] = Field(description="States where some carrier writes it.")


class AutoMinimum(BaseModel):
    """Minimum auto liability limits: bodily injury per person / per accident and property damage ($000)."""

    model_config = ConfigDict(extra="forbid")

    BI: str
    PD: int


class StateRules(BaseModel):
    """A state as ``market/states.yaml`` describes it (sample data shaped on each state's rules)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    auto_minimum: AutoMinimum
    auto_required: list[str] = Field(default_factory=list)
    auto_must_offer: list[str] = Field(default_factory=list)
    auto_forbidden_factors: list[str] = Field(default_factory=list)
    auto_driver_assignment: str | None = None
    auto_mandatory_limits: dict[str, str | int] = Field(default_factory=dict)
    notes: str = ""


class StateOut(StateRules):
    code: str
    lines: list[str] = Field(description="Lines some carrier writes in the state.")


class OfferedValue(Out):
    value: str | int
    carriers: list[str] = Field(description="The carriers offering this value.")


class OptionOut(Out):
    name: str
    values: list[OfferedValue]


class CoverageOut(Out):
    id: str
    label: str
    carriers: list[str] = Field(description="The carriers offering the coverage.")
    required_by: list[str] = Field(description="The carriers for which it must be chosen.")
    options: list[OptionOut]


class CoveragesOut(Out):
    """What the carriers of a line and state offer on a date: coverages and fixed-choice fields."""

    line: str
    state: str
    as_of: dt.date
    carriers: list[str]
    coverages: list[CoverageOut]
    choices: list[OptionOut] = Field(
        description="Risk fields with a fixed set of values (e.g. a home policy's deductible)."
    )
