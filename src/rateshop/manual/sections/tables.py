"""The ``tables:`` section: each table's keys, its rows (a CSV file or inline) and rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rateshop.manual.folders import OUTSIDE, display_path
from rateshop.manual.limits import MAX_TABLE_BYTES
from rateshop.manual.sections.base import SectionReader, not_an_expression
from rateshop.manual.source import CsvRow, Node, Seq, SourceError, read_csv
from rateshop.manual.table_build import build_table
from rateshop.manual.tables import KeySpec
from rateshop.money import rounding_from

BEYOND_STEPS = ("pro_rata", "whole", "part")


class TablesReader(SectionReader):
    """Reads the ``tables:`` section into the tables every later section may look up."""

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
                self.bad(kline, f"table {name} key {kname}: {not_an_expression(binding)}")
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
