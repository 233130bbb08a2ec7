"""Generated code for the shape of a manual's risk: a fast validation path and flattening.

Validating a risk field by field through the general checker costs more than rating it. Since a
manual's inputs are fixed when it is loaded, this module writes, once per plan, a function that
accepts the common, plainly well-formed risk (JSON integers, text, booleans and ISO dates, all
within bounds) and returns the same exact values the general checker would. Anything else, and
every malformed risk, makes it return None: the caller then runs the general checker, which
reports every problem with its path. So the fast path decides nothing the general one does not.

The second function flattens the validated risk into one dict keyed by dotted paths, with the
keys known in advance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from rateshop.manual.inputs import DATE_TEXT, MAX_MAGNITUDE, NUMBER_FIELD, FieldSpec
from rateshop.manual.model import RISK, Coverage, Manual
from rateshop.manual.types import Bool, Date, List, Num, Record, Text
from rateshop.rating.emit import Source, literal

CheckFn = Callable[[Any], "dict[str, Any] | None"]
FlattenFn = Callable[[dict[str, Any]], dict[str, Any]]


def unchosen_record(cov: Coverage) -> dict[str, Any]:
    """The record of a coverage the risk does not choose.

    Unchosen coverages still carry option values so every unit has the same columns; no step
    reads them because the component is not rated.
    """
    record: dict[str, Any] = {"chosen": False}
    for oname, spec in cov.options.items():
        assert spec.choices is not None
        first = spec.default if spec.default is not None else spec.choices[0]
        record[oname] = int(first) if isinstance(spec.type, Num) else first
    return record


def _whole_numbers(choices: tuple[str, ...]) -> frozenset[int]:
    """The integers whose text is one of ``choices`` (``str(n) in choices`` exactly)."""
    out = set()
    for c in choices:
        try:
            n = int(c)
        except ValueError:
            continue
        if str(n) == c:
            out.add(n)
    return frozenset(out)


class _CheckWriter:
    def __init__(self, label: str) -> None:
        self.label = label

    def record(
        self, specs: Mapping[str, FieldSpec], coverages: dict[str, Coverage] | None, where: str
    ) -> CheckFn:
        """A function checking one record (the risk, or an item of the list ``where``)."""
        src = Source(f"{self.label} {where}")
        src.line("def check(data):")
        src.indent()
        names = self.fields(src, specs, "data", where)
        if coverages:
            names.append((literal("coverages"), self.coverages(src, coverages)))
        src.line(f"return {_display(names)}")
        return src.function("check")

    def fields(
        self, src: Source, specs: Mapping[str, FieldSpec], data: str, where: str
    ) -> list[tuple[str, str]]:
        """Emit the checks of a record held in ``data``; return its keys and value variables."""
        src.line(f"if type({data}) is not dict:")
        src.line("    return None")
        names = []
        for name, spec in specs.items():
            var = src.fresh("v")
            src.line(f"{var} = {data}.get({literal(name)})")
            self.field(src, spec, var, f"{where}.{name}")
            names.append((literal(name), var))
        return names

    def field(self, src: Source, spec: FieldSpec, var: str, where: str) -> None:
        src.line(f"if {var} is None:")
        src.indent()
        if spec.default is not None:
            src.line(f"{var} = {src.bind(spec.default, 'default')}")
        elif isinstance(spec.type, List) and not spec.required:
            src.line(f"{var} = []")
        elif spec.required:
            src.line("return None")
        else:
            src.line("pass")
        src.dedent()
        src.line("else:")
        src.indent()
        self.present(src, spec, var, where)
        src.dedent()

    def present(self, src: Source, spec: FieldSpec, var: str, where: str) -> None:
        t = spec.type
        fail = "return None"
        if spec.choices is not None:
            if isinstance(t, Num):
                allowed = src.bind(_whole_numbers(spec.choices), "choices")
                src.line(f"if type({var}) is not int or {var} not in {allowed}:")
                src.line(f"    {fail}")
            elif isinstance(t, Text):
                values = set(spec.choices)
                if t.values is not None:
                    values &= set(t.values)
                allowed = src.bind(frozenset(values), "choices")
                src.line(f"if type({var}) is not str or {var} not in {allowed}:")
                src.line(f"    {fail}")
                return
            else:
                src.line(fail)
                return
        if isinstance(t, List):
            item = src.bind(self.record(spec.fields, None, f"{where}[]"), "item")
            size = f"{literal(spec.min_items)} <= len({var})"
            if spec.max_items is not None:
                size += f" <= {literal(spec.max_items)}"
            src.line(f"if type({var}) is not list or not ({size}):")
            src.line(f"    {fail}")
            items, number, element, checked = (src.fresh(p) for p in "inec")
            src.line(f"{items} = []")
            src.line(f"{number} = 0")
            src.line(f"for {element} in {var}:")
            src.indent()
            src.line(f"{checked} = {item}({element})")
            src.line(f"if {checked} is None:")
            src.line(f"    {fail}")
            src.line(f"{number} += 1")
            src.line(f"{checked}[{literal(NUMBER_FIELD)}] = {number}")
            src.line(f"{items}.append({checked})")
            src.dedent()
            src.line(f"{var} = {items}")
        elif isinstance(t, Record):
            src.line(f"{var} = {_display(self.fields(src, spec.fields, var, where))}")
        elif isinstance(t, Bool):
            src.line(f"if type({var}) is not bool:")
            src.line(f"    {fail}")
        elif isinstance(t, Date):
            src.line(f"if type({var}) is str and {src.bind(DATE_TEXT.fullmatch, 'iso')}({var}):")
            src.indent()
            src.line("try:")
            src.line(f"    {var} = {src.bind(dt.date.fromisoformat, 'date')}({var})")
            src.line(f"except {src.bind(ValueError, 'ValueError')}:")
            src.line(f"    {fail}")
            src.dedent()
            src.line(f"elif type({var}) is not {src.bind(dt.date, 'Date')}:")
            src.line(f"    {fail}")
        elif isinstance(t, Text):
            src.line(f"if type({var}) is not str:")
            src.line(f"    {fail}")
            if t.values is not None:
                src.line(f"if {var} not in {src.bind(frozenset(t.values), 'values')}:")
                src.line(f"    {fail}")
        else:
            assert isinstance(t, Num)
            if spec.choices is None:
                src.line(f"if type({var}) is not int:")
                src.line(f"    {fail}")
            if t.scale:
                src.line(f"{var} = {var} * {literal(10**t.scale)}")
            lo = -MAX_MAGNITUDE if spec.minimum is None else max(spec.minimum, -MAX_MAGNITUDE)
            hi = MAX_MAGNITUDE if spec.maximum is None else min(spec.maximum, MAX_MAGNITUDE)
            src.line(f"if not {literal(lo)} <= {var} <= {literal(hi)}:")
            src.line(f"    {fail}")

    def coverages(self, src: Source, coverages: dict[str, Coverage]) -> str:
        chosen = src.fresh("cov")
        src.line(f"{chosen} = data.get('coverages')")
        src.line(f"if {chosen} is None:")
        src.line(f"    {chosen} = {{}}")
        offered = src.bind(frozenset(coverages), "offered")
        src.line(f"if type({chosen}) is not dict or not {offered}.issuperset({chosen}):")
        src.line("    return None")
        records = []
        for cid, cov in coverages.items():
            raw, record = src.fresh("r"), src.fresh("rec")
            src.line(f"{raw} = {chosen}.get({literal(cid)})")
            src.line(f"if {raw} is None or {raw} is False:")
            src.indent()
            if cov.required:
                src.line("return None")
            else:
                src.line(f"{record} = {src.bind(unchosen_record(cov), 'unchosen')}.copy()")
            src.dedent()
            src.line("else:")
            src.indent()
            src.line(f"if {raw} is True:")
            src.line(f"    {raw} = {{}}")
            options = self.fields(src, cov.options, raw, f"coverages.{cid}")
            src.line(f"{record} = {_display([*options, (literal('chosen'), 'True')])}")
            src.dedent()
            records.append(f"{literal(cid)}: {record}")
        return "{" + ", ".join(records) + "}"


def _display(items: list[tuple[str, str]]) -> str:
    """A dict display from (key code, value code) pairs."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"


