"""A live carrier's mapping: how our risk becomes its request, and where its answer says what.

The mapping is data in the carrier's folder (``mapping.yaml``), edited by an operator, checked when
it loads with file and line like a manual. ``request`` is a list of rules, each making one place of
the carrier's request (``to``, a dotted path; left out: the object being made) from one source:

* ``from: PATH`` — a value of the risk (dotted path), optionally through ``map`` (a value map:
  our value → the carrier's code), with a ``default`` when the risk has none, or ``required``;
* ``value: X`` — a constant;
* ``rest: camel | keep`` — every plain field of the object no ``from`` rule of the list reads,
  renamed to camelCase or kept;
* ``each: PATH`` with ``fields`` — a list of the risk (drivers, vehicles …), each item made by
  the rules of ``fields``;
* ``entries: PATH`` with ``key`` and ``fields`` — an object of the risk keyed by code (coverages)
  as a list of objects, the code under ``key``.

``answer`` says where the carrier's answer holds each thing (dotted paths): ``status`` (with ``map``
from its codes to ``quoted``, ``referred``, ``declined``, ``pending``, ``error``), ``quote_ref``,
``currency``, ``total``, ``term_months``, ``coverages`` and ``fees`` (lists, with the names of their
fields), ``not_offered``, ``valid_until``, ``bridge_url``, ``messages`` and ``retry_after``.
:func:`build` and :func:`parse` are pure: no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from rateshop.carriers.answer import (
    AnswerError as AnswerError,  # re-exported: part of this API
    AnswerSpec as AnswerSpec,  # re-exported, as above
    ListSpec as ListSpec,
    Reader,
    compile_reader,
)
from rateshop.carriers.reply import CarrierReply, ReplyStatus
from rateshop.errors import FieldProblem, MappingError, Problem, RiskError

STATUSES: tuple[ReplyStatus, ...] = ("quoted", "referred", "declined", "pending", "error")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_SOURCES = ("from", "value", "rest", "each", "entries")
_RULE_KEYS = {"to", *_SOURCES, "map", "default", "required", "fields", "key"}


# --- YAML with line numbers ----------------------------------------------------------------


class _Located(dict[Any, Any]):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    out = _Located()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _line(data: Any, key: Any = None) -> int | None:
    if isinstance(data, _Located):
        return data.lines.get(key, data.line) if key is not None else data.line
    return None


# --- the model ---------------------------------------------------------------------------------


@functools.cache
def camel(name: str) -> str:
    """``effective_date`` → ``effectiveDate``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Rule:
    """One rule of a request mapping (see the module's docstring)."""

    to: str | None
    source: str
    path: str | None = None
    value: Any = None
    codes: Mapping[Any, Any] | None = None
    default: Any = None
    required: bool = False
    key: str = "code"
    fields: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class CarrierMapping:
    """A carrier's whole mapping: its request rules, its answer's places and their reader."""

    source: str
    request: tuple[Rule, ...]
    answer: AnswerSpec
    problems: list[Problem] = field(default_factory=list)
    reader: Reader = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", compile_reader(self.answer, self.source))


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, where: Any, reason: str, key: Any = None) -> None:
        self.problems.append(Problem(self.source, _line(where, key), reason))

    def path(self, where: Any, key: str, value: Any) -> str | None:
        if not isinstance(value, str) or not _PATH.match(value):
            self.problem(where, f"{key}: {value!r} is not a dotted path like policy.state", key)
            return None
        return value

    def rules(self, items: Any, where: Any, key: str) -> tuple[Rule, ...]:
        if not isinstance(items, list) or not items:
            self.problem(where, f"{key} must be a list of rules", key)
            return ()
        return tuple(r for r in (self.rule(item) for item in items) if r is not None)

    def rule(self, item: Any) -> Rule | None:
        if not isinstance(item, Mapping):
            self.problem(item, f"a rule must be an object with to: and a source, not {item!r}")
            return None
        unknown = sorted(set(item) - _RULE_KEYS)
        for name in unknown:
            self.problem(
                item, f"unknown key {name!r} (known: {', '.join(sorted(_RULE_KEYS))})", name
            )
        sources = [s for s in _SOURCES if s in item]
        if len(sources) != 1:
            said = ", ".join(sources) or "none"
            self.problem(item, f"a rule needs exactly one of {', '.join(_SOURCES)} (has {said})")
            return None
        source = sources[0]
        to = None
        if "to" in item:
            to = self.path(item, "to", item["to"])
        elif source not in ("rest",):
            self.problem(item, f"a {source} rule needs to: (where it goes in the request)")
        codes = item.get("map")
        if codes is not None and not isinstance(codes, Mapping):
            self.problem(item, "map must be an object: our value → the carrier's code", "map")
            codes = None
        if codes is not None and source != "from":
            self.problem(item, "map applies to a from: rule only", "map")
        rule = Rule(to=to, source=source, codes=codes, default=item.get("default"),
                    required=bool(item.get("required", False)))  # fmt: skip
        if source == "from":
            return _with(rule, path=self.path(item, "from", item["from"]))
        if source == "value":
            return _with(rule, value=item["value"])
        if source == "rest":
            if item["rest"] not in ("camel", "keep"):
                self.problem(item, f"rest must be camel or keep, not {item['rest']!r}", "rest")
            return _with(rule, value=item["rest"])
        path = self.path(item, source, item[source])
        fields = self.rules(item.get("fields"), item, "fields")
        key = item.get("key", "code")
        if source == "entries" and not isinstance(key, str):
            self.problem(item, "key must be a field name", "key")
        return _with(rule, path=path, fields=fields, key=str(key))

    def list_spec(self, data: Any, name: str, needed: Sequence[str]) -> ListSpec | None:
        if not isinstance(data, Mapping) or "at" not in data:
            self.problem(data, f"answer.{name} must be an object with at: and its fields' names")
            return None
        at = self.path(data, "at", data["at"]) or ""
        names = {k: str(v) for k, v in data.items() if k != "at"}
        for k in sorted(set(needed) - set(names)):
            self.problem(data, f"answer.{name} must name its items' {k} field")
        return ListSpec(at, names)

    def answer(self, data: Any) -> AnswerSpec | None:
        if not isinstance(data, Mapping):
            self.problem(data, "answer must be an object of paths")
            return None
        known = {"status", "quote_ref", "currency", "total", "term_months", "coverages", "fees",
                 "not_offered", "valid_until", "bridge_url", "messages", "retry_after"}  # fmt: skip
        for name in sorted(set(data) - known):
            self.problem(
                data, f"unknown answer key {name!r} (known: {', '.join(sorted(known))})", name
            )
        for name in ("status", "quote_ref", "currency", "total", "term_months", "coverages"):
            if name not in data:
                self.problem(data, f"answer needs {name}")
        status = data.get("status")
        codes: dict[str, ReplyStatus] = {}
        at = ""
        if isinstance(status, Mapping):
            at = self.path(status, "at", status.get("at")) or ""
            raw = status.get("map")
            if not isinstance(raw, Mapping):
                self.problem(status, "answer.status needs map: the carrier's codes → ours", "map")
            else:
                for code, ours in raw.items():
                    if ours not in STATUSES:
                        self.problem(raw, f"{ours!r} is not one of {', '.join(STATUSES)}", code)
                    else:
                        codes[str(code)] = cast(ReplyStatus, ours)
                if "quoted" not in codes.values():
                    self.problem(raw, "answer.status.map must say which code is quoted")
        elif status is not None:
            self.problem(data, "answer.status must be an object with at: and map:", "status")
        paths = {}
        for name in ("quote_ref", "currency", "total", "term_months", "not_offered",
                     "valid_until", "bridge_url", "retry_after"):  # fmt: skip
            if name in data:
                paths[name] = self.path(data, name, data[name]) or ""
        coverages = self.list_spec(data.get("coverages"), "coverages", ("code", "premium"))
        fees = self.list_spec(data["fees"], "fees", ("code", "amount")) if "fees" in data else None
        messages = (
            self.list_spec(data["messages"], "messages", ("text",)) if "messages" in data else None
        )
        if coverages is None:
            return None
        return AnswerSpec(at, codes, paths, coverages, fees, messages)


