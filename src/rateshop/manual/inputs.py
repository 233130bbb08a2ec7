"""The facts a manual reads from a risk: declared with types and allowed values, and checked.

A manual's ``inputs`` section declares each field it reads (``date``, ``int``, ``decimal``,
``money``, ``bool``, ``text``, a list of allowed values, a ``record`` or a ``list`` of records).
Validation turns the JSON a shopper sent into exact values (scaled integers, dates) and reports
every wrong field at once, with its path, the problem and what is allowed. Fields a manual does
not read are ignored: one question set serves every carrier.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.errors import FieldProblem
from rateshop.manual.numbers import NumberTooLarge, read_scaled
from rateshop.manual.types import Bool, Date, List, Num, Record, Text, Type
from rateshop.money import to_decimal

NUMBER_FIELD = "number"
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
# No risk figure is this large; the bound keeps every exact product within reach of both paths.
MAX_MAGNITUDE = 10**15


@dataclass
class FieldSpec:
    """One declared input field."""

    name: str
    type: Type
    line: int
    required: bool = True
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    min_items: int = 0
    max_items: int | None = None
    choices: tuple[str, ...] | None = None  # the only values offered, as text

    def describe_allowed(self) -> str | None:
        t = self.type
        if self.choices is not None:
            return ", ".join(self.choices)
        if isinstance(t, Text) and t.values is not None:
            return ", ".join(t.values)
        if isinstance(t, Num):
            lo = "" if self.minimum is None else str(to_decimal(self.minimum, t.scale))
            hi = "" if self.maximum is None else str(to_decimal(self.maximum, t.scale))
            digits = "whole number" if t.scale == 0 else f"number with at most {t.scale} decimals"
            if lo or hi:
                return f"{digits} from {lo or '-inf'} to {hi or 'inf'}"
            return digits
        if isinstance(t, Date):
            return "a date as YYYY-MM-DD"
        if isinstance(t, Bool):
            return "true or false"
        if isinstance(t, List):
            most = "" if self.max_items is None else f" and at most {self.max_items}"
            return f"a list of at least {self.min_items}{most} items"
        return None


def record_type(name: str, fields: Mapping[str, FieldSpec]) -> Record:
    """The type of a record whose fields are ``fields``."""
    return Record(name, {k: v.type for k, v in fields.items()})


def validate(
    specs: Mapping[str, FieldSpec], data: Any, path: str, problems: list[FieldProblem]
) -> dict[str, Any]:
    """Check ``data`` against ``specs``; append each problem; return the exact values."""
    out: dict[str, Any] = {}
    if not isinstance(data, Mapping):
        problems.append(FieldProblem(path or "risk", "must be an object with named fields"))
        return out
    for name, spec in specs.items():
        where = f"{path}.{name}" if path else name
        if name not in data or data[name] is None:
            if spec.default is not None:
                out[name] = spec.default
            elif isinstance(spec.type, List) and not spec.required:
                out[name] = []
            elif spec.required:
                problems.append(FieldProblem(where, "is required", spec.describe_allowed()))
            else:
                out[name] = None
            continue
        out[name] = _value(spec, data[name], where, problems)
    return out


def _value(spec: FieldSpec, raw: Any, where: str, problems: list[FieldProblem]) -> Any:
    t = spec.type
    if spec.choices is not None and (isinstance(raw, bool) or str(raw) not in spec.choices):
        problems.append(FieldProblem(where, f"{raw!r} is not offered", spec.describe_allowed()))
        return int(spec.choices[0]) if isinstance(t, Num) else spec.choices[0]
    if isinstance(t, List):
        if not isinstance(raw, list):
            problems.append(FieldProblem(where, "must be a list", spec.describe_allowed()))
            return []
        if spec.max_items is not None and len(raw) > spec.max_items:
            # the items of an over-long list are not even looked at: that is the work to avoid
            problems.append(
                FieldProblem(
                    where,
                    f"has {len(raw)} items, more than the {spec.max_items} allowed",
                    spec.describe_allowed(),
                )
            )
            return []
        if len(raw) < spec.min_items:
            problems.append(FieldProblem(where, f"has {len(raw)} items", spec.describe_allowed()))
        items = []
        for i, item in enumerate(raw):
            record = validate(spec.fields, item, f"{where}[{i}]", problems)
            record[NUMBER_FIELD] = i + 1
            items.append(record)
        return items
    if isinstance(t, Record):
        return validate(spec.fields, raw, where, problems)
    if isinstance(t, Bool):
        if not isinstance(raw, bool):
            problems.append(
                FieldProblem(where, f"{raw!r} is not true or false", spec.describe_allowed())
            )
        return bool(raw)
    if isinstance(t, Date):
        if isinstance(raw, dt.date):
            return raw
        try:
            if not isinstance(raw, str) or not DATE_TEXT.fullmatch(raw):
                raise ValueError(raw)
            return dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(FieldProblem(where, f"{raw!r} is not a date", spec.describe_allowed()))
            return dt.date(1900, 1, 1)
    if isinstance(t, Text):
        # a ZIP code sent as a number is still the ZIP code; objects, lists and fractions are not
        value = raw if isinstance(raw, str) else str(raw)
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            problems.append(FieldProblem(where, f"{raw!r} is not text", spec.describe_allowed()))
        elif t.values is not None and value not in t.values:
            problems.append(
                FieldProblem(where, f"{raw!r} is not an allowed value", spec.describe_allowed())
            )
        return value
    assert isinstance(t, Num)
    return _number(spec, t, raw, where, problems)


def _number(spec: FieldSpec, t: Num, raw: Any, where: str, problems: list[FieldProblem]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        problems.append(FieldProblem(where, f"{raw!r} is not a number", spec.describe_allowed()))
        return 0
    if type(raw) is int:
        scaled, scale = raw, 0  # the common case needs no decimal parsing
    else:
        try:
            scaled, scale = read_scaled(str(raw))
        except NumberTooLarge:
            problems.append(FieldProblem(where, "is too large", spec.describe_allowed()))
            return 0
        except ValueError:
            problems.append(
                FieldProblem(where, f"{raw!r} is not a number", spec.describe_allowed())
            )
            return 0
    if scale > t.scale:
        trimmed = scaled // 10 ** (scale - t.scale)
        if trimmed * 10 ** (scale - t.scale) != scaled:
            problems.append(
                FieldProblem(where, f"{raw!r} has too many decimals", spec.describe_allowed())
            )
        value = trimmed
    else:
        value = scaled * 10 ** (t.scale - scale)
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        problems.append(FieldProblem(where, f"{raw} is out of range", spec.describe_allowed()))
    elif abs(value) > MAX_MAGNITUDE:
        problems.append(
            FieldProblem(
                where, f"{raw} is too large", f"at most {MAX_MAGNITUDE:,} units of its last decimal"
            )
        )
        return 0
    return int(value)
