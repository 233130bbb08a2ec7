"""Load a rate manual from its files, checking everything that can be checked before a quote.

A manual is a folder holding ``manual.yaml`` (identity, inputs, coverages, derived variables,
eligibility, tables, the rating algorithm, fees), CSV tables, and ``tests.yaml`` (stored cases).
Every mistake found is reported with its file, its line (or table row) and the reason; loading
goes on after a mistake where it can, so one run lists them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rateshop.errors import FieldProblem, ManualError, Problem
from rateshop.manual.cost import budget_problems
from rateshop.manual.expr import Const, Expr, ExprError, Lookup, Scope, lookup_node, parse, walk
from rateshop.manual.inputs import NUMBER_FIELD, FieldSpec, validate
from rateshop.manual.limits import MAX_MANIFEST_BYTES, MAX_TABLE_BYTES, MAX_TESTS_BYTES
from rateshop.manual.model import (
    LEAP_BIRTHDAYS,
    RISK,
    Assignment,
    Component,
    Coverage,
    Derived,
    Detail,
    DiscountGroup,
    DiscountItem,
    Fee,
    Identity,
    Manual,
    Rule,
    Step,
    StepKind,
    TestCase,
    Unit,
)
from rateshop.manual.numbers import read_scaled
from rateshop.manual.source import (
    CsvRow,
    Node,
    Seq,
    SourceError,
    load_yaml,
    parse_yaml,
    read_csv,
    read_text,
)
from rateshop.manual.tables import KeySpec, Table, build_table
from rateshop.manual.types import BOOL, DATE, INT, TEXT, Bool, List, Num, Record, Text, Type
from rateshop.money import HALF_UP_CENT, Rounding, rounding_from

MANIFEST = "manual.yaml"
SLUG = r"[a-z0-9][a-z0-9-]*"
STATE_CODE = r"[A-Za-z]{2}"
OUTSIDE = "outside the carrier's folder (the manual's own folder, or a sibling such as ../common)"
TESTS = "tests.yaml"
SECTIONS = {
    "manual", "inputs", "coverages", "derived", "eligibility", "tables", "components",
    "rating", "policy", "details",
}  # fmt: skip
STEP_OPS = ("start", "multiply", "add", "minimum", "maximum", "discount")
INPUT_KEYS = {
    "type",
    "values",
    "fields",
    "item",
    "min",
    "max",
    "required",
    "default",
    "decimals",
    "label",
    "note",
}
BEYOND_STEPS = ("pro_rata", "whole", "part")
STEP_KEYS = {*STEP_OPS, "id", "label", "when", "only", "except", "column", "round", "note"}


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Loader:
    def __init__(self, root: Path, with_tests: bool = True, file: str | None = None) -> None:
        self.root = root
        self.with_tests = with_tests
        self.file = display_path(root / MANIFEST) if file is None else file
        self.problems: list[Problem] = []
        self.tables: dict[str, Table] = {}
        self.table_bindings: dict[str, dict[str, tuple[str, int]]] = {}
        self.hashed: list[Path] = [root / MANIFEST]
        # record name -> field -> Type, or ("list", item) / ("record", name) for nested shapes
        self.shapes: dict[str, dict[str, Type | tuple[str, str]]] = {RISK: {}}
        self.items: dict[str, tuple[str, str]] = {}  # item -> (parent record, list field)
        self.component_when: dict[str, Any] = {}
        self.failed_tables: set[str] = set()
        self.component_ids: list[str] = []
        self.binding: list[str] = []  # tables whose key bindings are being read, innermost last
        self.coverage_per_lines: dict[str, int] = {}  # coverage -> line of its 'per:'
        # table -> what its 'components:' says (``all`` or a list of ids), and its line
        self.table_components: dict[str, tuple[Any, int]] = {}

    def within_carrier(self, path: Path) -> bool:
        """Whether ``path`` lies in the folder holding this manual's folder (its carrier's).

        Manuals share tables through ``../common``; nothing may reach further, so a manual (an
        uploaded one too) cannot read files elsewhere on the server.
        """
        try:
            return path.resolve().is_relative_to(self.root.resolve().parent)
        except (OSError, ValueError):  # an impossible path (a NUL byte, a loop of links)
            return False

    # ------------------------------------------------------------------ reporting
    def bad(self, line: int | None, reason: str, file: str | None = None) -> None:
        self.problems.append(Problem(file or self.file, line, reason))

    def expr(
        self,
        text: Any,
        scope: Scope,
        line: int,
        what: str,
        want: type | None = None,
        item: str | None = None,
    ) -> Expr | None:
        """Parse an expression from the manifest, reporting problems at ``line``."""
        if isinstance(text, bool):
            return Const(BOOL, text)
        if isinstance(text, int | Decimal):
            try:
                scaled, scale = read_scaled(str(text))
            except ValueError as exc:
                self.bad(line, f"{what}: {exc}")
                return None
            result: Expr = Const(Num(scale), scaled)
        else:
            if not isinstance(text, str):
                self.bad(line, f"{what}: {_not_an_expression(text)}")
                return None
            try:
                result = parse(text, scope, item)
            except ExprError as exc:
                self.bad(line, f"{what}: {exc}")
                return None
        if want is not None and not isinstance(result.type, want):
            kind = {Num: "a number", Bool: "a condition (true/false)"}.get(want, want.__name__)
            self.bad(line, f"{what}: must be {kind}, but {text!r} is {result.type}")
            return None
        return result

    def only_keys(self, node: Node, allowed: set[str], what: str) -> None:
        """Report keys a part of the manual does not know (a typo would otherwise be ignored)."""
        for key in node:
            if key not in allowed:
                self.bad(
                    node.line_of(key),
                    f"{what}: unknown key {key!r}; keys: {', '.join(sorted(allowed))}",
                )

    # ------------------------------------------------------------------ shapes
    def record_type(self, name: str) -> Record:
        fields: dict[str, Type] = {}
        for fname, shape in self.shapes[name].items():
            if isinstance(shape, tuple):
                kind, target = shape
                rec = self.record_type(target)
                fields[fname] = List(rec) if kind == "list" else rec
            else:
                fields[fname] = shape
        return Record(name, fields)

    def chain(self, item: str) -> list[str]:
        """The items enclosing ``item``, outermost first, ``item`` last."""
        out = [item]
        while out[0] in self.items and self.items[out[0]][0] != RISK:
            out.insert(0, self.items[out[0]][0])
        return out

    def scope(self, *extra: str, **more: Type) -> Scope:
        roots: dict[str, Type] = dict(self.record_type(RISK).fields)
        for item in extra:
            for name in self.chain(item):
                roots[name] = self.record_type(name)
        roots.update(more)
        return Scope(roots, self.tables, self.bind)

    def bind(self, table: str, key: str, scope: Scope) -> Expr:
        binding = self.table_bindings.get(table, {}).get(key)
        if binding is None:
            raise ExprError(f"table {table}: key {key!r} has no binding; pass it as {key}=...")
        text, line = binding
        if table in self.binding:
            raise ExprError(f"table {table}: the binding of key {key!r} looks the table up itself")
        self.binding.append(table)
        try:
            return parse(text, scope)
        except ExprError as exc:
            raise ExprError(f"table {table} key {key!r} (line {line}): {exc}") from exc
        finally:
            self.binding.pop()

    # ------------------------------------------------------------------ load
    def load(self) -> Manual:
        try:
            doc = load_yaml(self.root / MANIFEST, self.file, MAX_MANIFEST_BYTES)
        except SourceError as exc:
            raise ManualError([exc.problem]) from exc
        if not isinstance(doc, Node):
            raise ManualError([Problem(self.file, 1, "the manifest must be a mapping of sections")])
        for key in doc:
            if key not in SECTIONS:
                self.bad(doc.line_of(key), f"unknown section {key!r}; sections: {sorted(SECTIONS)}")
        identity = self.identity(doc)
        inputs = self.inputs(doc.get("inputs"), doc.line_of("inputs"))
        coverages = self.coverages(doc.get("coverages"), doc.line_of("coverages"), inputs)
        self.load_tables(doc.get("tables"), doc.line_of("tables"))
        derived = self.derived(doc.get("derived"), doc.line_of("derived"))
        rules = self.eligibility(doc.get("eligibility"), doc.line_of("eligibility"))
        rating = doc.get("rating")
        if not isinstance(rating, Node):
            self.bad(doc.line_of("rating"), "a 'rating' section with steps is required")
            rating = Node()
            rating.file, rating.line, rating.key_lines = self.file, doc.line, {}
        unit = self.unit(rating)
        self.check_per_unit_coverages(coverages, unit)
        components = self.components(doc.get("components"), doc.line_of("components"), coverages)
        round_each = self.rounding(rating.get("round_each"), rating.line_of("round_each"))
        steps_raw = rating.get("steps")
        built = self.build_components(components, steps_raw, rating, unit, round_each, coverages)
        policy = doc.get("policy") or {}
        policy_line = doc.line_of("policy")
        policy_steps: list[Step] = []
        fees: list[Fee] = []
        if policy and not isinstance(policy, Node):
            self.bad(policy_line, "policy must be a mapping with steps and/or fees")
        elif isinstance(policy, Node):
            for key in policy:
                if key not in ("steps", "fees"):
                    self.bad(policy.line_of(key), f"unknown key {key!r} in policy; use steps, fees")
            policy_scope = self.scope()
            if "steps" in policy:
                policy_steps = self.steps(
                    policy["steps"], policy_scope, None, None, round_each, "policy"
                )
            fees = self.fees(policy.get("fees"), policy.line_of("fees"))
        details = self.details(doc.get("details"), doc.line_of("details"))
        manual = Manual(
            identity=identity,
            root=self.root,
            file=self.file,
            content_hash=content_hash(self.root, self.hashed),
            inputs=inputs,
            coverages=coverages,
            derived=derived,
            eligibility=rules,
            tables=self.tables,
            unit=unit,
            components=built,
            policy_steps=policy_steps,
            fees=fees,
            details=details,
        )
        manual.items = dict(self.items)
        if self.with_tests:
            self.load_tests(manual)
        if not self.problems:
            self.problems.extend(budget_problems(manual))
        if self.problems:
            raise ManualError(_dedupe(self.problems))
        return manual

    def identity(self, doc: Node) -> Identity:
        raw = doc.get("manual")
        if not isinstance(raw, Node):
            self.bad(
                doc.line_of("manual"),
                "a 'manual' section (carrier, line, state, effective) is required",
            )
            raw = Node()
            raw.file, raw.line, raw.key_lines = self.file, 1, {}

        def text(key: str, required: bool = True, default: str = "") -> str:
            value = raw.get(key)
            if value is None:
                if required:
                    self.bad(raw.line_of(key), f"manual.{key} is required")
                return default
            return str(value)

        def date(key: str, required: bool) -> dt.date | None:
            value = raw.get(key)
            if value is None:
                if required:
                    self.bad(raw.line_of(key), f"manual.{key} is required (YYYY-MM-DD)")
                return None
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.bad(raw.line_of(key), f"manual.{key}: {value!r} is not a date (YYYY-MM-DD)")
                return None

        if "sample" in raw and not isinstance(raw["sample"], bool):
            self.bad(raw.line_of("sample"), "manual.sample must be true or false")
        term = raw.get("term_months", 12)
        if not isinstance(term, int) or isinstance(term, bool) or not 1 <= term <= 120:
            self.bad(
                raw.line_of("term_months"), "manual.term_months must be a whole number of months"
            )
            term = 12
        effective = date("effective", True) or dt.date(1900, 1, 1)
        expires = date("expires", False)
        if expires is not None and expires <= effective:
            self.bad(raw.line_of("expires"), "manual.expires must be after manual.effective")
        # ``ends`` is the last day in force, as plan-year filings state it (2026-12-31);
        # ``expires`` the first day no longer in force. One date is kept: the first day out.
        ends = date("ends", False)
        if ends is not None:
            if expires is not None:
                self.bad(
                    raw.line_of("ends"),
                    "give manual.ends (last day in force) or manual.expires (first day out), "
                    "not both",
                )
            elif ends < effective:
                self.bad(raw.line_of("ends"), "manual.ends must be on or after manual.effective")
            else:
                expires = ends + dt.timedelta(days=1)
        known = {"carrier", "carrier_name", "line", "state", "effective", "expires", "ends",
                 "version", "title", "term_months", "sample", "source", "currency",
                 "leap_birthday"}  # fmt: skip
        for key in raw:
            if key not in known:
                self.bad(raw.line_of(key), f"unknown key manual.{key}; keys: {sorted(known)}")
        leap = str(raw.get("leap_birthday", LEAP_BIRTHDAYS[0]))
        if leap not in LEAP_BIRTHDAYS:
            self.bad(
                raw.line_of("leap_birthday"),
                f"manual.leap_birthday must be one of {', '.join(LEAP_BIRTHDAYS)} (the day someone "
                "born on 29 February has their birthday in other years)",
            )
            leap = LEAP_BIRTHDAYS[0]
        carrier = text("carrier")
        # Carrier, line and state name folders and URLs: plain lower-case words and a state code.
        for key, pattern, allowed in (
            ("carrier", SLUG, "lower-case letters, digits and '-'"),
            ("line", SLUG, "lower-case letters, digits and '-'"),
            ("state", STATE_CODE, "a two-letter state code"),
        ):
            if key in raw and not re.fullmatch(pattern, str(raw[key])):
                self.bad(raw.line_of(key), f"manual.{key} {str(raw[key])!r} must be {allowed}")
        return Identity(
            carrier=carrier,
            carrier_name=text("carrier_name", False, carrier),
            line=text("line"),
            state=text("state").upper(),
            effective=effective,
            expires=expires,
            version=text("version", False, effective.isoformat()),
            title=text("title", False),
            term_months=term,
            sample=raw.get("sample", False) is True,
            source=text("source", False),
            leap_birthday=leap,
        )

    # ------------------------------------------------------------------ inputs
    def inputs(self, raw: Any, line: int) -> dict[str, FieldSpec]:
        if raw is None:
            return {}
        if not isinstance(raw, Node):
            self.bad(line, "inputs must be a mapping of field name to type")
            return {}
        return self.fields(raw, RISK)

    def fields(self, raw: Node, record: str) -> dict[str, FieldSpec]:
        out: dict[str, FieldSpec] = {}
        for name, value in raw.items():
            fline = raw.line_of(name)
            if name == NUMBER_FIELD:
                self.bad(fline, f"'{NUMBER_FIELD}' is reserved: every list item has it (1, 2, ...)")
                continue
            spec = self.field(name, value, fline, record)
            if spec is not None:
                out[name] = spec
        return out

    def field(self, name: str, raw: Any, line: int, record: str) -> FieldSpec | None:
        shorthand: dict[str, Type] = {"date": DATE, "int": INT, "integer": INT, "bool": BOOL, "text": TEXT,
                     "money": Num(2), "decimal": Num(2)}  # fmt: skip
        if isinstance(raw, str):
            if raw not in shorthand:
                self.bad(line, f"input {name}: unknown type {raw!r}; types: {sorted(shorthand)}, "
                         "category (values: [...]), record, list")  # fmt: skip
                return None
            self.shapes[record][name] = shorthand[raw]
            return FieldSpec(name, shorthand[raw], line)
        if isinstance(raw, Seq):
            return self.category(name, raw, line, record, FieldSpec(name, Text(), line))
        if not isinstance(raw, Node):
            self.bad(line, f"input {name}: give a type name, a list of values or a mapping")
            return None
        self.only_keys(raw, INPUT_KEYS, f"input {name}")
        kind = raw.get("type")
        if kind is None:
            kind = "category" if "values" in raw else "record" if "fields" in raw else None
        spec: FieldSpec
        if kind == "list":
            item = raw.get("item")
            if not isinstance(item, str) or not item.isidentifier():
                self.bad(raw.line_of("item"), f"input {name}: a list needs 'item: <singular name>'")
                return None
            if item in self.shapes or item == RISK:
                self.bad(raw.line_of("item"), f"input {name}: item name {item!r} is already used")
                return None
            self.shapes[item] = {NUMBER_FIELD: INT}
            self.items[item] = (record, name)
            sub = raw.get("fields")
            if not isinstance(sub, Node):
                self.bad(raw.line_of("fields"), f"input {name}: a list needs 'fields'")
                return None
            spec = FieldSpec(name, List(Record(item)), line, fields=self.fields(sub, item))
            spec.required = bool(raw.get("required", True))
            self.shapes[record][name] = ("list", item)
            least, most = raw.get("min", 0), raw.get("max")
            if not _whole(least):
                self.bad(raw.line_of("min"), f"input {name}: min must be a whole number of items")
                least = 0
            if most is None:
                self.bad(
                    line,
                    f"input {name}: a list needs 'max: N', the most items a risk may give "
                    "(e.g. max: 20); it bounds the work one risk can cost",
                )
            elif not _whole(most) or most < max(1, least):
                self.bad(
                    raw.line_of("max"),
                    f"input {name}: max must be a whole number of items, at least 1 and min",
                )
            else:
                spec.max_items = most
            spec.min_items = least
            return spec
        if kind == "record":
            sub = raw.get("fields")
            rec_name = name if record == RISK else f"{record}.{name}"
            self.shapes[rec_name] = {}
            if not isinstance(sub, Node):
                self.bad(line, f"input {name}: a record needs 'fields'")
                return None
            spec = FieldSpec(name, Record(rec_name), line, fields=self.fields(sub, rec_name))
            if raw.get("required", True) is not True:
                self.bad(
                    raw.line_of("required"),
                    f"input {name}: a record cannot be optional; give its fields defaults instead",
                )
            self.shapes[record][name] = ("record", rec_name)
            return spec
        t: Type
        if kind == "category" or (kind in ("int", "integer") and "values" in raw):
            values = raw.get("values")
            if not isinstance(values, Seq) or not values:
                self.bad(raw.line_of("values"), f"input {name}: a category needs a list of values")
                return None
            t = self.category(name, values, line, record, FieldSpec(name, Text(), line)).type
        elif kind == "decimal":
            decimals = raw.get("decimals", 2)
            if not isinstance(decimals, int) or not 0 <= decimals <= 9:
                self.bad(raw.line_of("decimals"), f"input {name}: decimals must be 0-9")
                decimals = 2
            t = Num(decimals)
        elif isinstance(kind, str) and kind in shorthand:
            t = shorthand[kind]
        else:
            self.bad(raw.line_of("type"), f"input {name}: unknown type {kind!r}")
            return None
        spec = FieldSpec(name, t, line, required=bool(raw.get("required", True)))
        if "values" in raw and isinstance(t, Num):
            values = raw["values"]
            if isinstance(values, Seq) and values:
                spec.choices = tuple(str(v) for v in values)
            else:
                self.bad(raw.line_of("values"), f"input {name}: values must be a list of values")
        for bound in ("min", "max"):
            if bound in raw:
                if not isinstance(t, Num):
                    self.bad(raw.line_of(bound), f"input {name}: {bound} only applies to numbers")
                    continue
                try:
                    v, s = read_scaled(str(raw[bound]))
                except ValueError:
                    self.bad(raw.line_of(bound), f"input {name}: {bound} must be a number")
                    continue
                if s > t.scale:
                    self.bad(raw.line_of(bound), f"input {name}: {bound} has too many decimals")
                    continue
                setattr(spec, "minimum" if bound == "min" else "maximum", v * 10 ** (t.scale - s))
        if "default" in raw:
            problems: list[FieldProblem] = []
            probe = dict(spec.__dict__)
            probe_spec = FieldSpec(**probe)
            spec.default = validate({name: probe_spec}, {name: raw["default"]}, "", problems)[name]
            for p in problems:
                self.bad(raw.line_of("default"), f"input {name}: default {p.problem}")
            spec.required = False
        elif not spec.required:
            self.bad(
                line,
                f"input {name}: an optional input needs a default (what to rate when it is not given)",
            )
        self.shapes[record][name] = t
        return spec

    def category(
        self, name: str, values: Seq, line: int, record: str, spec: FieldSpec
    ) -> FieldSpec:
        """A closed list of values: whole numbers stay numbers (``[0, 1, 2, 5]``), else text."""
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            spec.type = INT
            spec.choices = tuple(str(v) for v in values)
        else:
            spec.type = Text(tuple(str(v) for v in values))
        self.shapes[record][name] = spec.type
        return spec

    def coverages(self, raw: Any, line: int, inputs: dict[str, FieldSpec]) -> dict[str, Coverage]:
        out: dict[str, Coverage] = {}
        if raw is None:
            return out
        if not isinstance(raw, Node):
            self.bad(line, "coverages must be a mapping of coverage id to its options")
            return out
        if "coverages" in inputs:
            self.bad(line, "'coverages' is declared both as an input and as a section")
            return out
        self.shapes["coverages"] = {}
        for cid, spec in raw.items():
            cline = raw.line_of(cid)
            if not str(cid).isidentifier():
                self.bad(cline, f"coverage id {cid!r} must be a name (letters, digits, _)")
                continue
            if isinstance(spec, Node):
                self.only_keys(
                    spec, {"label", "required", "options", "per", "note"}, f"coverage {cid}"
                )
            else:
                spec = Node()
            options: dict[str, FieldSpec] = {}
            rec = f"coverages.{cid}"
            self.shapes[rec] = {"chosen": BOOL}
            opts = spec.get("options") or Node()
            if not isinstance(opts, Node):
                self.bad(cline, f"coverage {cid}: options must map each option to its values")
                opts = Node()
            for oname, values in opts.items():
                oline = opts.line_of(oname) if isinstance(opts, Node) else cline
                if isinstance(values, Node):
                    self.only_keys(values, {"values", "default"}, f"coverage {cid} option {oname}")
                    default = values.get("default")
                    values = values.get("values")
                else:
                    default = None
                if not isinstance(values, Seq) or not values:
                    self.bad(oline, f"coverage {cid} option {oname}: give a list of values")
                    continue
                ot: Type
                if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                    ot = INT
                else:
                    ot = Text(tuple(str(v) for v in values))
                allowed = tuple(str(v) for v in values)
                fs = FieldSpec(oname, ot, oline, choices=allowed)
                if default is not None:
                    if str(default) not in allowed:
                        self.bad(
                            oline,
                            f"coverage {cid} option {oname}: default {default!r} is not offered",
                        )
                    elif isinstance(ot, Text):
                        fs.default = str(default)
                    else:
                        fs.default = int(default)
                    fs.required = False
                options[oname] = fs
                self.shapes[rec][oname] = ot
            out[cid] = Coverage(
                cid, str(spec.get("label", cid)), bool(spec.get("required", False)), options, cline
            )
            if spec.get("per") is not None:
                out[cid].per = str(spec["per"])
                self.coverage_per_lines[cid] = spec.line_of("per")
            self.shapes["coverages"][cid] = ("record", rec)
        self.shapes[RISK]["coverages"] = ("record", "coverages")
        return out

    # ------------------------------------------------------------------ tables
    def load_tables(self, raw: Any, line: int) -> None:
        if raw is None:
            return
        if not isinstance(raw, Node):
            self.bad(line, "tables must be a mapping of table name to its definition")
            return
        for name, spec in raw.items():
            tline = raw.line_of(name)
            if not str(name).isidentifier():
                self.bad(tline, f"table name {name!r} must be a name (letters, digits, _)")
                continue
            if not isinstance(spec, Node):
                self.bad(tline, f"table {name}: give file (or rows) and keys")
                continue
            self.load_table(str(name), spec)

    def load_table(self, name: str, spec: Node) -> None:
        self.failed_tables.add(name)  # until it loads
        known = {"file", "rows", "keys", "round", "beyond", "default", "sparse", "note", "label",
                 "components", "not_offered"}  # fmt: skip
        for key in spec:
            if key not in known:
                self.bad(
                    spec.line_of(key), f"table {name}: unknown key {key!r}; keys: {sorted(known)}"
                )
        keys_raw = spec.get("keys")
        if not isinstance(keys_raw, Node):
            self.bad(
                spec.line_of("keys"), f"table {name}: 'keys' must map each key column to a variable"
            )
            return
        keys: list[KeySpec] = []
        bindings: dict[str, tuple[str, int]] = {}
        for kname, kspec in keys_raw.items():
            kline = keys_raw.line_of(kname)
            match, binding, label = "exact", kspec, None
            if isinstance(kspec, Node):
                modes = [m for m in ("exact", "band", "interpolate") if m in kspec]
                extra = set(kspec) - {"exact", "band", "interpolate", "label"}
                if len(modes) != 1 or extra:
                    self.bad(
                        kline, f"table {name} key {kname}: say one of exact/band/interpolate"
                        ", and optionally label"
                    )  # fmt: skip
                    continue
                match, binding = modes[0], kspec[modes[0]]
                label = None if kspec.get("label") is None else str(kspec["label"])
            if binding is not None and not isinstance(binding, str | int | Decimal):
                self.bad(kline, f"table {name} key {kname}: {_not_an_expression(binding)}")
                continue
            if binding is not None:
                bindings[kname] = (str(binding), kline)
            keys.append(
                KeySpec(kname, match, None if binding is None else str(binding), kline, label)
            )
        file = spec.get("file")
        header: list[str]
        rows: list[CsvRow]
        if file is not None:
            path = self.root / str(file)
            if not self.within_carrier(path):
                self.bad(spec.line_of("file"), f"table {name}: file {file} is {OUTSIDE}")
                return
            shown = display_path(path)
            self.hashed.append(path)
            try:
                header, rows = read_csv(path, shown, MAX_TABLE_BYTES)
            except SourceError as exc:
                self.problems.append(exc.problem)
                return
        elif isinstance(spec.get("rows"), Seq):
            shown = self.file
            header, rows = [], []
            for item, iline in zip(spec["rows"], spec["rows"].item_lines, strict=True):
                if not isinstance(item, Node):
                    self.bad(iline, f"table {name}: each row must be a mapping of column to value")
                    return
                for col in item:
                    if col not in header:
                        header.append(col)
                rows.append(CsvRow(iline, {k: str(v) for k, v in item.items()}))
            for row in rows:
                missing = [h for h in header if h not in row.cells]
                if missing:
                    self.bad(row.line, f"table {name}: row lacks {', '.join(missing)}")
                    return
        else:
            self.bad(spec.line, f"table {name}: give 'file: tables/x.csv' or inline 'rows'")
            return
        decimals: int | None = None
        if "round" in spec:
            try:
                decimals = rounding_from(spec["round"]).decimals
            except ValueError as exc:
                self.bad(spec.line_of("round"), f"table {name}: {exc}")
        beyond = None
        if "beyond" in spec:
            beyond = self.beyond(name, spec["beyond"], spec.line_of("beyond"))
        default = spec.get("default")
        table, problems = build_table(
            name, shown, spec.line, keys, header, rows, manifest=self.file,
            decimals=decimals, beyond=beyond,
            default=None if default is None else str(default),
            sparse=bool(spec.get("sparse", False)),
            not_offered_reason=None if spec.get("not_offered") is None else str(spec["not_offered"]),
        )  # fmt: skip
        if decimals is not None and table is not None and table.interp is None:
            self.bad(
                spec.line_of("round"), f"table {name}: 'round' only applies to interpolated tables"
            )
        self.problems.extend(problems)
        if "components" in spec:
            self.table_components[name] = (spec["components"], spec.line_of("components"))
        if table is not None:
            self.failed_tables.discard(name)
            self.tables[name] = table
            self.table_bindings[name] = bindings

    def beyond(self, name: str, b: Any, line: int) -> tuple[str, str, str, str] | None:
        """A table's rule past its last row: every, add or factor, and how steps count."""
        kinds = [k for k in ("add", "factor") if isinstance(b, Node) and k in b]
        if not isinstance(b, Node) or "every" not in b or len(kinds) != 1:
            self.bad(line, f"table {name}: beyond needs 'every' and one of 'add' or 'factor'")
            return None
        self.only_keys(b, {"every", "add", "factor", "steps", "note"}, f"table {name} beyond")
        kind = kinds[0]
        # 'add' counted pro rata unless told: what a bare beyond always meant
        steps = b.get("steps", "pro_rata" if kind == "add" else None)
        if steps not in BEYOND_STEPS:
            said = "needs" if steps is None else f"cannot say {steps!r}; it needs"
            self.bad(
                b.line_of("steps") if "steps" in b else line,
                f"table {name}: beyond {said} 'steps:' {', '.join(BEYOND_STEPS)} (pro rata, "
                "whole steps only, or a step begun counts whole)",
            )
            return None
        return str(b["every"]), str(b[kind]), kind, str(steps)

    # ------------------------------------------------------------------ derived & rules
    def derived(self, raw: Any, line: int) -> list[Derived]:
        out: list[Derived] = []
        if raw is None:
            return out
        if not isinstance(raw, Node):
            self.bad(line, "derived must be a mapping of name to expression")
            return out
        for target, text in raw.items():
            dline = raw.line_of(target)
            record, _, fname = str(target).rpartition(".")
            record = record or RISK
            if record != RISK and record not in self.items:
                items = ", ".join(sorted(self.items)) or "none"
                self.bad(dline, f"derived {target}: {record!r} is not a list item; items: {items}")
                continue
            if not fname.isidentifier():
                self.bad(dline, f"derived {target}: {fname!r} is not a valid name")
                continue
            if fname in self.shapes[record]:
                self.bad(dline, f"derived {target}: {fname!r} already exists")
                continue
            scope = self.scope() if record == RISK else self.scope(record)
            expr = self.expr(
                text, scope, dline, f"derived {target}", item=None if record == RISK else record
            )
            if expr is None:
                continue
            if isinstance(expr.type, List | Record):
                self.bad(dline, f"derived {target}: must be a single value, not {expr.type}")
                continue
            self.shapes[record][fname] = expr.type
            out.append(Derived(record, fname, expr, str(text), dline))
        return out

    def eligibility(self, raw: Any, line: int) -> list[Rule]:
        out: list[Rule] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "eligibility must be a list of {decline: reason, when: condition}")
            return out
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "decline" not in item or "when" not in item:
                self.bad(iline, "each eligibility rule needs 'decline' (the reason) and 'when'")
                continue
            expr = self.expr(item["when"], self.scope(), item.line_of("when"), "eligibility", Bool)
            if expr is not None:
                out.append(Rule(str(item["decline"]), expr, str(item["when"]), iline))
        return out

    # ------------------------------------------------------------------ rating
    def unit(self, rating: Node) -> Unit | None:
        self.only_keys(rating, {"per", "assign", "round_each", "steps"}, "rating")
        per = rating.get("per")
        if per is None:
            if "assign" in rating:
                self.bad(
                    rating.line_of("assign"), "assign needs 'per' (the list rated item by item)"
                )
            return None
        shape = self.shapes[RISK].get(str(per))
        if not (isinstance(shape, tuple) and shape[0] == "list"):
            lists = [
                k for k, v in self.shapes[RISK].items() if isinstance(v, tuple) and v[0] == "list"
            ]
            self.bad(
                rating.line_of("per"), f"rating.per: {per!r} is not a list input; lists: {lists}"
            )
            return None
        item = shape[1]
        assignments: list[Assignment] = []
        raw = rating.get("assign") or Node()
        for aname, spec in raw.items() if isinstance(raw, Node) else []:
            aline = raw.line_of(aname)
            if not isinstance(spec, Node):
                self.bad(aline, f"assign {aname}: give from, method and ranks")
                continue
            self.only_keys(
                spec, {"from", "method", "rank", "unit_rank", "field"}, f"assign {aname}"
            )
            source = str(spec.get("from", ""))
            sshape = self.shapes[RISK].get(source)
            if not (isinstance(sshape, tuple) and sshape[0] == "list"):
                self.bad(spec.line_of("from"), f"assign {aname}: from must name a list input")
                continue
            if aname != sshape[1]:
                self.bad(
                    aline, f"assign: the name must be the item name of {source}, {sshape[1]!r}"
                )
                continue
            method = str(spec.get("method", "highest_to_highest"))
            rank_from = rank_to = None
            fld = None
            if method == "highest_to_highest":
                rank_from = self.expr(
                    spec.get("rank", ""),
                    self.scope(sshape[1]),
                    spec.line_of("rank"),
                    f"assign {aname} rank",
                    Num,
                )
                rank_to = self.expr(
                    spec.get("unit_rank", ""),
                    self.scope(item),
                    spec.line_of("unit_rank"),
                    f"assign {aname} unit_rank",
                    Num,
                )
            elif method == "field":
                fld = str(spec.get("field", ""))
                shape = self.shapes[item].get(fld)
                if not (isinstance(shape, Num) and shape.scale == 0):
                    self.bad(
                        spec.line_of("field"),
                        f"assign {aname}: field must be a whole-number field of {item} holding the {aname} number",
                    )
            else:
                self.bad(
                    spec.line_of("method"),
                    f"assign {aname}: method must be highest_to_highest or field",
                )
                continue
            assignments.append(Assignment(aname, source, method, rank_from, rank_to, fld, aline))
        return Unit(str(per), item, assignments)

    def check_per_unit_coverages(self, coverages: dict[str, Coverage], unit: Unit | None) -> None:
        """A coverage chosen item by item must be chosen on the items rated one by one."""
        for cid, cov in coverages.items():
            if cov.per is None:
                continue
            line = self.coverage_per_lines[cid]
            if unit is None or cov.per != unit.source:
                rated = "nothing is" if unit is None else f"rating.per is {unit.source}"
                self.bad(
                    line,
                    f"coverage {cid}: per must name the list rated item by item ({rated}); "
                    "each of its items may then choose the coverage",
                )
            elif "coverages" in self.shapes[unit.name]:
                self.bad(
                    line,
                    f"coverage {cid}: the items of {unit.source} hold their own choice of "
                    "coverages, so their field 'coverages' must be renamed",
                )

    def unit_scope(self, unit: Unit | None) -> Scope:
        if unit is None:
            return self.scope()
        extra: dict[str, Type] = {a.name: self.record_type(a.name) for a in unit.assignments}
        if unit.assignments:
            extra["assigned"] = BOOL
        return self.scope(unit.name, **extra)

    def components(self, raw: Any, line: int, coverages: dict[str, Coverage]) -> list[Component]:
        if raw is None:
            if coverages:
                return [
                    Component(c.id, c.label, c.id, None, [], c.line) for c in coverages.values()
                ]
            return [Component("premium", "Premium", None, None, [], line)]
        if not isinstance(raw, Seq) or not raw:
            self.bad(line, "components must be a list of {id, label, coverage?, when?}")
            return []
        out: list[Component] = []
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if isinstance(item, str):
                item_node = Node({"id": item})
                item_node.file, item_node.line, item_node.key_lines = self.file, iline, {}
                item = item_node
            if not isinstance(item, Node) or "id" not in item:
                self.bad(iline, "each component needs an id")
                continue
            self.only_keys(
                item, {"id", "label", "coverage", "when", "note"}, f"component {item['id']}"
            )
            cov = item.get("coverage")
            if cov is not None and str(cov) not in coverages:
                self.bad(
                    item.line_of("coverage"), f"component {item['id']}: unknown coverage {cov!r}"
                )
            comp = Component(
                str(item["id"]),
                str(item.get("label", item["id"])),
                None if cov is None else str(cov),
                None,
                [],
                iline,
            )
            if "when" in item:
                self.component_when[comp.id] = item["when"]
            out.append(comp)
        ids = [c.id for c in out]
        for c in out:
            if ids.count(c.id) > 1:
                self.bad(c.line, f"component id {c.id!r} is used twice")
        return out

    def component_scope(
        self, base: Scope, comp: Component, coverages: dict[str, Coverage]
    ) -> Scope:
        # ``coverage`` is this component's id, typed as any component id so shared steps can
        # branch on it (``coverage in ['BI', 'PD']``).
        consts = {"coverage": Const(Text(tuple(self.component_ids) or (comp.id,)), comp.id)}
        aliases: dict[str, tuple[Type, tuple[str, ...]]] = {}
        if comp.coverage is not None and comp.coverage in coverages:
            aliases["option"] = (
                self.record_type(f"coverages.{comp.coverage}"),
                ("coverages", comp.coverage),
            )
        return Scope(base.roots, base.tables, base.bindings, comp.id, consts, aliases)

    def build_components(
        self,
        components: list[Component],
        steps_raw: Any,
        rating: Node,
        unit: Unit | None,
        round_each: Rounding | None,
        coverages: dict[str, Coverage],
    ) -> list[Component]:
        if not isinstance(steps_raw, Seq) or not steps_raw:
            self.bad(rating.line_of("steps"), "rating.steps must be a non-empty list of steps")
            return components
        ids = {c.id for c in components}
        for item in steps_raw:
            if isinstance(item, Node):
                for key in ("only", "except"):
                    for cid in _as_list(item.get(key)):
                        if cid not in ids:
                            self.bad(
                                item.line_of(key),
                                f"step {item.get('id')}: {key} names unknown component {cid!r}; components: {sorted(ids)}",
                            )
        base = self.unit_scope(unit)
        self.component_ids = [c.id for c in components]
        for comp in components:
            scope = self.component_scope(base, comp, coverages)
            when_text = self.component_when.get(comp.id)
            if when_text is not None:
                comp.when = self.expr(
                    when_text, scope, comp.line, f"component {comp.id} when", Bool
                )
            comp.steps = self.steps(steps_raw, scope, comp.id, unit, round_each, "rating")
        self.check_shared_tables(components)
        return components

    def check_shared_tables(self, components: list[Component]) -> None:
        """Refuse a one-column table that a step applies alike to components it is not for.

        A table with a single value column answers the same factor whatever the component, so a
        step running over several components multiplies every one of them by it: right for a
        territory factor, wrong for a table meant for hurricane alone. The table must say which
        components it is for (``components: all`` or a list). A lookup whose keys differ by
        component (they read ``coverage`` or ``option``) is per component already.
        """
        ids = {c.id for c in components}
        declared: dict[str, set[str] | None] = {}
        for name, (raw, line) in self.table_components.items():
            if raw == "all":
                declared[name] = None
                continue
            listed = _as_list(raw) if isinstance(raw, Seq | str) else []
            unknown = [c for c in listed if c not in ids]
            if not listed or unknown:
                self.bad(
                    line,
                    f"table {name}: components must be 'all' or a list of component ids"
                    + (f"; unknown {', '.join(unknown)}; components: {', '.join(sorted(ids))}"
                       if unknown else ""),
                )  # fmt: skip
                continue
            declared[name] = set(listed)
        # (step id, table) -> keys -> the components whose step looks it up with those keys
        uses: dict[tuple[str, str], dict[Any, list[str]]] = {}
        lines: dict[str, int] = {}
        for comp in components:
            for st in comp.steps:
                exprs = [] if st.operand is None else [st.operand]
                exprs += [item.rate for g in st.groups for item in g.items]
                for e in exprs:
                    for node in walk(e):
                        if isinstance(node, Lookup) and len(self.tables[node.table].columns) == 1:
                            by_keys = uses.setdefault((st.id, node.table), {})
                            by_keys.setdefault(node.keys, []).append(comp.id)
                            lines[st.id] = st.line
        for (sid, table), by_keys in uses.items():
            same = [c for comps in by_keys.values() if len(comps) > 1 for c in comps]
            if table not in declared:
                if same:
                    self.bad(
                        lines[sid],
                        f"step {sid}: table {table} (line {self.tables[table].line}) has one "
                        f"value column, so this step applies the same factor to "
                        f"{', '.join(same)}; if it is meant for every one of them say "
                        f"'components: all' on the table (or list the components it is for), "
                        "else give it a column per component or restrict the step with only:",
                    )
                continue
            allowed = declared[table]
            if allowed is None:
                continue
            used = [c for comps in by_keys.values() for c in comps]
            outside = [c for c in used if c not in allowed]
            if outside:
                self.bad(
                    lines[sid],
                    f"step {sid}: table {table} is for {', '.join(sorted(allowed))} only "
                    f"(its components:), but this step applies it to {', '.join(outside)}; "
                    "restrict the step with only:",
                )

    def steps(
        self,
        raw: Any,
        scope: Scope,
        component: str | None,
        unit: Unit | None,
        round_each: Rounding | None,
        where: str,
    ) -> list[Step]:
        out: list[Step] = []
        if not isinstance(raw, Seq):
            self.bad(getattr(raw, "line", None), f"{where}.steps must be a list")
            return out
        seen: set[str] = set()
        before = len(self.problems)
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node):
                self.bad(iline, f"{where} step must be a mapping with an id and one operation")
                continue
            sid = str(item.get("id", ""))
            if not sid.isidentifier():
                self.bad(
                    iline, f"{where} step needs an id made of letters, digits and _ (got {sid!r})"
                )
                continue
            if sid in seen:
                self.bad(iline, f"step id {sid!r} is used twice")
                continue
            seen.add(sid)
            for key in item:
                if key not in STEP_KEYS:
                    self.bad(
                        item.line_of(key),
                        f"step {sid}: unknown key {key!r}; keys: {sorted(STEP_KEYS)}",
                    )
            only, exclude = _as_list(item.get("only")), _as_list(item.get("except"))
            if component is not None and ((only and component not in only) or component in exclude):
                continue
            ops = [k for k in STEP_OPS if k in item]
            if len(ops) > 1:
                self.bad(iline, f"step {sid}: one operation per step, found {', '.join(ops)}")
                continue
            if not ops and "round" not in item:
                self.bad(iline, f"step {sid}: needs one of {', '.join(STEP_OPS)} or round")
                continue
            kind = StepKind(ops[0]) if ops else StepKind.ROUND
            rounding = (
                self.rounding(item.get("round"), item.line_of("round"))
                if "round" in item
                else (round_each if kind in ("start", "multiply", "add", "discount") else None)
            )
            when = None
            if "when" in item:
                when = self.expr(
                    item["when"], scope, item.line_of("when"), f"step {sid} when", Bool
                )
            operand: Expr | None = None
            groups: list[DiscountGroup] = []
            source = ""
            if kind == "discount":
                groups = self.discount(item["discount"], item.line_of("discount"), scope, sid)
                source = "discounts"
            elif kind != "round":
                operand, source = self.operand(item[kind], item, scope, sid, kind)
                if operand is None:
                    continue
            label = str(item.get("label", sid.replace("_", " ")))
            out.append(Step(sid, label, kind, operand, when, rounding, groups, source, iline))
        broken = len(self.problems) > before  # a step that failed to load may be the start
        if out and out[0].kind != "start" and where == "rating" and not broken:
            self.bad(out[0].line, f"the first step for {component} must be a start (base rate)")
        return out

    def operand(
        self, value: Any, item: Node, scope: Scope, sid: str, kind: str
    ) -> tuple[Expr | None, str]:
        line = item.line_of(kind)
        column = item.get("column")
        if isinstance(value, str) and value in self.failed_tables:
            return None, value  # the table's own problems are already reported
        if isinstance(value, str) and value in self.tables:
            try:
                return lookup_node(
                    self.tables[value], {}, None if column is None else str(column), scope
                ), value
            except ExprError as exc:
                self.bad(line, f"step {sid}: {exc}")
                return None, value
        if column is not None:
            self.bad(item.line_of("column"), f"step {sid}: column only applies to a table lookup")
        if (
            isinstance(value, str)
            and value.isidentifier()
            and value not in scope.roots
            and value not in scope.consts
        ):
            tables = ", ".join(sorted(self.tables)) or "none"
            self.bad(
                line, f"step {sid}: {value!r} is neither a table nor a variable; tables: {tables}"
            )
            return None, value
        return self.expr(value, scope, line, f"step {sid}", Num), str(value)

    def discount(self, raw: Any, line: int, scope: Scope, sid: str) -> list[DiscountGroup]:
        groups: list[DiscountGroup] = []
        spec = raw.get("groups") if isinstance(raw, Node) else None
        if not isinstance(spec, Seq):
            self.bad(
                line, f"step {sid}: discount needs 'groups', each with items and an optional cap"
            )
            return groups
        for g, gline in zip(spec, spec.item_lines, strict=True):
            if not isinstance(g, Node) or not isinstance(g.get("items"), Seq):
                self.bad(gline, f"step {sid}: each discount group needs 'items'")
                continue
            gid = str(g.get("id", f"group{len(groups) + 1}"))
            self.only_keys(g, {"id", "label", "cap", "items"}, f"discount group {gid}")
            cap = None
            if "cap" in g:
                cap = self.expr(g["cap"], scope, g.line_of("cap"), f"discount group {gid} cap", Num)
            items: list[DiscountItem] = []
            for it, itline in zip(g["items"], g["items"].item_lines, strict=True):
                if not isinstance(it, Node) or "id" not in it or "rate" not in it:
                    self.bad(itline, f"step {sid}: each discount needs an id and a rate")
                    continue
                self.only_keys(it, {"id", "label", "rate", "when", "note"}, f"discount {it['id']}")
                rate_value = it["rate"]
                if isinstance(rate_value, str) and rate_value in self.tables:
                    try:
                        rate: Expr | None = lookup_node(self.tables[rate_value], {}, None, scope)
                    except ExprError as exc:
                        self.bad(it.line_of("rate"), f"discount {it['id']}: {exc}")
                        continue
                else:
                    rate = self.expr(
                        rate_value, scope, it.line_of("rate"), f"discount {it['id']} rate", Num
                    )
                when = None
                if "when" in it:
                    when = self.expr(
                        it["when"], scope, it.line_of("when"), f"discount {it['id']} when", Bool
                    )
                if rate is not None:
                    items.append(
                        DiscountItem(
                            str(it["id"]), str(it.get("label", it["id"])), rate, when, itline
                        )
                    )
            groups.append(DiscountGroup(gid, str(g.get("label", gid)), cap, items))
        return groups

    def fees(self, raw: Any, line: int) -> list[Fee]:
        out: list[Fee] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "fees must be a list of {id, amount, when?}")
            return out
        scope = self.scope(premium=Num(2))
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "id" not in item or "amount" not in item:
                self.bad(iline, "each fee needs an id and an amount")
                continue
            fid = str(item["id"])
            self.only_keys(item, {"id", "label", "amount", "when", "round", "note"}, f"fee {fid}")
            amount = self.expr(item["amount"], scope, item.line_of("amount"), f"fee {fid}", Num)
            when = None
            if "when" in item:
                when = self.expr(item["when"], scope, item.line_of("when"), f"fee {fid} when", Bool)
            rounding = (
                self.rounding(item.get("round", "cent"), item.line_of("round")) or HALF_UP_CENT
            )
            if amount is not None:
                out.append(
                    Fee(
                        fid,
                        str(item.get("label", fid.replace("_", " "))),
                        amount,
                        when,
                        rounding,
                        iline,
                    )
                )
        return out

    def details(self, raw: Any, line: int) -> list[Detail]:
        out: list[Detail] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "details must be a list of {id, label, value}")
            return out
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "id" not in item or "value" not in item:
                self.bad(iline, "each detail needs an id and a value")
                continue
            value = self.expr(
                item["value"], self.scope(), item.line_of("value"), f"detail {item['id']}"
            )
            if value is not None:
                out.append(
                    Detail(str(item["id"]), str(item.get("label", item["id"])), value, iline)
                )
        return out

    def rounding(self, raw: Any, line: int) -> Rounding | None:
        if raw is None or raw == "none":
            return None
        try:
            return rounding_from(raw)
        except ValueError as exc:
            self.bad(line, str(exc))
            return None

    # ------------------------------------------------------------------ stored tests
    def expected(self, expect: Node, key: str, shown: str) -> dict[str, str]:
        """An ``expect`` mapping of names to amounts (``components``, ``steps``)."""
        value = expect.get(key)
        if value is None:
            return {}
        if not isinstance(value, Node):
            self.bad(expect.line_of(key), f"expect {key} must map names to amounts", shown)
            return {}
        return {str(k): str(v) for k, v in value.items()}

    def load_tests(self, manual: Manual) -> None:
        path = self.root / TESTS
        if not path.exists():
            return
        shown = display_path(path)
        manual.tests_file = shown
        try:
            doc = load_yaml(path, shown, MAX_TESTS_BYTES)
        except SourceError as exc:
            self.problems.append(exc.problem)
            return
        cases = doc.get("cases") if isinstance(doc, Node) else doc
        if not isinstance(cases, Seq):
            self.bad(getattr(doc, "line", 1), "tests.yaml must hold a list of cases", shown)
            return
        for case, cline in zip(cases, cases.item_lines, strict=True):
            if not isinstance(case, Node) or "name" not in case or "expect" not in case:
                self.bad(cline, "each test case needs a name, a risk and an expect", shown)
                continue
            risk = case.get("risk")
            if "risk_file" in case:
                if not self.within_carrier(self.root / str(case["risk_file"])):
                    self.bad(
                        case.line_of("risk_file"),
                        f"risk_file {case['risk_file']} is {OUTSIDE}",
                        shown,
                    )
                    continue
                risk_path = self.root / str(case["risk_file"])
                try:
                    risk = json.loads(read_text(risk_path, shown, MAX_TESTS_BYTES))
                except SourceError as exc:
                    self.bad(case.line_of("risk_file"), exc.problem.reason, shown)
                    continue
                except (ValueError, RecursionError) as exc:
                    self.bad(case.line_of("risk_file"), f"cannot read risk_file: {exc}", shown)
                    continue
            if not isinstance(risk, dict):
                self.bad(
                    cline, f"test {case['name']}: risk must be a mapping (or give risk_file)", shown
                )
                continue
            expect = case["expect"]
            if not isinstance(expect, Node):
                self.bad(case.line_of("expect"), "expect must be a mapping", shown)
                continue
            for node, allowed, what in (
                (case, {"name", "risk", "risk_file", "expect", "note"}, f"test {case['name']}"),
                (
                    expect,
                    {"premium", "total", "components", "steps", "decline"},
                    f"test {case['name']} expect",
                ),
            ):
                for key in node:
                    if key not in allowed:
                        self.bad(
                            node.line_of(key),
                            f"{what}: unknown key {key!r}; keys: {', '.join(sorted(allowed))}",
                            shown,
                        )
            decline = expect.get("decline")
            manual.tests.append(
                TestCase(
                    name=str(case["name"]),
                    risk=_plain(risk),
                    premium=None if expect.get("premium") is None else str(expect["premium"]),
                    total=None if expect.get("total") is None else str(expect["total"]),
                    components=self.expected(expect, "components", shown),
                    steps=self.expected(expect, "steps", shown),
                    decline=None if decline is None else [str(d) for d in _as_list(decline)],
                    line=cline,
                )
            )