def _with(rule: Rule, **changes: Any) -> Rule:
    return Rule(**{**rule.__dict__, **changes})


def load_mapping(path: Path) -> CarrierMapping:
    """Read and check a mapping file; :class:`MappingError` lists every problem with its line.

    Carriers sharing a file share one mapping (read again when the file changes).
    """
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise MappingError([Problem(str(path), None, f"cannot read the mapping: {exc}")]) from exc
    return _load(path, stamp)


@functools.lru_cache(maxsize=64)
def _load(path: Path, stamp: int) -> CarrierMapping:
    source = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise MappingError([Problem(source, None, f"cannot read the mapping: {exc}")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise MappingError([Problem(source, line, f"not YAML: {exc}")]) from exc
    return check_mapping(data, source)


def check_mapping(data: Any, source: str) -> CarrierMapping:
    """A mapping from its YAML data, checked; :class:`MappingError` lists every problem."""
    check = _Checker(source)
    if not isinstance(data, Mapping):
        raise MappingError(
            [Problem(source, None, "a mapping is an object with request: and answer:")]
        )
    for name in sorted(set(data) - {"request", "answer", "format"}):
        check.problem(data, f"unknown key {name!r} (known: answer, format, request)", name)
    request = check.rules(data.get("request"), data, "request")
    answer = check.answer(data.get("answer"))
    if check.problems or answer is None:
        raise MappingError(check.problems or [Problem(source, None, "answer is missing")])
    return CarrierMapping(source, request, answer)


# --- building a request -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def _is_object(value: Any) -> bool:
    # Parsed JSON is made of dicts: the exact type check spares the ABC's slower one.
    return type(value) is dict or isinstance(value, Mapping)


def _get(data: Any, path: str) -> Any:
    for part in _parts(path):
        if type(data) is dict:  # parsed JSON: one look-up, a missing key and null alike None
            data = data.get(part)
            if data is None:
                return None
        elif isinstance(data, Mapping) and part in data:
            data = data[part]
        else:
            return None
    return data


def _put(target: dict[str, Any], path: str | None, value: Any) -> None:
    if path is None:
        if isinstance(value, Mapping):
            target.update(value)
        return
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    if isinstance(value, Mapping) and isinstance(target.get(last), dict):
        target[last].update(value)
    else:
        target[last] = value


def _apply(rules: Sequence[Rule], source: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    read = {r.path.split(".")[0] for r in rules if r.source == "from" and r.path}
    read |= {r.path.split(".")[0] for r in rules if r.source in ("each", "entries") and r.path}
    for rule in rules:
        if rule.source == "value":
            _put(out, rule.to, rule.value)
        elif rule.source == "from":
            assert rule.path is not None
            value = _get(source, rule.path)
            if value is None:
                value = rule.default
            if value is None:
                if rule.required:
                    raise RiskError(
                        [FieldProblem(f"{where}{rule.path}", "is needed by the carrier")]
                    )
                continue
            if rule.codes is not None:
                if value not in rule.codes:
                    allowed = ", ".join(str(k) for k in rule.codes)
                    problem = f"{value!r} has no code in the carrier's mapping"
                    raise RiskError([FieldProblem(f"{where}{rule.path}", problem, allowed)])
                value = rule.codes[value]
            _put(out, rule.to, value)
        elif rule.source == "rest":
            name = camel if rule.value == "camel" else str
            plain = {
                name(k): v
                for k, v in source.items()
                if k not in read and not isinstance(v, dict | list | Mapping)
            }
            _put(out, rule.to, plain)
        elif rule.source == "each":
            assert rule.path is not None
            items = _get(source, rule.path)
            if items is None:
                continue  # a list this risk does not have (no drivers on a home risk)
            if not isinstance(items, list):
                raise RiskError([FieldProblem(f"{where}{rule.path}", "is not a list")])
            made = [
                _apply(rule.fields, item, f"{where}{rule.path}[{i}].")
                for i, item in enumerate(items)
                if isinstance(item, Mapping)
            ]
            _put(out, rule.to, made)
        else:  # entries
            assert rule.path is not None
            entries = _get(source, rule.path)
            if entries is None:
                continue
            if not isinstance(entries, Mapping):
                raise RiskError([FieldProblem(f"{where}{rule.path}", "is not an object")])
            made = [
                {rule.key: code, **_apply(rule.fields, item, f"{where}{rule.path}.{code}.")}
                for code, item in entries.items()
                if isinstance(item, Mapping)
            ]
            _put(out, rule.to, made)
    return out


def build(mapping: CarrierMapping, risk: Mapping[str, Any]) -> dict[str, Any]:
    """The carrier's request for ``risk``; :class:`RiskError` when it holds a value the carrier has no code for."""
    return _apply(mapping.request, risk, "")


# --- reading an answer --------------------------------------------------------------------------


def parse(mapping: CarrierMapping, answer: Any) -> CarrierReply:
    """The carrier's answer (parsed JSON) read into a :class:`CarrierReply`, not yet checked.

    Raises :class:`AnswerError` when a place the mapping names holds something of the wrong kind.
    The mapping's reader was compiled when it loaded (see :mod:`rateshop.carriers.answer`).
    """
    return mapping.reader(answer)
