"""The market's states as ``market/states.yaml`` describes them: minimum limits, required coverages,
factors a state forbids."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rateshop.manual.source import safe_load


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


def load_states(market: Path) -> dict[str, StateRules]:
    """The states of ``market/states.yaml`` by code."""
    data = safe_load((market / "states.yaml").read_text(encoding="utf-8"))
    return {code: StateRules(**rules) for code, rules in data["states"].items()}
