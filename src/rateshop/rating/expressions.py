"""Compile typed manual expressions into Python closures over exact scaled integers.

Two kinds of environment exist: *nested* (the validated risk as dicts and lists, used by derived
variables, eligibility and assignment ranks) and *flat* (one dict per rating unit keyed by dotted
paths such as ``driver.age``, used by the rating steps). The same typed tree compiles to either.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

from rateshop.errors import FieldProblem, Ineligible, RiskError
from rateshop.manual.expr import (
    Agg,
    Arith,
    Compare,
    Const,
    Expr,
    Func,
    IfElse,
    InSet,
    Logic,
    Lookup,
    Name,
    Neg,
    Not,
    Occurrence,
    Rounded,
)
from rateshop.manual.tables import Table
from rateshop.manual.types import Num
from rateshop.money import POW10, quotient, round_half_up
from rateshop.rating.emit import Source, literal
from rateshop.rating.keys import (
    KeyConv as KeyConv,  # re-exported: how lookups match keys
    scale_of as scale_of,
)

Env = dict[str, Any]
Fn = Callable[[Env], Any]


def years_between(a: dt.date, b: dt.date) -> int:
    """Whole years from ``a`` to ``b`` (an age on a birthday counts the new year).

    Someone born on 29 February has their birthday on 28 February in other years: the common
    convention (see :func:`years_between_march_1` for the other).
    """
    month, day = a.month, a.day
    if month == 2 and day == 29 and not calendar.isleap(b.year):
        day = 28
    return b.year - a.year - ((b.month, b.day) < (month, day))


def years_between_march_1(a: dt.date, b: dt.date) -> int:
    """Whole years from ``a`` to ``b``, a 29 February birthday falling on 1 March in other years."""
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a`` to ``b``."""
    return (b.year - a.year) * 12 + b.month - a.month - (b.day < a.day)


def days_between(a: dt.date, b: dt.date) -> int:
    """Days from ``a`` to ``b``."""
    return (b - a).days


DATE_FUNCS: dict[str, Callable[[dt.date, dt.date], int]] = {
    "years_between": years_between,
    "months_between": months_between,
    "days_between": days_between,
}


# The kinds of key value an interpolated lookup's values are remembered for, and how many.
_PLAIN_KEYS = frozenset({int, str})
_MEMO_LIMIT = 1024


class NoMatch(RiskError):
    """A table has no row for the values a risk gave it (and declares no default)."""


