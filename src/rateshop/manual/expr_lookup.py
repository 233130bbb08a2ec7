"""A table lookup in an expression: its column, its keys typed, and keys left out bound."""

import ast
from collections.abc import Mapping

from rateshop.manual.expr import (
    Const,
    Expr,
    ExprError,
    Lookup,
    Scope,
    TableInfo,
    column_of,
    describe,
)
from rateshop.manual.types import Num, Text, Type, same_kind


def lookup_node(
    table: TableInfo,
    given: Mapping[str, Expr],
    column: str | None,
    scope: Scope,
    node: ast.AST | None = None,
) -> Lookup:
    """Build a typed table lookup, binding keys that were not given from the table's bindings."""
    columns = table.value_columns()
    if column is None:
        if len(columns) == 1:
            column = columns[0]
        elif scope.component is not None and scope.component in columns:
            column = scope.component
        else:
            where = f" for {scope.component}" if scope.component else ""
            raise ExprError(
                f"table {table.name} has columns {', '.join(columns)}; none applies{where}: "
                "name one with column=",
                column_of(node) if node else None,
            )
    elif column not in columns:
        raise ExprError(
            f"table {table.name} has no column {column!r}; columns: {', '.join(columns)}",
            column_of(node) if node else None,
        )
    keys: list[tuple[str, Expr]] = []
    for key in table.key_names():
        expr = given.get(key)
        if expr is None:
            if scope.bindings is None:
                raise ExprError(f"table {table.name}: key {key!r} is not given")
            expr = scope.bindings(table.name, key, scope)
        want = table.key_type(key)
        if not (same_kind(expr.type, want) or _text_match(table, key, expr.type)):
            raise ExprError(
                f"table {table.name}: key {key!r} needs {want}, got {expr.type}",
                column_of(node) if node else None,
            )
        if (
            isinstance(want, Text)
            and isinstance(expr, Const)
            and want.values
            and expr.value not in want.values
        ):
            raise ExprError(f"table {table.name}: {expr.value!r} is not a row of key {key!r}")
        if (
            table.complete()
            and not isinstance(expr, Const)
            and isinstance(want, Text)
            and want.values
            and isinstance(expr.type, Text)
            and expr.type.values
        ):
            missing = [v for v in expr.type.values if v not in want.values]
            if missing:
                raise ExprError(
                    f"table {table.name} has no row for {key} {missing[0]!r}, a value "
                    f"{describe(expr)} can take; add the row, or declare a default or sparse: true"
                )
        keys.append((key, expr))
    return Lookup(Num(table.column_scale(column)), table.name, column, tuple(keys))


def _text_match(table: TableInfo, key: str, given: Type) -> bool:
    """Whether an exact key can be matched by the cells' text (ZIP codes, limits like 25)."""
    want = table.key_type(key)
    if not table.key_is_exact(key):
        return False
    if isinstance(given, Text) and isinstance(want, Num):
        return True
    return isinstance(given, Num) and given.scale == 0 and isinstance(want, Text)
