"""Pydantic's validation errors in a shopper's words: each field, its problem, what is allowed.

The web form, the API, the command line and the library all read a risk with :func:`read_risk`
(or the same models through FastAPI) and say what is wrong the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from rateshop.errors import FieldProblem, RiskError
from rateshop.risk.partial import partial_problems
from rateshop.risk.questions import LINES, STATE_PATTERN, ZIP_PATTERN, Risk

_WHERE = {"body", "query", "path", "header", "cookie"}

# Human words for the patterns of the question sets (else the pattern itself is shown).
PATTERNS: Mapping[str, str] = {
    ZIP_PATTERN: "5 digits",
    STATE_PATTERN: "two letters, e.g. TX",
}


def field_path(loc: Sequence[str | int]) -> str:
    """A location of pydantic's (``("body", "drivers", 0, "birth_date")``) as the field a shopper sees."""
    parts = list(loc)
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    # A risk's errors carry the line it was read as (the union's tag) first, or after its index
    # in a list of risks: not a field.
    parts = [
        p
        for i, p in enumerate(parts)
        if not (p in LINES and (i == 0 or isinstance(parts[i - 1], int)))
    ]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _choices(text: str) -> str:
    """Pydantic's ``'a', 'b' or 'c'`` as ``a, b, c`` (as the manuals say it)."""
    plain = text.replace(" or ", ", ").replace("'", "")
    return plain.replace("True", "true").replace("False", "false")


def field_problem(error: Mapping[str, Any], patterns: Mapping[str, str] = PATTERNS) -> FieldProblem:
    """One of pydantic's validation errors as a field, its problem and what is allowed.

    ``patterns`` gives words for the regular expressions fields must match.
    """
    kind: str = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    field = field_path(error["loc"])
    shown = repr(value)
    problem: str = error["msg"]
    allowed: str | None = None
    if kind == "missing":
        problem = "is required"
    elif kind == "extra_forbidden":
        problem = "is not a field of this request"
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        name = str(ctx.get("discriminator", "")).strip("'")
        field = f"{field}.{name}" if field else name
        problem = "is required" if kind == "union_tag_not_found" else f"{ctx['tag']!r} is unknown"
        allowed = ", ".join(LINES) if name == "line" else _choices(str(ctx.get("expected_tags")))
    elif kind in ("literal_error", "enum"):
        problem, allowed = f"{shown} is not an allowed value", _choices(str(ctx.get("expected")))
    elif kind.startswith("int_"):
        problem, allowed = f"{shown} is not a whole number", "a whole number"
    elif kind.startswith(("decimal_", "float_")) and kind != "decimal_max_places":
        problem, allowed = f"{shown} is not a number", "a number"
    elif kind == "decimal_max_places":
        problem = f"{shown} has too many decimals"
        allowed = f"at most {ctx.get('decimal_places')} decimals"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
        key = next(k for k in bound if k in ctx)
        problem, allowed = f"{shown} is out of range", f"{bound[key]} {ctx[key]}"
    elif kind.startswith("bool_"):
        problem, allowed = f"{shown} is not true or false", "true or false"
    elif kind == "us_state":
        problem, allowed = f"{ctx['code']} is not a US state or territory", "a code such as TX"
    elif kind == "date_out_of_range":
        problem = f"{shown} is not a plausible date"
        allowed = f"a date in the years {ctx['earliest']} to {ctx['latest']}"
    elif kind.startswith(("date_", "datetime_")):
        problem, allowed = f"{shown} is not a date", "a date as YYYY-MM-DD"
    elif kind == "string_type":
        problem, allowed = f"{shown} is not text", "text"
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        problem, allowed = f"{shown} is not in the expected form", patterns.get(pattern, pattern)
    elif kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        things = "characters" if kind.startswith("string") else "items"
        low, high = ctx.get("min_length"), ctx.get("max_length")
        problem = "is too short" if "short" in kind else "is too long"
        allowed = f"at least {low} {things}" if low is not None else f"at most {high} {things}"
    elif kind == "list_type":
        problem, allowed = "must be a list", "a list"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        problem = "must be an object with named fields"
    elif kind == "json_invalid":
        field, problem = "body", f"is not valid JSON: {ctx.get('error', '')}".rstrip(": ")
    elif kind == "value_error":
        problem = problem.removeprefix("Value error, ")
    elif kind == "string_unicode":
        problem, allowed = "contains characters that are not text", "text"
    return FieldProblem(field or "body", problem, allowed)


_RISK: TypeAdapter[Risk] = TypeAdapter(Risk)


def problems_of(exc: ValidationError, patterns: Mapping[str, str] = PATTERNS) -> list[FieldProblem]:
    """Every problem of a validation error, by field."""
    return [field_problem(e, patterns) for e in exc.errors()]


def read_risk(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``data`` against its line's question set; the risk's facts, or :class:`RiskError`.

    The facts are what carriers rate and the store keeps (the fields sent, as JSON data).
    """
    try:
        return _RISK.validate_python(data).facts()
    except ValidationError as exc:
        raise RiskError(with_partial(problems_of(exc), data)) from None


def with_partial(problems: list[FieldProblem], data: Mapping[str, Any]) -> list[FieldProblem]:
    """``problems`` of the fields, and the cross-field problems of the parts that are sound.

    A field told already is not told twice (its own problem comes first).
    """
    told = {p.field for p in problems}
    return problems + [p for p in partial_problems(data) if p.field not in told]
