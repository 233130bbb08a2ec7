"""What every section reader shares: the manual being read, its problems, and scopes.

A manual is read section by section (one module each in this package); each reader adds its
methods to :class:`SectionReader`, which holds what they share: the problems found so far, the
tables loaded, the shapes of the inputs declared, and the expression parser that reports its
mistakes at a line of the manifest.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from rateshop.errors import Problem
from rateshop.manual.expr import Const, Expr, ExprError, Scope
from rateshop.manual.expr_check import parse
from rateshop.manual.folders import MANIFEST, display_path, within_carrier
from rateshop.manual.model import RISK
from rateshop.manual.numbers import read_scaled
from rateshop.manual.source import Node
from rateshop.manual.tables import Table
from rateshop.manual.types import BOOL, Bool, List, Num, Record, Type
from rateshop.money import Rounding, rounding_from


class SectionReader:
    """The state one reading of a manual shares between its sections."""

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
        return within_carrier(self.root, path)

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
                self.bad(line, f"{what}: {not_an_expression(text)}")
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

    def rounding(self, raw: Any, line: int) -> Rounding | None:
        if raw is None or raw == "none":
            return None
        try:
            return rounding_from(raw)
        except ValueError as exc:
            self.bad(line, str(exc))
            return None


def whole(value: Any) -> bool:
    """Whether a YAML value is a non-negative whole number (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def not_an_expression(value: Any) -> str:
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


def as_list(value: Any) -> list[str]:
    """A YAML value that may be one name or a list of names, as a list of names."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def dedupe(problems: list[Problem]) -> list[Problem]:
    """The problems in the order found, each once (two sections may find the same)."""
    return list(dict.fromkeys(problems))
