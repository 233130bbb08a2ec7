"""Parsing and checking an expression's text into typed nodes.

The text is parsed with :mod:`ast`; every node is checked against the language's whitelist (see
:mod:`rateshop.manual.expr`) and typed. Nothing is ever handed to ``eval``.
"""

import ast
import datetime as dt
from typing import Any

from rateshop.manual.expr import (
    Agg,
    Arith,
    Compare,
    Const,
    Expr,
    ExprError,
    Func,
    IfElse,
    InSet,
    Logic,
    Loop,
    Name,
    Neg,
    Not,
    Occurrence,
    Rounded,
    Scope,
    TableInfo,
    column_of,
    describe,
)
from rateshop.manual.expr_lookup import lookup_node
from rateshop.manual.limits import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_NODES
from rateshop.manual.numbers import read_scaled
from rateshop.manual.types import (
    BOOL,
    DATE,
    INT,
    Bool,
    Date,
    List,
    Num,
    Record,
    Text,
    Type,
    same_kind,
)

MAX_SCALE = 30
FUNCTIONS = {
    "min", "max", "abs", "clamp", "round", "floor", "ceil", "age", "years_between",
    "months_between", "days_between", "len", "count", "sum", "any", "all", "date", "left",
    "occurrence",
}  # fmt: skip
OCCURRENCE_EXAMPLE = 'incident.occurrence: "occurrence(by=incident.date, same=incident.kind)"'


def parse(text: str, scope: Scope, item: str | None = None) -> Expr:
    """Parse and type-check ``text`` in ``scope``; raise :class:`ExprError` if it is not valid.

    ``item`` names the list item whose field is being derived: only then may the whole expression
    be an ``occurrence(...)`` of that item.
    """
    src = text.strip()
    if not src:
        raise ExprError("empty expression")
    if len(src) > MAX_EXPRESSION_CHARS:
        raise ExprError(
            f"the expression has {len(src):,} characters, more than {MAX_EXPRESSION_CHARS:,}; "
            "split it into derived values"
        )
    try:
        tree = ast.parse(src, mode="eval")
        _check_size(tree.body)
        checker = _Checker(src)
        body = tree.body
        if item is not None and _is_call(body, "occurrence"):
            assert isinstance(body, ast.Call)
            return checker.occurrence(body, item, scope)
        return checker.visit(body, scope)
    except SyntaxError as exc:
        raise ExprError(f"syntax error: {exc.msg}", exc.offset) from exc
    except (RecursionError, MemoryError) as exc:
        # The size check should make this unreachable; a parser limit must still not escape.
        raise ExprError("the expression is too deeply nested to read; split it") from exc