class LookupFn:
    """A compiled table lookup: value only, or value with the matched row for a worksheet."""

    def __init__(self, node: Lookup, table: Table, compile_key: Callable[[Expr], Fn]) -> None:
        self.table = table
        self.column = node.column
        self.keys = [KeyConv(table, k, e) for k, e in node.keys]
        self.key_fns = [compile_key(e) for _, e in node.keys]
        self.values = table.grid[node.column]
        self.default = None if table.default is None else table.default[node.column]
        self.interp_index = next((i for i, k in enumerate(self.keys) if k.dim is None), None)
        self.dim_keys = [k for k in self.keys if k.dim is not None]
        self.dim_fns = [
            f for k, f in zip(self.keys, self.key_fns, strict=True) if k.dim is not None
        ]
        self.simple = self.interp_index is None
        # Each key's function, converter and stride (None: the interpolated key), for ``locate``.
        strides = iter(table.strides)
        self._located = [
            (f, k, None if k.dim is None else next(strides))
            for k, f in zip(self.keys, self.key_fns, strict=True)
        ]
        self.signature = f"{table.name}|{node.keys!r}"
        self.component: str | None = None  # the component whose step reads it, for messages
        self._fast_position: Callable[..., int] | None = None  # see generate_position
        self._interpolated: dict[tuple[Any, ...], int] = {}  # values worked out, by key values

    def locate(self, env: Env) -> tuple[int, Any, tuple[Any, ...]]:
        """Grid position (-1: no row), interpolation amount and the raw key values."""
        raw = tuple([fn(env) for fn, _, _ in self._located])
        pos, x = self._position(raw)
        return pos, x, raw

    def _position(self, raw: tuple[Any, ...]) -> tuple[int, Any]:
        pos = 0
        x = None
        for (_, conv, stride), value in zip(self._located, raw, strict=True):
            if stride is None:
                x = conv.convert(value)
                continue
            code = conv.code(value)
            if code < 0:
                pos = -1
                break
            pos += code * stride
        return pos, x

    def generate_position(self) -> None:
        """Generate, for :meth:`value_of`, the function of the key values giving the grid
        position (-1: no row) as ``_position`` finds it, for a lookup without an interpolated
        key. Done when the plan is compiled: generated code is parsed then, never while rating
        (``ast.parse`` is not safe in several threads at once in this Python)."""
        if self.simple:
            self._fast_position = self._position_code()

    def _position_code(self) -> Callable[..., int]:
        src = Source(f"lookup {self.signature} #{id(self):x}")
        names = [src.fresh("k") for _ in self.keys]
        pos, code = src.local("pos"), src.local("code")
        src.line(f"def position({', '.join(names)}):")
        src.indent()
        src.line(f"{pos} = 0")
        for (_, conv, stride), name in zip(self._located, names, strict=True):
            src.line(f"{code} = {conv.emit(src, name)}")
            src.line(f"if {code} < 0:")
            src.line("    return -1")
            src.line(f"{pos} += {code} * {literal(stride)}")
        src.line(f"return {pos}")
        fn: Callable[..., int] = src.function("position")
        return fn

    def value_of(self, raw: tuple[Any, ...]) -> int:
        """The value for the key values ``raw`` (computed by the caller, in the keys' order):
        what calling the lookup gives, the same declines and problems included."""
        position = self._fast_position
        if position is not None:
            pos, x = position(*raw), None
            if pos >= 0:
                found = self.values[pos]
                if found is not None:
                    return found
            return self._value(pos, x, None, raw)
        # Interpolating costs more than remembering: each value is kept for its key values
        # (while few), when they are plain numbers or text (so 1, 1.0 and True never meet).
        memo = self._interpolated
        plain = _PLAIN_KEYS.issuperset(map(type, raw))
        if plain:
            found = memo.get(raw)
            if found is not None:
                return found
        pos, x = self._position(raw)
        value = self._value(pos, x, None, raw)
        if plain and len(memo) < _MEMO_LIMIT:
            memo[raw] = value
        return value

    def value_at(self, env: Env, pos: int, x: Any) -> int:
        return self._value(pos, x, env, None)

    def _value(self, pos: int, x: Any, env: Env | None, raw: tuple[Any, ...] | None) -> int:
        """The value at a grid position, or the default, the decline or the problem; the key
        values, for the messages, are ``raw`` or read again from ``env``."""
        value: int | None = None
        if pos >= 0:
            if self.simple:
                value = self.values[pos]
            elif x is not None:
                value = self.table.interpolate(self.column, pos, x)
        if value is None:
            if pos >= 0 and not self.table.offers(self.column, pos, x):
                raise self._refused(self._raw(env) if raw is None else raw)
            if self.default is not None:
                return self.default
            if pos >= 0 and self.simple:
                raise self.empty_cell(pos)
            raise self._no_match(self._raw(env) if raw is None else raw)
        return value

    def _raw(self, env: Env | None) -> tuple[Any, ...]:
        """The key values read from ``env`` again (for a message)."""
        assert env is not None
        return tuple(fn(env) for fn in self.key_fns)

    def __call__(self, env: Env) -> int:
        pos, x, _ = self.locate(env)
        return self.value_at(env, pos, x)

    def describe(self, raw: tuple[Any, ...], defaulted: bool) -> str:
        """Human text for the keys a lookup used, with the band each fell in."""
        parts = []
        for conv, value in zip(self.keys, raw, strict=True):
            shown = _show(value, conv.expr)
            label = shown
            if conv.dim is not None:
                code = conv.code(value)
                label = conv.dim.labels[code] if code >= 0 else "?"
            if conv.label is not None:
                # the manual's words: "driver age 41 (40-49)"; no band shown when none matched
                band = "" if label in (shown, "?") else f" ({label})"
                parts.append(f"{conv.label} {shown}{band}")
            else:
                parts.append(
                    f"{conv.key}={shown}" if label == shown else f"{conv.key}={shown} [{label}]"
                )
        text = ", ".join(parts)
        return f"{text} (default)" if defaulted else text

    def refused(self, env: Env) -> Ineligible:
        """The risk landed on a cell the filing does not offer: a decline, with its reason."""
        return self._refused(self._raw(env))

    def _refused(self, raw: tuple[Any, ...]) -> Ineligible:
        reason = self.table.not_offered_reason
        if reason is None:
            given = ", ".join(
                f"{conv.key} {_show(value, conv.expr)}"
                for conv, value in zip(self.keys, raw, strict=True)
            )
            reason = f"not offered: {self.table.name} for {given}"
        return Ineligible([reason])

    def empty_cell(self, pos: int) -> NoMatch:
        """The row exists but this column's cell is empty: say which table, row, column, component."""
        for_whom = "" if self.component is None else f" for component {self.component}"
        return NoMatch(
            [
                FieldProblem(
                    self._field(),
                    f"table {self.table.name}, row {self.table.row_at(pos)}: the {self.column} "
                    f"cell is empty, so there is no factor{for_whom}",
                    None,
                )
            ]
        )

    def _field(self) -> str:
        return ", ".join(c.expr.key if isinstance(c.expr, Name) else c.key for c in self.keys)

    def no_match(self, env: Env) -> NoMatch:
        return self._no_match(self._raw(env))

    def _no_match(self, raw: tuple[Any, ...]) -> NoMatch:
        given = []
        allowed = []
        for conv, value in zip(self.keys, raw, strict=True):
            given.append(f"{conv.key}={_show(value, conv.expr)}")
            if conv.dim is not None:
                allowed.append(f"{conv.key}: {', '.join(conv.dim.labels)}")
            elif self.table.interp is not None:
                xs = self.table.interp.xs
                allowed.append(f"{conv.key}: from {xs[0]}")
        for_whom = "" if self.component is None else f" (component {self.component})"
        return NoMatch(
            [
                FieldProblem(
                    self._field(),
                    f"table {self.table.name} has no row for {', '.join(given)}{for_whom}",
                    "; ".join(allowed),
                )
            ]
        )


