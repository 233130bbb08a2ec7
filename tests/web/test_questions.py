"""The form's questions against the question set's request models: they cannot drift apart."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from rateshop.risk.questions import AutoRisk, HealthRisk, HomeRisk, LifeRisk
from rateshop.web.questions import FORMS, fields_of

MODELS: dict[str, type[BaseModel]] = {
    "auto": AutoRisk,
    "home": HomeRisk,
    "life": LifeRisk,
    "health": HealthRisk,
}


def _unwrap(annotation: Any) -> Any:
    """The model or scalar type inside ``X | None`` and ``list[X]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is list or origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _leaf(model: type[BaseModel], path: str) -> Any:
    """The annotation of the model field at ``path`` (``drivers[].incidents[].kind``)."""
    annotation: Any = model
    for part in path.replace("[]", "").split("."):
        assert isinstance(annotation, type), f"{path}: {part} is not inside a model"
        assert issubclass(annotation, BaseModel), f"{path}: {part} is not inside a model"
        assert part in annotation.model_fields, f"{path}: the question set has no {part!r}"
        annotation = _unwrap(annotation.model_fields[part].annotation)
    return annotation


@pytest.mark.parametrize("line", list(FORMS))
def test_every_question_is_a_field_of_the_question_set(line: str) -> None:
    for path, field in fields_of(tuple(p for s in FORMS[line] for p in s.parts)):
        annotation = _leaf(MODELS[line], path)
        if typing.get_origin(annotation) is Literal and field.options:
            allowed = {str(v) for v in typing.get_args(annotation)}
            offered = {value for value, _ in field.options}
            assert offered <= allowed, f"{line}: {path} offers {offered - allowed}"


def _required(model: type[BaseModel], prefix: str = "") -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        inner = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and name != "coverages":
            out |= _required(inner, f"{prefix}{name}[].")
        elif info.is_required():
            out.add(prefix + name)
    return out


@pytest.mark.parametrize("line", list(FORMS))
def test_every_required_fact_is_asked(line: str) -> None:
    asked = {path for path, _ in fields_of(tuple(p for s in FORMS[line] for p in s.parts))}
    # The line and the state come from the start page, the coverages from their own step.
    missing = _required(MODELS[line]) - asked - {"line", "state", "coverages"}
    assert not missing, f"{line}: the form never asks {sorted(missing)}"


def test_a_default_is_one_of_the_options() -> None:
    for steps in FORMS.values():
        for path, field in fields_of(tuple(p for s in steps for p in s.parts)):
            if field.default and field.options:
                assert field.default in {v for v, _ in field.options}, path
