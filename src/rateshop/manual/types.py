"""The value types of the manual language.

Numbers are exact decimals with a scale fixed at load time (an ``int`` is a number of scale 0);
text may carry the closed set of values it can take; records and lists describe the risk's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Num:
    """An exact decimal number held as ``value * 10**scale``."""

    scale: int = 0

    def __str__(self) -> str:
        return "integer" if self.scale == 0 else f"number({self.scale} decimals)"


@dataclass(frozen=True, slots=True)
class Bool:
    """True or false."""

    def __str__(self) -> str:
        return "true/false"


@dataclass(frozen=True, slots=True)
class Text:
    """Text, optionally limited to a closed set of values (a category)."""

    values: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return "text" if self.values is None else f"one of {', '.join(self.values)}"


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date."""

    def __str__(self) -> str:
        return "date"


@dataclass(frozen=True, slots=True)
class Record:
    """A group of named fields (a driver, a dwelling, the chosen coverages)."""

    name: str
    fields: Mapping[str, Type] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"record {self.name}"


@dataclass(frozen=True, slots=True)
class List:
    """A list of records (drivers, vehicles, violations) whose items are called ``item``."""

    item: Record

    def __str__(self) -> str:
        return f"list of {self.item.name}"


Type = Num | Bool | Text | Date | Record | List

INT = Num(0)
BOOL = Bool()
TEXT = Text()
DATE = Date()


def same_kind(a: Type, b: Type) -> bool:
    """Whether two types can be compared or chosen between (numbers of any scale match)."""
    if isinstance(a, Num) and isinstance(b, Num):
        return True
    if isinstance(a, Text) and isinstance(b, Text):
        return True
    return type(a) is type(b) and not isinstance(a, Record | List)
