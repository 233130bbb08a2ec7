"""The manual expression language: a small, typed, side-effect-free subset of Python syntax.

Expressions are parsed with :mod:`ast` and checked node by node against a whitelist, then typed;
nothing is ever handed to ``eval``. What is allowed:

* literals: integers, decimals (exact, from their text), ``"text"``, ``true``/``false``
  (``True``/``False``), ``date("2025-07-15")``;
* names and fields: ``effective_date``, ``driver.age``, ``coverages.BI.limit``;
* ``+ - *`` on numbers; ``/`` only inside ``round(a / b, n)``, ``floor(a / b)``, ``ceil(a / b)``;
* comparisons (chains allowed), ``in``/``not in`` a literal list, ``and``/``or``/``not``,
  ``x if condition else y``;
* functions: ``min max abs clamp round floor ceil age years_between months_between days_between
  left len count sum any all`` (``left(zip, 3)`` is the first three characters); aggregations take a generator: ``count(v for v in driver.violations
  if v.kind == "dwi")``;
* table lookups: ``points(kind=v.kind, occurrence=2)``; keys left out take the table's bindings;
* ``occurrence(by=..., same=..., where=...)``, only as the whole value of a derived list-item
  field: the item's 1-based position among the items of its list with the same ``same`` value,
  counting those with an earlier ``by`` for which ``where`` holds (see :class:`Occurrence`).

Before it is read, an expression's text, node count and nesting are checked against
:mod:`rateshop.manual.limits`, so no expression can exhaust the parser or the checker.

This module holds the typed nodes an expression is checked into and the scope it is checked in;
:mod:`rateshop.manual.expr_check` parses and checks the text
(:func:`~rateshop.manual.expr_check.parse`), and :mod:`rateshop.manual.expr_lookup` types a table
lookup and binds its keys.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from rateshop.manual.types import (
    List,
    Record,
    Type,
)

MAX_SCALE = 30


class ExprError(Exception):
    """An expression is malformed or ill-typed; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} (at column {column})")


def column_of(node: ast.AST) -> int | None:
    """The 1-based column of a syntax node in its expression, for an :class:`ExprError`."""
    offset = getattr(node, "col_offset", None)
    return None if offset is None else offset + 1


def describe(expr: Expr) -> str:
    """How a message names an expression: its path if it is one, else "value"."""
    return expr.key if isinstance(expr, Name) else "value"


# ---------------------------------------------------------------- typed nodes


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of the typed expression tree."""

    type: Type


@dataclass(frozen=True, slots=True)
class Const(Expr):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Expr):
    path: tuple[str, ...]

    @property
    def key(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Arith(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class InSet(Expr):
    operand: Expr
    options: tuple[Any, ...]
    negate: bool


@dataclass(frozen=True, slots=True)
class Logic(Expr):
    op: str
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class IfElse(Expr):
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True, slots=True)
class Func(Expr):
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Rounded(Expr):
    """``round``/``floor``/``ceil`` of ``num`` (or of ``num / den``) to ``decimals`` places."""

    mode: str
    num: Expr
    den: Expr | None
    decimals: int


@dataclass(frozen=True, slots=True)
class Loop:
    var: str
    source: Expr
    conds: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Agg(Expr):
    kind: str
    elt: Expr | None
    loops: tuple[Loop, ...]


@dataclass(frozen=True, slots=True)
class Lookup(Expr):
    table: str
    column: str
    keys: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True, slots=True)
class Occurrence(Expr):
    """``occurrence(by=..., same=..., where=...)`` for each ``item`` of a list.

    The value for one item is 1 plus the number of items of the same list whose ``same`` equals
    its own and whose ``by`` is strictly earlier, counting only items where ``where`` holds: the
    1st, 2nd, 3rd ... incident of a kind. ``same``, ``by`` and ``where`` are read on each item in
    turn. Rating computes the whole list at once by sorting, in n log n, where the equivalent
    ``1 + count(o for o in list if ...)`` per item costs n squared.
    """

    item: str
    by: Expr
    same: Expr | None
    where: Expr | None


# ---------------------------------------------------------------- context


class TableInfo(Protocol):
    """What the type checker needs to know about a table."""

    name: str

    def key_names(self) -> tuple[str, ...]: ...

    def key_type(self, key: str) -> Type: ...

    def value_columns(self) -> tuple[str, ...]: ...

    def column_scale(self, column: str) -> int: ...

    def key_is_exact(self, key: str) -> bool: ...

    def complete(self) -> bool: ...


@dataclass
class Scope:
    """Names visible to an expression: root names with their types, plus tables."""

    roots: Mapping[str, Type]
    tables: Mapping[str, TableInfo] = field(default_factory=dict)
    # How a table call with keys left out binds them: table name -> key -> expression text.
    bindings: Callable[[str, str, Scope], Expr] | None = None
    component: str | None = None
    # Names that stand for a constant (``coverage`` inside a component) or for another path
    # (``option`` -> ``coverages.BI``).
    consts: Mapping[str, Const] = field(default_factory=dict)
    aliases: Mapping[str, tuple[Type, tuple[str, ...]]] = field(default_factory=dict)

    def child(self, name: str, type_: Type) -> Scope:
        roots = dict(self.roots)
        roots[name] = type_
        return Scope(roots, self.tables, self.bindings, self.component, self.consts, self.aliases)


def walk(expr: Expr) -> list[Expr]:
    """Every node of an expression tree, the root first."""
    out: list[Expr] = [expr]
    for child in children(expr):
        out.extend(walk(child))
    return out


def children(expr: Expr) -> list[Expr]:
    """The direct subexpressions of ``expr``."""
    if isinstance(expr, Arith | Compare):
        return [expr.left, expr.right]
    if isinstance(expr, Neg | Not | InSet):
        return [expr.operand]
    if isinstance(expr, Logic):
        return list(expr.items)
    if isinstance(expr, IfElse):
        return [expr.cond, expr.then, expr.other]
    if isinstance(expr, Func):
        return list(expr.args)
    if isinstance(expr, Rounded):
        return [expr.num] + ([expr.den] if expr.den is not None else [])
    if isinstance(expr, Agg):
        kids = [lp.source for lp in expr.loops] + [c for lp in expr.loops for c in lp.conds]
        return kids + ([expr.elt] if expr.elt is not None else [])
    if isinstance(expr, Lookup):
        return [e for _, e in expr.keys]
    if isinstance(expr, Occurrence):
        return [e for e in (expr.by, expr.same, expr.where) if e is not None]
    return []


def not_vectorizable(expr: Expr) -> str | None:
    """Why ``expr`` cannot run column-wise over a flat table (aggregations, lists), or None."""
    for node in walk(expr):
        if isinstance(node, Agg):
            return f"{node.kind}() over a list"
        if isinstance(node, Occurrence):
            return "occurrence() over a list"
        if isinstance(node, Name) and isinstance(node.type, List | Record):
            return f"{node.key} is {node.type}"
    return None
