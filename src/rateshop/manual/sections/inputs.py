"""The ``inputs:`` section: the fields a risk gives, their types, bounds and defaults."""

from __future__ import annotations

from typing import Any

from rateshop.errors import FieldProblem
from rateshop.manual.inputs import NUMBER_FIELD, FieldSpec, validate
from rateshop.manual.model import RISK
from rateshop.manual.numbers import read_scaled
from rateshop.manual.sections.base import SectionReader, whole
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import BOOL, DATE, INT, TEXT, List, Num, Record, Text, Type

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


class InputsReader(SectionReader):
    """Reads the ``inputs:`` section, recording the shape of every record it declares."""

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
            if not whole(least):
                self.bad(raw.line_of("min"), f"input {name}: min must be a whole number of items")
                least = 0
            if most is None:
                self.bad(
                    line,
                    f"input {name}: a list needs 'max: N', the most items a risk may give "
                    "(e.g. max: 20); it bounds the work one risk can cost",
                )
            elif not whole(most) or most < max(1, least):
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