def _whole(value: Any) -> bool:
    """Whether a YAML value is a non-negative whole number (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _not_an_expression(value: Any) -> str:
    """Why a YAML value that is not text cannot be an expression."""
    if isinstance(value, dict):
        found = "a mapping"
    elif isinstance(value, list):
        found = "a list"
    elif isinstance(value, dt.date):
        return f"write a date as date('{value.isoformat()}') (in quotes), not a bare YAML date"
    elif value is None:
        return "the expression is empty"
    else:
        found = type(value).__name__
    return f"an expression must be text (quote it), not {found}"


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _plain(value: Any) -> Any:
    """YAML values as JSON would give them (decimals as text keep their digits)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def load_manual(path: Path | str, tests: bool = True) -> Manual:
    """Load and check the manual in folder ``path`` (or at ``path/manual.yaml``).

    ``tests=False`` leaves its stored cases unread: only checking a manual runs them.
    """
    root = Path(path)
    if root.name == MANIFEST:
        root = root.parent
    if not (root / MANIFEST).is_file():
        raise ManualError([Problem(display_path(root), None, f"no {MANIFEST} in this folder")])
    return _Loader(root, with_tests=tests).load()


def content_hash(root: Path, files: Iterable[Path]) -> str:
    """The content hash of the manual in ``root``: each file's name (relative) and bytes."""
    hashed = hashlib.sha256()
    for p in sorted(set(files)):
        try:
            data = p.read_bytes()
        except OSError:
            continue
        hashed.update(os.path.relpath(p, root).encode())
        hashed.update(data)
    return hashed.hexdigest()


