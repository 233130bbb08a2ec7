"""Compile typed manual expressions into NumPy column operations, exact like their closures.

The columns and their exact integer operations are in :mod:`rateshop.rating.columns`, table
lookups over them in :mod:`rateshop.rating.vlookup`; this module compiles expressions to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from rateshop.manual.expr import (
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
    Rounded,
)
from rateshop.manual.tables import Table
from rateshop.manual.types import Num, Text
from rateshop.money import POW10
from rateshop.rating.columns import (
    LIMIT as LIMIT,  # re-exported: the fused kernels read these
    Cat as Cat,
    Column as Column,
    Frame as Frame,
    MissingColumn as MissingColumn,
    VFn as VFn,
    as_cat,
    half_up_div,
    magnitude as magnitude,
    merge_cats,
    round_half_up_v,
    rows,
    safe_mul,
)
from rateshop.rating.keys import scale_of
from rateshop.rating.vlookup import VLookup


def _date_parts(d: Any) -> tuple[Any, Any, Any]:
    d = np.asarray(d, dtype="datetime64[D]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, days


def _years_between_march_1(a: Any, b: Any) -> Any:
    ya, ma, da = _date_parts(a)
    yb, mb, db = _date_parts(b)
    before = (mb < ma) | ((mb == ma) & (db < da))
    return yb - ya - before.astype(np.int64)


def _years_between(a: Any, b: Any) -> Any:
    # A 29 February birthday falls on 28 February in non-leap years (the scalar rule).
    ya, ma, da = _date_parts(a)
    yb, mb, db = _date_parts(b)
    leap = (yb % 4 == 0) & ((yb % 100 != 0) | (yb % 400 == 0))
    da = np.where((ma == 2) & (da == 29) & ~leap, 28, da)
    before = (mb < ma) | ((mb == ma) & (db < da))
    return yb - ya - before.astype(np.int64)


def _months_between(a: Any, b: Any) -> Any:
    ya, ma, da = _date_parts(a)
    yb, mb, db = _date_parts(b)
    return (yb - ya) * 12 + mb - ma - (db < da).astype(np.int64)


def _days_between(a: Any, b: Any) -> Any:
    return (np.asarray(b, dtype="datetime64[D]") - np.asarray(a, dtype="datetime64[D]")).astype(
        np.int64
    )


VDATE_FUNCS = {
    "years_between": _years_between,
    "months_between": _months_between,
    "days_between": _days_between,
}


class VCompiler:
    """Turns typed expressions into column functions over a :data:`Frame`."""

    def __init__(self, tables: dict[str, Table], leap_birthday: str = "february_28") -> None:
        self.tables = tables
        self.date_funcs = dict(VDATE_FUNCS)
        if leap_birthday == "march_1":
            self.date_funcs["years_between"] = _years_between_march_1
        self.cache: dict[tuple[str, int], Any] = {}  # grid positions per (lookup, frame) in a run
        self.missing: Any = None  # set by the executor: rows where a nested lookup found nothing

    def lookup(self, node: Lookup) -> VLookup:
        return VLookup(node, self.tables[node.table], self.compile, self.cache)

    def guarded(self, fn: VFn, f: Frame, reach: Any) -> Column:
        """Evaluate ``fn``; keep its failed rows only where ``reach`` (None = everywhere)."""
        outer, self.missing = self.missing, None
        try:
            value = fn(f)
        finally:
            inner, self.missing = self.missing, outer
        if inner is not None:
            if reach is not None:
                inner = inner & reach
            self.missing = inner if self.missing is None else (self.missing | inner)
        return value

    def compile(self, e: Expr) -> VFn:
        if isinstance(e, Const):
            value = np.datetime64(e.value, "D") if isinstance(e.value, dt.date) else e.value
            return lambda f: value
        if isinstance(e, Name):
            key = e.key

            def column(f: Frame) -> Column:
                try:
                    return f[key]
                except KeyError as exc:
                    raise MissingColumn(f"the batch has no column {key!r}") from exc

            return column
        if isinstance(e, Arith):
            s = scale_of(e)
            if e.op == "*":
                lf, rf = self.compile(e.left), self.compile(e.right)
                return lambda f: safe_mul(lf(f), rf(f))
            la, ra = self.aligned(e.left, s), self.aligned(e.right, s)
            if e.op == "+":
                return lambda f: la(f) + ra(f)
            return lambda f: la(f) - ra(f)
        if isinstance(e, Neg):
            g = self.compile(e.operand)
            return lambda f: -g(f)
        if isinstance(e, Compare):
            return self.compare(e)
        if isinstance(e, InSet):
            return self.in_set(e)
        if isinstance(e, Logic):
            fns = [self.compile(i) for i in e.items]
            is_and = e.op == "and"

            def logic(f: Frame) -> Column:
                # Later operands only count (for missing rows) where the scalar path would
                # reach them: after true operands for 'and', after false ones for 'or'.
                out = self.guarded(fns[0], f, None)
                reach = None
                for fn in fns[1:]:
                    live = out if is_and else np.logical_not(out)
                    reach = live if reach is None else (reach & live)
                    value = self.guarded(fn, f, reach)
                    out = np.logical_and(out, value) if is_and else np.logical_or(out, value)
                return out

            return logic
        if isinstance(e, Not):
            g = self.compile(e.operand)
            return lambda f: np.logical_not(g(f))
        if isinstance(e, IfElse):
            return self.if_else(e)
        if isinstance(e, Func):
            return self.func(e)
        if isinstance(e, Rounded):
            return self.rounded(e)
        if isinstance(e, Lookup):
            vl = self.lookup(e)

            def look(f: Frame) -> Column:
                n = rows(f)
                values, missing = vl(f, n)
                if missing.any():
                    self.missing = missing if self.missing is None else (self.missing | missing)
                return values

            return look
        raise TypeError(f"{type(e).__name__} cannot run column-wise")

    def aligned(self, e: Expr, scale: int) -> VFn:
        g = self.compile(e)
        if not isinstance(e.type, Num) or scale_of(e) == scale:
            return g
        m = POW10[scale - scale_of(e)]
        return lambda f: safe_mul(g(f), m)

    def compare(self, e: Compare) -> VFn:
        ops = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
               ">": np.greater, ">=": np.greater_equal}  # fmt: skip
        op = ops[e.op]
        if isinstance(e.left.type, Text):
            lf, rf = self.compile(e.left), self.compile(e.right)

            def text_cmp(f: Frame) -> Column:
                a, b = lf(f), rf(f)
                if not isinstance(a, Cat) and not isinstance(b, Cat):
                    return op(a, b)
                n = rows(f)
                ca, cb = merge_cats(as_cat(a, n), as_cat(b, n))
                return op(ca.codes, cb.codes)

            return text_cmp
        s = max(scale_of(e.left), scale_of(e.right))
        la, ra = self.aligned(e.left, s), self.aligned(e.right, s)
        return lambda f: op(la(f), ra(f))

    def in_set(self, e: InSet) -> VFn:
        g = self.compile(e.operand)
        options = list(e.options)
        negate = e.negate

        def member(f: Frame) -> Column:
            v = g(f)
            if isinstance(v, Cat):
                wanted = [v.code_of(str(o)) for o in options]
                out = np.isin(v.codes, [w for w in wanted if w >= 0])
            elif isinstance(v, np.ndarray):
                out = np.isin(v, options)
            else:
                return np.bool_((v in options) != negate)
            return ~out if negate else out

        return member

    def if_else(self, e: IfElse) -> VFn:
        c = self.compile(e.cond)
        if isinstance(e.type, Text):
            t, o = self.compile(e.then), self.compile(e.other)

            def pick_text(f: Frame) -> Column:
                n = rows(f)
                cond = c(f)
                ta = self.guarded(t, f, cond)
                ob = self.guarded(o, f, np.logical_not(cond))
                a, b = merge_cats(as_cat(ta, n), as_cat(ob, n))
                return Cat(np.where(cond, a.codes, b.codes).astype(np.int32), a.categories)

            return pick_text
        s = scale_of(e)
        t, o = self.aligned(e.then, s), self.aligned(e.other, s)

        def pick(f: Frame) -> Column:
            cond = c(f)
            a = self.guarded(t, f, cond)
            b = self.guarded(o, f, np.logical_not(cond))
            return np.where(cond, a, b)

        return pick

    def func(self, e: Func) -> VFn:
        if e.name in self.date_funcs:
            fn = self.date_funcs[e.name]
            a, b = (self.compile(x) for x in e.args)
            return lambda f: fn(a(f), b(f))
        if e.name == "left":
            text = self.compile(e.args[0])
            width = e.args[1].value if isinstance(e.args[1], Const) else 0

            def left(f: Frame) -> Column:
                v = text(f)
                if not isinstance(v, Cat):
                    return str(v)[:width]
                cut = [c[:width] for c in v.categories]
                cats = list(dict.fromkeys(cut))
                remap = np.array([cats.index(c) for c in cut], dtype=np.int32)
                return Cat(remap[v.codes], cats)

            return left
        s = scale_of(e)
        args = [self.aligned(x, s) for x in e.args]
        if e.name == "abs":
            return lambda f: np.abs(args[0](f))
        if e.name == "min":

            def vmin(f: Frame) -> Column:
                out = args[0](f)
                for a in args[1:]:
                    out = np.minimum(out, a(f))
                return out

            return vmin
        if e.name == "max":

            def vmax(f: Frame) -> Column:
                out = args[0](f)
                for a in args[1:]:
                    out = np.maximum(out, a(f))
                return out

            return vmax
        x, lo, hi = args
        return lambda f: np.minimum(np.maximum(x(f), lo(f)), hi(f))

    def rounded(self, e: Rounded) -> VFn:
        d = e.decimals
        num = self.compile(e.num)
        sn = scale_of(e.num)
        mode = e.mode
        if e.den is None:
            if mode == "half_up":
                return lambda f: round_half_up_v(num(f), sn, d)
            if d >= sn:
                m = POW10[d - sn]
                return lambda f: num(f) * m
            div = POW10[sn - d]
            if mode == "floor":
                return lambda f: num(f) // div
            return lambda f: -((-num(f)) // div)
        den = self.compile(e.den)
        up, down = POW10[scale_of(e.den) + d], POW10[sn]

        def divide(f: Frame) -> Column:
            dv = den(f) * down
            nv = num(f) * up
            neg = dv < 0
            nv = np.where(neg, -nv, nv)
            dv = np.where(neg, -dv, dv)
            zero = dv == 0
            if np.any(zero):
                self.missing = zero if self.missing is None else (self.missing | zero)
            dv = np.where(zero, 1, dv)
            if mode == "half_up":
                return half_up_div(nv, dv)
            if mode == "floor":
                return nv // dv
            return -((-nv) // dv)

        return divide