def _is_call(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _check_size(root: ast.AST) -> None:
    """Refuse a syntax tree with too many nodes or nested too deeply (iteratively: no recursion)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_EXPRESSION_NODES:
            raise ExprError(
                f"the expression has more than {MAX_EXPRESSION_NODES} terms; "
                "split it into derived values"
            )
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExprError(
                f"the expression nests more than {MAX_EXPRESSION_DEPTH} levels deep; "
                "split it into derived values",
                column_of(node),
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr | ast.comprehension | ast.keyword):
                stack.append((child, depth + 1))


class _Checker:
    def __init__(self, src: str) -> None:
        self.src = src

    def fail(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, column_of(node))

    def visit(self, node: ast.AST, scope: Scope) -> Expr:
        method = getattr(self, f"v_{type(node).__name__}", None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} is not allowed in a manual expression")
        result: Expr = method(node, scope)
        return result

    # literals and names
    def v_Constant(self, node: ast.Constant, scope: Scope) -> Expr:
        value = node.value
        if isinstance(value, bool):
            return Const(BOOL, value)
        if isinstance(value, int | float):
            segment = ast.get_source_segment(self.src, node) or repr(value)
            try:
                scaled, scale = read_scaled(segment)
            except ValueError as exc:
                raise self.fail(node, str(exc)) from exc
            return Const(Num(scale), scaled)
        if isinstance(value, str):
            return Const(Text((value,)), value)
        raise self.fail(node, f"literal {value!r} is not allowed")

    def v_Name(self, node: ast.Name, scope: Scope) -> Expr:
        if node.id in ("true", "false"):
            return Const(BOOL, node.id == "true")
        if node.id in scope.consts:
            return scope.consts[node.id]
        if node.id in scope.aliases:
            alias_type, path = scope.aliases[node.id]
            return Name(alias_type, path)
        if node.id not in scope.roots and node.id in scope.tables:
            raise self.fail(
                node, f"{node.id} is a table; look it up as {node.id}() or {node.id}(key=...)"
            )
        if node.id not in scope.roots:
            known = ", ".join(sorted({*scope.roots, *scope.consts, *scope.aliases})) or "none"
            raise self.fail(node, f"unknown name {node.id!r}; known names: {known}")
        return Name(scope.roots[node.id], (node.id,))

    def v_Attribute(self, node: ast.Attribute, scope: Scope) -> Expr:
        base = self.visit(node.value, scope)
        if not isinstance(base, Name):
            raise self.fail(node, "fields can only be read from names")
        if isinstance(base.type, List):
            raise self.fail(node, f"{base.key} is a list; use count/sum/any/all over its items")
        if not isinstance(base.type, Record):
            raise self.fail(node, f"{base.key} is {base.type}, it has no field {node.attr!r}")
        if node.attr not in base.type.fields:
            known = ", ".join(sorted(base.type.fields))
            raise self.fail(node, f"{base.key} has no field {node.attr!r}; fields: {known}")
        return Name(base.type.fields[node.attr], (*base.path, node.attr))

    # operators
    def v_BinOp(self, node: ast.BinOp, scope: Scope) -> Expr:
        if isinstance(node.op, ast.Div):
            raise self.fail(
                node, "'/' is only allowed as round(a / b, n), floor(a / b), ceil(a / b)"
            )
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
        op = ops.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        left = self.num(node.left, scope)
        right = self.num(node.right, scope)
        ls, rs = _scale(left), _scale(right)
        scale = ls + rs if op == "*" else max(ls, rs)
        if scale > MAX_SCALE:
            raise self.fail(node, f"more than {MAX_SCALE} decimals; round an operand first")
        return Arith(Num(scale), op, left, right)

    def v_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Expr:
        if isinstance(node.op, ast.Not):
            return Not(BOOL, self.boolean(node.operand, scope))
        if isinstance(node.op, ast.USub):
            operand = self.num(node.operand, scope)
            if isinstance(operand, Const):
                return Const(operand.type, -operand.value)
            return Neg(operand.type, operand)
        if isinstance(node.op, ast.UAdd):
            return self.num(node.operand, scope)
        raise self.fail(node, "operator is not allowed")

    def v_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Expr:
        op = "and" if isinstance(node.op, ast.And) else "or"
        return Logic(BOOL, op, tuple(self.boolean(v, scope) for v in node.values))

    def v_IfExp(self, node: ast.IfExp, scope: Scope) -> Expr:
        cond = self.boolean(node.test, scope)
        then = self.visit(node.body, scope)
        other = self.visit(node.orelse, scope)
        if not same_kind(then.type, other.type):
            raise self.fail(
                node, f"both branches must have one type, got {then.type} and {other.type}"
            )
        result_type: Type = then.type
        if isinstance(then.type, Num) and isinstance(other.type, Num):
            result_type = Num(max(then.type.scale, other.type.scale))
        elif isinstance(then.type, Text) and isinstance(other.type, Text):
            result_type = _merge_text(then.type, other.type)
        return IfElse(result_type, cond, then, other)

    def v_Compare(self, node: ast.Compare, scope: Scope) -> Expr:
        parts: list[Expr] = []
        left_node: ast.AST = node.left
        left = self.visit(left_node, scope)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if len(node.ops) != 1:
                    raise self.fail(node, "'in' cannot be chained with other comparisons")
                return self.in_set(left, right_node, isinstance(op, ast.NotIn), scope)
            names = {
                ast.Eq: "==",
                ast.NotEq: "!=",
                ast.Lt: "<",
                ast.LtE: "<=",
                ast.Gt: ">",
                ast.GtE: ">=",
            }
            sym = names.get(type(op))
            if sym is None:
                raise self.fail(node, f"comparison {type(op).__name__} is not allowed")
            right = self.visit(right_node, scope)
            if not same_kind(left.type, right.type):
                raise self.fail(node, f"cannot compare {left.type} with {right.type}")
            if sym not in ("==", "!=") and isinstance(left.type, Bool | Text):
                raise self.fail(node, f"'{sym}' needs numbers or dates, got {left.type}")
            self.check_category(left, right, right_node)
            self.check_category(right, left, left_node)
            parts.append(Compare(BOOL, sym, left, right))
            left, left_node = right, right_node
        return parts[0] if len(parts) == 1 else Logic(BOOL, "and", tuple(parts))

    def in_set(self, operand: Expr, options_node: ast.AST, negate: bool, scope: Scope) -> Expr:
        if not isinstance(options_node, ast.List | ast.Tuple):
            raise self.fail(options_node, "'in' needs a literal list, e.g. x in ['a', 'b']")
        options = [self.visit(o, scope) for o in options_node.elts]
        values: list[Any] = []
        for opt, opt_node in zip(options, options_node.elts, strict=True):
            if not isinstance(opt, Const) or not same_kind(opt.type, operand.type):
                raise self.fail(opt_node, f"list items must be literals of type {operand.type}")
            self.check_category(operand, opt, opt_node)
            value = opt.value
            if isinstance(opt.type, Num) and isinstance(operand.type, Num):
                if opt.type.scale > operand.type.scale:
                    # 1.0 can equal a whole number, 1.5 never can
                    q, r = divmod(value, 10 ** (opt.type.scale - operand.type.scale))
                    value = None if r else q
                else:
                    value = value * 10 ** (operand.type.scale - opt.type.scale)
            values.append(value)
        return InSet(BOOL, operand, tuple(v for v in values if v is not None), negate)

    def check_category(self, subject: Expr, other: Expr, other_node: ast.AST) -> None:
        if (
            not isinstance(subject, Const)
            and isinstance(subject.type, Text)
            and subject.type.values is not None
            and isinstance(other, Const)
            and isinstance(other.type, Text)
            and other.value not in subject.type.values
        ):
            raise self.fail(
                other_node,
                f"{other.value!r} is never a value of {describe(subject)}; "
                f"its values are {', '.join(subject.type.values)}",
            )

    # calls
    def v_Call(self, node: ast.Call, scope: Scope) -> Expr:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only named functions and tables can be called")
        fname = node.func.id
        if fname in scope.tables:
            return self.table_call(node, scope.tables[fname], scope)
        if fname not in FUNCTIONS:
            tables = ", ".join(sorted(scope.tables)) or "none"
            raise self.fail(
                node,
                f"unknown function or table {fname!r}; functions: {', '.join(sorted(FUNCTIONS))}; "
                f"tables: {tables}",
            )
        if fname in ("count", "sum", "any", "all"):
            return self.aggregate(node, fname, scope)
        if fname == "occurrence":
            raise self.fail(
                node,
                "occurrence() can only be the whole value of a derived list-item field, "
                f"e.g. {OCCURRENCE_EXAMPLE}",
            )
        if node.keywords:
            raise self.fail(node, f"{fname}() takes no keyword arguments")
        args = node.args
        if fname == "date":
            if (
                len(args) != 1
                or not isinstance(args[0], ast.Constant)
                or not isinstance(args[0].value, str)
            ):
                raise self.fail(node, 'date() takes one literal, e.g. date("2025-07-15")')
            try:
                return Const(DATE, dt.date.fromisoformat(args[0].value))
            except ValueError as exc:
                raise self.fail(node, f"bad date {args[0].value!r}: use YYYY-MM-DD") from exc
        if fname in ("round", "floor", "ceil"):
            return self.rounded(node, fname, scope)
        if fname == "left":
            if (
                len(args) != 2
                or not isinstance(args[1], ast.Constant)
                or type(args[1].value) is not int
            ):
                raise self.fail(node, "left(text, n) takes a text and a whole number of characters")
            text = self.visit(args[0], scope)
            if not isinstance(text.type, Text):
                raise self.fail(node, f"left() needs text, got {text.type}")
            return Func(Text(), "left", (text, Const(Num(0), args[1].value)))
        if fname == "len":
            if len(args) != 1:
                raise self.fail(node, "len() takes one list")
            source = self.visit(args[0], scope)
            if not isinstance(source.type, List):
                raise self.fail(node, f"len() needs a list, got {source.type}")
            return Agg(INT, "len", None, (Loop("_", source, ()),))
        if fname in ("age", "years_between", "months_between", "days_between"):
            if len(args) != 2:
                raise self.fail(node, f"{fname}(from_date, to_date) takes two dates")
            dates = tuple(self.visit(a, scope) for a in args)
            for d, a in zip(dates, args, strict=True):
                if not isinstance(d.type, Date):
                    raise self.fail(a, f"{fname}() needs dates, got {d.type}")
            name = "years_between" if fname == "age" else fname
            return Func(INT, name, dates)
        if fname in ("min", "max", "abs", "clamp"):
            want = {"abs": 1, "clamp": 3}.get(fname)
            if (want is not None and len(args) != want) or (want is None and len(args) < 2):
                raise self.fail(node, f"{fname}() takes {want or 'two or more'} numbers")
            nums = tuple(self.num(a, scope) for a in args)
            scale = max(n.type.scale for n in nums if isinstance(n.type, Num))
            return Func(Num(scale), fname, nums)
        raise self.fail(node, f"{fname}() is not callable here")

    def rounded(self, node: ast.Call, fname: str, scope: Scope) -> Expr:
        args = node.args
        decimals = 0
        if fname == "round":
            if (
                len(args) != 2
                or not isinstance(args[1], ast.Constant)
                or type(args[1].value) is not int
            ):
                raise self.fail(node, "round(x, n) needs a whole number of decimals n")
            decimals = args[1].value
            if not 0 <= decimals <= 12:
                raise self.fail(node, "round() decimals must be 0 to 12")
        elif len(args) != 1:
            raise self.fail(node, f"{fname}(x) takes one number")
        target = args[0]
        den: Expr | None = None
        if isinstance(target, ast.BinOp) and isinstance(target.op, ast.Div):
            num = self.num(target.left, scope)
            den = self.num(target.right, scope)
        else:
            num = self.num(target, scope)
        mode = {"round": "half_up", "floor": "floor", "ceil": "ceil"}[fname]
        return Rounded(Num(decimals), mode, num, den, decimals)

    def aggregate(self, node: ast.Call, fname: str, scope: Scope) -> Expr:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp):
            raise self.fail(
                node, f"{fname}() takes a generator, e.g. {fname}(x for x in list if ...)"
            )
        gen = node.args[0]
        loops: list[Loop] = []
        inner = scope
        for comp in gen.generators:
            if not isinstance(comp.target, ast.Name) or comp.is_async:
                raise self.fail(comp.target, "loop variable must be a plain name")
            source = self.visit(comp.iter, inner)
            if not isinstance(source.type, List):
                raise self.fail(comp.iter, f"can only loop over a list, got {source.type}")
            inner = inner.child(comp.target.id, source.type.item)
            conds = tuple(self.boolean(c, inner) for c in comp.ifs)
            loops.append(Loop(comp.target.id, source, conds))
        elt = self.visit(gen.elt, inner)
        result: Type
        if fname == "count":
            result, elt_out = INT, None
        elif fname == "sum":
            if not isinstance(elt.type, Num):
                raise self.fail(gen.elt, f"sum() needs numbers, got {elt.type}")
            result, elt_out = elt.type, elt
        else:
            if not isinstance(elt.type, Bool):
                raise self.fail(gen.elt, f"{fname}() needs conditions, got {elt.type}")
            result, elt_out = BOOL, elt
        return Agg(result, fname, elt_out, tuple(loops))

    def occurrence(self, node: ast.Call, item: str, scope: Scope) -> Expr:
        """``occurrence(by=..., same=..., where=...)`` of ``item`` among its list's items."""
        if node.args:
            raise self.fail(
                node, f"occurrence() takes keyword arguments only, e.g. {OCCURRENCE_EXAMPLE}"
            )
        given: dict[str, ast.expr] = {}
        for kw in node.keywords:
            if kw.arg not in ("by", "same", "where"):
                raise self.fail(
                    kw.value, f"occurrence() takes by=, same= and where=, not {kw.arg}="
                )
            given[kw.arg] = kw.value
        if "by" not in given:
            raise self.fail(
                node, f"occurrence() needs by= (what orders the items), e.g. {OCCURRENCE_EXAMPLE}"
            )
        by = self.visit(given["by"], scope)
        if not isinstance(by.type, Num | Date):
            raise self.fail(
                given["by"], f"occurrence() by= needs a number or a date, got {by.type}"
            )
        same = None
        if "same" in given:
            same = self.visit(given["same"], scope)
            if isinstance(same.type, List | Record):
                raise self.fail(given["same"], f"occurrence() same= needs a value, got {same.type}")
        where = None if "where" not in given else self.boolean(given["where"], scope)
        return Occurrence(INT, item, by, same, where)

    def table_call(self, node: ast.Call, table: TableInfo, scope: Scope) -> Expr:
        keys = table.key_names()
        given: dict[str, Expr] = {}
        if len(node.args) > len(keys):
            raise self.fail(node, f"table {table.name} has {len(keys)} keys: {', '.join(keys)}")
        for key, arg in zip(keys, node.args, strict=False):
            given[key] = self.visit(arg, scope)
        column: str | None = None
        for kw in node.keywords:
            if kw.arg == "column":
                if not isinstance(kw.value, ast.Constant) or not isinstance(kw.value.value, str):
                    raise self.fail(kw.value, "column= must be a literal column name")
                column = kw.value.value
            elif kw.arg in keys:
                given[kw.arg] = self.visit(kw.value, scope)
            else:
                raise self.fail(
                    node, f"table {table.name} has no key {kw.arg!r}; keys: {', '.join(keys)}"
                )
        return lookup_node(table, given, column, scope, node)

    # helpers
    def num(self, node: ast.AST, scope: Scope) -> Expr:
        expr = self.visit(node, scope)
        if not isinstance(expr.type, Num):
            raise self.fail(node, f"expected a number, got {expr.type}")
        return expr

    def boolean(self, node: ast.AST, scope: Scope) -> Expr:
        expr = self.visit(node, scope)
        if not isinstance(expr.type, Bool):
            raise self.fail(node, f"expected a condition (true/false), got {expr.type}")
        return expr


def _scale(expr: Expr) -> int:
    return expr.type.scale if isinstance(expr.type, Num) else 0


def _merge_text(a: Text, b: Text) -> Text:
    if a.values is None or b.values is None:
        return Text()
    return Text(tuple(dict.fromkeys((*a.values, *b.values))))