def _section(text: str, name: str) -> str | None:
    """The text of top-level section ``name`` with the lines before it blanked (lines kept)."""
    found = re.search(rf"^{name}:[^\n]*\n?(?:(?:[ \t#][^\n]*)?(?:\n|$))*", text, re.M)
    if found is None:
        return None
    return "\n" * text.count("\n", 0, found.start()) + found.group(0)


def _read_section(root: Path, name: str, shown: str) -> Node:
    """Section ``name`` of the manifest in ``root``, read without parsing the rest of the file.

    A manifest is a mapping of sections at the left margin; one written otherwise (or a section
    the cut-out text cannot stand alone for) is parsed whole, so the answer is always the same.
    """
    path = root / MANIFEST
    try:
        text = read_text(path, shown, MAX_MANIFEST_BYTES)
    except SourceError as exc:
        raise ManualError([exc.problem]) from exc
    cut = _section(text, name)
    doc: Any = None
    if cut is not None:
        try:
            doc = parse_yaml(cut, shown)
        except SourceError:
            doc = None
    if not isinstance(doc, Node) or name not in doc:
        try:
            doc = parse_yaml(text, shown)
        except SourceError as exc:
            raise ManualError([exc.problem]) from exc
    if not isinstance(doc, Node):
        raise ManualError([Problem(shown, 1, "the manifest must be a mapping of sections")])
    return doc


