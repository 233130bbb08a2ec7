"""A stored risk as a form of fields, and the changed form back as a risk.

Every answer of a risk is a field named by its path (``drivers.1.birth_date``), so any line's
answers can be opened and edited the same way; a changed value takes the type the answer had.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rateshop.errors import FieldProblem, RiskError

# What identifies the question set: changing them makes another risk, not an edited one.
FIXED = frozenset({"line", "state"})
PLURALS = {"drivers": "Driver", "vehicles": "Vehicle", "incidents": "Incident",
           "members": "Member", "claims": "Claim"}  # fmt: skip
Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Answer:
    """One answer of a risk: its path, words for it, its value as text and its kind."""

    path: str
    label: str
    value: str
    kind: str  # "text", "number", "yes/no"


def _label(path: tuple[str | int, ...]) -> str:
    words: list[str] = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            continue
        nxt = path[i + 1] if i + 1 < len(path) else None
        if isinstance(nxt, int):
            words.append(f"{PLURALS.get(part, part.replace('_', ' ').capitalize())} {nxt + 1}")
        else:
            words.append(part.replace("_", " "))
    return " · ".join(words)


def _leaves(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Scalar]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*path, i))
    else:
        yield path, value


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, int | float):
        return "number"
    return "text"


def answers(risk: Mapping[str, Any]) -> list[Answer]:
    """The risk's answers in their order, line and state left out."""
    return [
        Answer(".".join(map(str, path)), _label(path), _text(value), _kind(value))
        for path, value in _leaves(risk)
        if path[0] not in FIXED
    ]


def flat(risk: Mapping[str, Any]) -> dict[str, Scalar]:
    """The risk's answers by path, with their values as stored."""
    return {".".join(map(str, p)): v for p, v in _leaves(risk)}


def _typed(path: str, before: Scalar, text: str) -> Scalar:
    text = text.strip()
    if isinstance(before, bool):
        if text not in ("yes", "no"):
            raise RiskError([FieldProblem(path, f"{text!r} is not yes or no", "yes, no")])
        return text == "yes"
    if isinstance(before, int) and not isinstance(before, bool):
        try:
            return int(text)
        except ValueError:
            raise RiskError([FieldProblem(path, f"{text!r} is not a whole number")]) from None
    if isinstance(before, float):
        try:
            return float(text)
        except ValueError:
            raise RiskError([FieldProblem(path, f"{text!r} is not a number")]) from None
    if before is None and not text:
        return None
    return text


def changed(risk: Mapping[str, Any], edits: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``risk`` with each edited answer (by path) set, typed as it was stored.

    Paths that are not answers of the risk, and the line and state, are refused.
    """
    out = copy.deepcopy(dict(risk))
    known = {a.path for a in answers(risk)}
    for path, text in edits.items():
        if path not in known:
            raise RiskError([FieldProblem(path, "is not an answer of this risk")])
        parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.split(".")]
        holder: Any = out
        for part in parts[:-1]:
            holder = holder[part]
        holder[parts[-1]] = _typed(path, holder[parts[-1]], text)
    return out