def check_function(manual: Manual) -> CheckFn:
    """The fast validation path of ``manual``: its validated risk, or None (use the full check)."""
    label = f"risk check {manual.identity.key} #{manual.content_hash[:8]}"
    return _CheckWriter(label).record(manual.inputs, manual.coverages, "risk")


def _paths(
    specs: Mapping[str, FieldSpec], prefix: str, access: str, out: list[tuple[str, str]]
) -> bool:
    """Add each scalar's flat key and access code; False if a record may be missing."""
    for name, spec in specs.items():
        if isinstance(spec.type, List):
            continue
        here = f"{access}[{literal(name)}]"
        if isinstance(spec.type, Record):
            if not spec.required or not _paths(spec.fields, f"{prefix}{name}.", here, out):
                return False
        else:
            out.append((prefix + name, here))
    return True


def flatten_function(manual: Manual) -> FlattenFn | None:
    """A function flattening the validated, derived risk; None when its keys are not fixed."""
    paths: list[tuple[str, str]] = []
    if not _paths(manual.inputs, "", "top", paths):
        return None
    for cid, cov in manual.coverages.items():
        record = f"top['coverages'][{literal(cid)}]"
        for oname in ("chosen", *cov.options):
            paths.append((f"coverages.{cid}.{oname}", f"{record}[{literal(oname)}]"))
    for d in manual.derived:
        if d.record == RISK:
            if isinstance(d.expr.type, List | Record):
                return None
            paths.append((d.field, f"top[{literal(d.field)}]"))
    if len({key for key, _ in paths}) != len(paths):
        return None
    src = Source(f"flatten {manual.identity.key} #{manual.content_hash[:8]}")
    src.line("def flatten(top):")
    src.line("    return {" + ", ".join(f"{literal(k)}: {a}" for k, a in paths) + "}")
    fn: FlattenFn = src.function("flatten")
    return fn