def _show(value: Any, expr: Expr) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(expr.type, Num) and isinstance(value, int):
        s = scale_of(expr)
        return (
            str(value)
            if s == 0
            else f"{value / POW10[s]:.{s}f}"
            if abs(value) < 2**52
            else str(value)
        )
    return str(value)


class Compiler:
    """Turns typed expressions into closures; ``flat`` picks the environment shape."""

    def __init__(
        self, tables: dict[str, Table], flat: bool, leap_birthday: str = "february_28"
    ) -> None:
        self.tables = tables
        self.flat = flat
        self.date_funcs = dict(DATE_FUNCS)
        if leap_birthday == "march_1":
            self.date_funcs["years_between"] = years_between_march_1

    def lookup(self, node: Lookup) -> LookupFn:
        return LookupFn(node, self.tables[node.table], self.compile)

    def compile(self, e: Expr) -> Fn:
        if isinstance(e, Const):
            value = e.value
            return lambda env: value
        if isinstance(e, Name):
            return self.name(e)
        if isinstance(e, Arith):
            return self.arith(e)
        if isinstance(e, Neg):
            f = self.compile(e.operand)
            return lambda env: -f(env)
        if isinstance(e, Compare):
            return self.compare(e)
        if isinstance(e, InSet):
            f = self.compile(e.operand)
            options = frozenset(e.options)
            if e.negate:
                return lambda env: f(env) not in options
            return lambda env: f(env) in options
        if isinstance(e, Logic):
            fns = [self.compile(i) for i in e.items]
            if e.op == "and":
                return lambda env: all(fn(env) for fn in fns)
            return lambda env: any(fn(env) for fn in fns)
        if isinstance(e, Not):
            f = self.compile(e.operand)
            return lambda env: not f(env)
        if isinstance(e, IfElse):
            c = self.compile(e.cond)
            t = self.aligned(e.then, scale_of(e))
            o = self.aligned(e.other, scale_of(e))
            return lambda env: t(env) if c(env) else o(env)
        if isinstance(e, Func):
            return self.func(e)
        if isinstance(e, Rounded):
            return self.rounded(e)
        if isinstance(e, Agg):
            return self.agg(e)
        if isinstance(e, Lookup):
            return self.lookup(e)
        if isinstance(e, Occurrence):
            raise TypeError(
                "occurrence() is computed for a whole list; compile it with occurrences()"
            )
        raise TypeError(f"cannot compile {type(e).__name__}")

    def aligned(self, e: Expr, scale: int) -> Fn:
        """Compile a numeric expression brought to ``scale`` (other types unchanged)."""
        f = self.compile(e)
        if not isinstance(e.type, Num) or scale_of(e) == scale:
            return f
        m = POW10[scale - scale_of(e)]
        return lambda env: f(env) * m

    def name(self, e: Name) -> Fn:
        if self.flat:
            key = e.key
            return lambda env: env[key]
        path = e.path
        if len(path) == 1:
            a = path[0]
            return lambda env: env[a]
        if len(path) == 2:
            a, b = path
            return lambda env: env[a][b]

        def walk(env: Env) -> Any:
            value: Any = env
            for p in path:
                value = value[p]
            return value

        return walk

    def arith(self, e: Arith) -> Fn:
        if e.op == "*":
            lf, rf = self.compile(e.left), self.compile(e.right)
            return lambda env: lf(env) * rf(env)
        s = scale_of(e)
        lf, rf = self.aligned(e.left, s), self.aligned(e.right, s)
        if e.op == "+":
            return lambda env: lf(env) + rf(env)
        return lambda env: lf(env) - rf(env)

    def compare(self, e: Compare) -> Fn:
        s = max(scale_of(e.left), scale_of(e.right))
        lf, rf = self.aligned(e.left, s), self.aligned(e.right, s)
        op = e.op
        if op == "==":
            return lambda env: lf(env) == rf(env)
        if op == "!=":
            return lambda env: lf(env) != rf(env)
        if op == "<":
            return lambda env: lf(env) < rf(env)
        if op == "<=":
            return lambda env: lf(env) <= rf(env)
        if op == ">":
            return lambda env: lf(env) > rf(env)
        return lambda env: lf(env) >= rf(env)

    def func(self, e: Func) -> Fn:
        if e.name in self.date_funcs:
            fn = self.date_funcs[e.name]
            a, b = (self.compile(x) for x in e.args)
            return lambda env: fn(a(env), b(env))
        if e.name == "left":
            text = self.compile(e.args[0])
            n = e.args[1].value if isinstance(e.args[1], Const) else 0
            return lambda env: text(env)[:n]
        s = scale_of(e)
        args = [self.aligned(x, s) for x in e.args]
        if e.name == "abs":
            (a,) = args
            return lambda env: abs(a(env))
        if e.name == "min":
            return lambda env: min(f(env) for f in args)
        if e.name == "max":
            return lambda env: max(f(env) for f in args)
        x, lo, hi = args
        return lambda env: min(max(x(env), lo(env)), hi(env))

    def rounded(self, e: Rounded) -> Fn:
        d = e.decimals
        mode = e.mode
        num = self.compile(e.num)
        sn = scale_of(e.num)
        if e.den is None:
            if mode == "half_up":
                return lambda env: round_half_up(num(env), sn, d)
            if d >= sn:
                m = POW10[d - sn]
                return lambda env: num(env) * m
            div = POW10[sn - d]
            if mode == "floor":
                return lambda env: num(env) // div
            return lambda env: -((-num(env)) // div)
        den = self.compile(e.den)
        sd = scale_of(e.den)
        up, down = POW10[sd + d], POW10[sn]
        text = "division"

        def divide(env: Env) -> int:
            dv: int = den(env) * down
            if dv == 0:
                raise RiskError([FieldProblem(text, "division by zero", None)])
            return quotient(dv, num(env) * up, mode)

        return divide

    def agg(self, e: Agg) -> Fn:
        if self.flat:
            raise TypeError("aggregations only run on the nested risk")
        if e.kind == "len":
            src = self.compile(e.loops[0].source)
            return lambda env: len(src(env))
        loops = [
            (lp.var, self.compile(lp.source), [self.compile(c) for c in lp.conds]) for lp in e.loops
        ]
        elt = None if e.elt is None else self.compile(e.elt)

        def items(env: Env, depth: int = 0) -> Any:
            # One environment per loop level, its variable rebound item by item: every consumer
            # reads a yielded environment before asking for the next one.
            var, src, conds = loops[depth]
            inner = dict(env)
            last = depth + 1 == len(loops)
            for item in src(env):
                inner[var] = item
                if all(c(inner) for c in conds):
                    if last:
                        yield inner
                    else:
                        yield from items(inner, depth + 1)

        kind = e.kind
        if kind == "count":
            return lambda env: sum(1 for _ in items(env))
        assert elt is not None
        if kind == "sum":
            return lambda env: sum(elt(i) for i in items(env))
        if kind == "any":
            return lambda env: any(elt(i) for i in items(env))
        return lambda env: all(elt(i) for i in items(env))
