"""The building blocks of the shoppers' forms: a question, a repeating group, a step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["date", "int", "decimal", "text", "zip", "vin", "select", "bool"]


@dataclass(frozen=True)
class Field:
    """One question: ``name`` is its path inside the risk (or inside one item of a group)."""

    name: str
    label: str
    kind: Kind
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    step: str | None = None
    # "int" or "text": how a select's value is sent (PD limits are numbers, BI limits text).
    value_type: Literal["int", "text"] = "text"
    placeholder: str = ""
    # The value the form starts with (the question set's default where it has one).
    default: str = ""


@dataclass(frozen=True)
class Group:
    """A repeating part of the form (drivers, vehicles, incidents, claims, household members)."""

    name: str
    label: str
    item_label: str
    fields: tuple[Field | Group, ...]
    minimum: int = 0
    maximum: int = 6
    help: str = ""


@dataclass(frozen=True)
class Step:
    """One page of the multi-step form."""

    id: str
    title: str
    intro: str
    parts: tuple[Field | Group, ...] = field(default=())


YES_NO = (("false", "No"), ("true", "Yes"))
PAYMENT = (
    ("installments", "Monthly instalments"),
    ("eft", "Monthly by automatic bank transfer"),
    ("paid_in_full", "Pay the whole term up front"),
)
START = Field(
    "effective_date",
    "When should cover start?",
    "date",
    help="Prices follow the rates in force on this date.",
)


def fields_of(parts: tuple[Field | Group, ...], prefix: str = "") -> list[tuple[str, Field]]:
    """Every field under ``parts`` with its full path, list items written ``name[]``."""
    out: list[tuple[str, Field]] = []
    for part in parts:
        if isinstance(part, Group):
            out.extend(fields_of(part.fields, f"{prefix}{part.name}[]."))
        else:
            out.append((prefix + part.name, part))
    return out