def read_identity(path: Path | str) -> Identity:
    """The identity of the manual in folder ``path`` from its ``manual:`` section alone.

    This is what a market needs to know which manuals it holds; nothing else is read or checked.
    """
    root = Path(path)
    # Naming the file as messages do resolves every component of its path: a market reads
    # thousands of identities, so that is done only when there is a problem to report.
    try:
        return _identity(_Loader(root, with_tests=False, file=str(root / MANIFEST)))
    except ManualError:
        return _identity(_Loader(root, with_tests=False))


def _identity(loader: _Loader) -> Identity:
    identity = loader.identity(_read_section(loader.root, "manual", loader.file))
    if loader.problems:
        raise ManualError(_dedupe(loader.problems))
    return identity


def content_files(path: Path | str) -> list[Path]:
    """The files the content hash of the manual in ``path`` covers: its manifest and tables.

    Read from the ``tables:`` section alone; for a manual that loads this is exactly the files
    :func:`load_manual` hashes.
    """
    loader = _Loader(Path(path), with_tests=False)
    files = [loader.root / MANIFEST]
    tables = _read_section(loader.root, "tables", loader.file).get("tables")
    if isinstance(tables, Node):
        for spec in tables.values():
            if isinstance(spec, Node) and spec.get("file") is not None:
                table = loader.root / str(spec["file"])
                if loader.within_carrier(table):
                    files.append(table)
    return files


def find_manuals(path: Path | str) -> list[Path]:
    """Every manual folder at or below ``path``."""
    return [Path(folder) for folder in manual_folders(path)]


def manual_folders(path: Path | str) -> list[str]:
    """:func:`find_manuals` as text (a market may hold thousands: paths cost time to make)."""
    root = Path(path)
    if root.is_file() and root.name == MANIFEST:
        return [str(root.parent)]
    if (root / MANIFEST).is_file():
        return [str(root)]
    # Hidden folders are never manuals: an upload being checked is unpacked into one. Walked
    # with os.scandir (a market may hold thousands of folders); links to folders are not
    # followed, as Path.rglob does not.
    found: list[tuple[str, ...]] = []

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return
        for entry in entries:
            if entry.name == MANIFEST and parts:
                found.append(parts)
            elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                walk(entry.path, (*parts, entry.name))

    top = str(root)
    walk(top, ())
    return [os.path.join(top, *parts) for parts in sorted(found)]
