"""Compile typed manual expressions into NumPy column operations, exact like the scalar path.

Columns: numbers are ``int64`` arrays holding scaled integers (or ``object`` arrays of Python ints
when a product could overflow), conditions are ``bool`` arrays, dates ``datetime64[D]``, and text
is a :class:`Cat` (integer codes into a list of categories), which keeps table lookups a gather.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

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
from rateshop.manual.types import Bool, Num, Text
from rateshop.money import POW10
from rateshop.rating.scalar import KeyConv, scale_of

IntArray = npt.NDArray[np.int64]
BIG = np.iinfo(np.int64).max


@dataclass
class Cat:
    """A text column: ``codes`` index into ``categories`` (-1 never appears)."""

    codes: npt.NDArray[np.int32]
    categories: list[str]

    @classmethod
    def encode(cls, values: Any) -> Cat:
        """Encode any sequence of strings."""
        arr = np.asarray(values, dtype=object).astype(str)
        cats, codes = np.unique(arr, return_inverse=True)
        return cls(codes.astype(np.int32), [str(c) for c in cats])

    def code_of(self, text: str) -> int:
        try:
            return self.categories.index(text)
        except ValueError:
            return -1

    def __len__(self) -> int:
        return len(self.codes)


Column = Any  # ndarray | Cat | a Python scalar broadcast over rows
Frame = dict[str, Column]
VFn = Callable[[Frame], Column]


class MissingColumn(KeyError):
    """A batch frame lacks a column a manual reads."""


def _as_cat(value: Column, n: int) -> Cat:
    if isinstance(value, Cat):
        return value
    return Cat(np.zeros(n, dtype=np.int32), [str(value)])


def _merge(a: Cat, b: Cat) -> tuple[Cat, Cat]:
    cats = list(dict.fromkeys([*a.categories, *b.categories]))
    index = {c: i for i, c in enumerate(cats)}
    ra = np.array([index[c] for c in a.categories], dtype=np.int32)
    rb = np.array([index[c] for c in b.categories], dtype=np.int32)
    return Cat(ra[a.codes], cats), Cat(rb[b.codes], cats)


def half_up_div(num: Any, den: Any) -> Any:
    """``num / den`` rounded half away from zero, element-wise and exact (``den`` > 0)."""
    sign = np.where(num < 0, -1, 1)
    return sign * ((2 * np.abs(num) + den) // (2 * den))


LIMIT = 2**62


def magnitude(value: Any) -> int:
    """The largest absolute value in a column (or of a scalar), as a Python int."""
    if isinstance(value, np.ndarray):
        return int(np.abs(value).max()) if value.size else 0
    return abs(int(value))


def is_exact_object(value: Any) -> bool:
    """Whether a column holds Python ints (object dtype) rather than int64."""
    return getattr(value, "dtype", None) is np.dtype(object)


def safe_mul(a: Any, b: Any) -> Any:
    """``a * b`` exactly: int64 while the product provably fits, Python ints beyond."""
    if is_exact_object(a) or is_exact_object(b):
        return a * b
    if magnitude(a) * magnitude(b) < LIMIT:
        return a * b
    return np.asarray(a).astype(object) * (
        np.asarray(b).astype(object) if isinstance(b, np.ndarray) else int(b)
    )


def round_half_up_v(
    value: Any, from_scale: int, to_scale: int, nonneg: bool = False, in_place: bool = False
) -> Any:
    """Column version of :func:`rateshop.money.round_half_up`; ``nonneg`` skips sign handling,
    ``in_place`` lets it overwrite ``value`` (an int64 array the caller owns)."""
    # 10 ** k, not POW10: a long chain of factors may carry more decimals than it holds
    if to_scale >= from_scale:
        return safe_mul(value, 10 ** (to_scale - from_scale))
    div = 10 ** (from_scale - to_scale)
    half = div // 2
    if nonneg:
        if in_place and isinstance(value, np.ndarray) and value.dtype == np.int64:
            np.add(value, half, out=value)
            np.floor_divide(value, div, out=value)
            return value
        return (value + half) // div
    sign = np.where(value < 0, -1, 1)
    return sign * ((np.abs(value) + half) // div)


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


def _padded(lut: IntArray, above: int) -> IntArray:
    """``lut`` with -1 before it (keys below the range) and ``above`` after it."""
    return np.concatenate(([-1], lut, [above])).astype(np.int64)


class VLookup:
    """A table lookup over columns: codes per dimension, then one gather (or interpolation).

    The grid positions depend only on the table and its key expressions, not on the column
    read, so lookups of one table by several components share them through ``cache``.
    """

    def __init__(
        self,
        node: Lookup,
        table: Table,
        compile_key: Callable[[Expr], VFn],
        cache: dict[tuple[str, int], Any] | None = None,
    ) -> None:
        self.table = table
        self.cache = {} if cache is None else cache
        self.signature = f"{table.name}|{node.keys!r}"
        self.luts: dict[int, tuple[int, IntArray] | None] = {}
        self.node = node
        self.column = node.column
        self.keys = [KeyConv(table, k, e) for k, e in node.keys]
        self.key_fns = [compile_key(e) for _, e in node.keys]
        values = table.grid[node.column]
        # rows landing on a cell the filing does not offer are declined, never defaulted: they
        # are told apart (one by one, they are rare) only when such cells exist
        self.may_refuse = bool(table.not_offered.get(node.column)) or (
            table.interp is not None and table.interp.own is not None
        )
        self.present = np.array([v is not None for v in values], dtype=bool)
        self.all_present = bool(self.present.all())
        self.values = np.array([0 if v is None else v for v in values], dtype=np.int64)
        self.strides = table.strides
        self.default = None if table.default is None else table.default[node.column]
        self.nonneg = (
            all(v >= 0 for v in values if v is not None)
            and (self.default or 0) >= 0
            and (table.interp is None or (table.interp.beyond_add or 0) >= 0)
        )
        self.max_abs = max(
            [abs(v) for v in values if v is not None] + [abs(self.default or 0)] + [0]
        )
        if table.interp is not None:
            # interpolation can exceed the table's rows only by the beyond rule; bound generously
            self.max_abs = (
                max(self.max_abs * 4, 10**6)
                * POW10[max(0, table.interp.decimals - table.scales[node.column])]
            )

    def codes_for(self, conv: KeyConv, value: Column, n: int) -> IntArray:
        dim = conv.dim
        assert dim is not None
        if isinstance(value, str):
            code = dim.text_code(value) if isinstance(dim.type, Num) else dim.codes.get(value, -1)
            return np.full(n, code, dtype=np.int64)
        if isinstance(value, Cat):
            lut = np.array(
                [dim.text_code(c) if conv.by_text or isinstance(dim.type, Num) else dim.codes.get(c, -1)
                 for c in value.categories] + [-1],
                dtype=np.int64,
            )  # fmt: skip
            return lut[value.codes]
        arr = np.broadcast_to(np.asarray(value), (n,))
        if conv.by_text:
            uniq, inv = np.unique(arr, return_inverse=True)
            lut = np.array([dim.text_code(str(int(u))) for u in uniq] + [-1], dtype=np.int64)
            return lut[inv]
        if isinstance(dim.type, Bool):
            lut = np.array([dim.codes.get(False, -1), dim.codes.get(True, -1)], dtype=np.int64)
            return lut[arr.astype(np.int64)]
        vals = self._convert(conv, arr)
        dense = self._dense(dim)
        if dense is not None and vals.dtype != object:
            # the padded table answers below (first cell) and above (last cell) the range too
            lo, padded = dense
            index = vals - (lo - 1)
            np.clip(index, 0, len(padded) - 1, out=index)
            codes: IntArray = padded[index]
            return codes
        if dim.match == "band":
            los = np.array(dim.los, dtype=np.int64)
            his = np.array([BIG if h is None else h for h in dim.his], dtype=np.int64)
            idx = np.searchsorted(los, vals, side="right") - 1
            safe = np.clip(idx, 0, len(los) - 1)
            ok = (idx >= 0) & (vals <= his[safe])
            return np.where(ok, idx, -1)
        keys = np.array(list(dim.codes.keys()), dtype=np.int64)
        codes = np.array(list(dim.codes.values()), dtype=np.int64)
        order = np.argsort(keys)
        keys, codes = keys[order], codes[order]
        idx = np.clip(np.searchsorted(keys, vals), 0, len(keys) - 1)
        return np.where(keys[idx] == vals, codes[idx], -1)

    def _dense(self, dim: Any) -> tuple[int, IntArray] | None:
        """A direct code array over a small numeric key range: the lowest key, and the codes
        from one below it (-1) to one above the highest (the open top band's code, or -1)."""
        key = id(dim)
        if key in self.luts:
            return self.luts[key]
        out: tuple[int, IntArray] | None = None
        if dim.match == "band" and dim.los:
            lo = dim.los[0]
            open_top = dim.his[-1] is None
            top = dim.los[-1] if open_top else dim.his[-1]
            if top - lo < 100_000:
                lut = np.full(top - lo + 1, -1, dtype=np.int64)
                for code, (b_lo, b_hi) in enumerate(zip(dim.los, dim.his, strict=True)):
                    lut[b_lo - lo : (top if b_hi is None else b_hi) - lo + 1] = code
                out = (lo, _padded(lut, len(dim.los) - 1 if open_top else -1))
        elif dim.match == "exact" and isinstance(dim.type, Num) and dim.codes:
            lo, top = min(dim.codes), max(dim.codes)
            if top - lo < 100_000:
                lut = np.full(top - lo + 1, -1, dtype=np.int64)
                for value, code in dim.codes.items():
                    lut[value - lo] = code
                out = (lo, _padded(lut, -1))
        self.luts[key] = out
        return out

    @staticmethod
    def _convert(conv: KeyConv, arr: Any) -> Any:
        if not conv.is_num:
            return arr
        if conv.down == 1:
            as_int = arr.astype(np.int64, copy=False)
            return as_int if conv.up == 1 else as_int * conv.up
        if conv.dim is not None and conv.dim.match == "band":
            return arr // conv.down
        q, r = np.divmod(arr, conv.down)
        return np.where(r == 0, q, np.iinfo(np.int64).min)

    def positions(self, frame: Frame, n: int) -> tuple[IntArray, Any, Any]:
        """Grid positions, rows with no match, and interpolation amounts (cached per frame)."""
        hit = self.cache.get((self.signature, id(frame)))
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        pos = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        dim_i = 0
        x = None
        for conv, fn in zip(self.keys, self.key_fns, strict=True):
            if conv.dim is None:
                x = self._convert(conv, np.broadcast_to(np.asarray(fn(frame)), (n,)))
                continue
            codes = self.codes_for(conv, fn(frame), n)
            missing |= codes < 0
            # rows with no match still need a valid position; they are masked as missing
            stride = self.strides[dim_i]
            pos += np.maximum(codes, 0) if stride == 1 else np.maximum(codes, 0) * stride
            dim_i += 1
        self.cache[(self.signature, id(frame))] = (pos, missing, x)
        return pos, missing, x

    def __call__(self, frame: Frame, n: int) -> tuple[Any, Any]:
        """Values and a mask of rows that found no row (and no default), or a refused cell."""
        pos, no_row, x = self.positions(frame, n)
        missing = no_row
        if x is None:
            out = self.values[pos]
            if not self.all_present:
                missing = missing | ~self.present[pos]
        elif self.table.interp is not None and self.table.interp.own is not None:
            out, miss = self._interpolate_irregular(pos, x, n)
            missing = missing | miss
        else:
            out, miss = self._interpolate(pos, x)
            missing = missing | miss
        if self.default is not None and missing.any():
            refused = self._refused(missing & ~no_row, pos, x, n)
            out = np.where(missing & ~refused, self.default, out)
            missing = refused
        return out, missing

    def _refused(self, rows: Any, pos: IntArray, x: Any, n: int) -> Any:
        """Which of ``rows`` landed on a cell the filing does not offer."""
        refused = np.zeros(n, dtype=bool)
        if self.may_refuse:
            for r in np.nonzero(rows)[0].tolist():
                at = None if x is None else int(np.broadcast_to(x, (n,))[r])
                refused[r] = not self.table.offers(self.column, int(pos[r]), at)
        return refused

    def _interpolate_irregular(self, base: IntArray, x: Any, n: int) -> tuple[Any, Any]:
        """Sub-tables with amounts of their own: each row interpolated on its own (exact)."""
        xs = np.broadcast_to(x, (n,))
        found = [
            self.table.interpolate(self.column, int(b), int(at))
            for b, at in zip(base.tolist(), xs.tolist(), strict=True)
        ]
        missing = np.array([v is None for v in found], dtype=bool)
        values = [0 if v is None else v for v in found]
        if any(abs(v) >= 2**62 for v in values):
            return np.array(values, dtype=object), missing
        return np.array(values, dtype=np.int64), missing

    def _interpolate(self, base: IntArray, x: Any) -> tuple[Any, Any]:
        ip = self.table.interp
        assert ip is not None
        xs = np.array(ip.xs, dtype=np.int64)
        sy = self.table.scales[self.column]
        d = ip.decimals
        n_x = len(xs)
        i = np.searchsorted(xs, x, side="right") - 1
        missing = i < 0
        i = np.clip(i, 0, n_x - 1)
        y0 = self.values[base + i]
        missing |= ~self.present[base + i]
        last = i == n_x - 1
        nxt = np.minimum(i + 1, n_x - 1)
        y1 = self.values[base + nxt]
        missing |= ~last & ~self.present[base + nxt]
        x0, x1 = xs[i], xs[nxt]
        dx = np.where(last, 1, x1 - x0)
        num = np.where(last, y0, y0 * dx + (x - x0) * (y1 - y0))
        if ip.beyond_every is not None and ip.beyond_add is not None:
            over = last & (x > xs[-1])
            beyond_num, beyond_den, top = ip.beyond(y0, np.where(over, x - xs[-1], 0), sy)
            res_main = _rescale_div_v(num, dx, sy, d)
            res_beyond = _rescale_div_v(
                np.where(over, beyond_num, 0), np.where(over, beyond_den, 1), top, d
            )
            return np.where(over, res_beyond, res_main), missing
        missing |= last & (x > xs[-1])
        return _rescale_div_v(num, dx, sy, d), missing


def _rescale_div_v(num: Any, den: Any, scale: int, decimals: int) -> Any:
    if decimals >= scale:
        return half_up_div(num * POW10[decimals - scale], den)
    return half_up_div(num, den * POW10[scale - decimals])


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
                n = _rows(f)
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
                n = _rows(f)
                ca, cb = _merge(_as_cat(a, n), _as_cat(b, n))
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
                n = _rows(f)
                cond = c(f)
                ta = self.guarded(t, f, cond)
                ob = self.guarded(o, f, np.logical_not(cond))
                a, b = _merge(_as_cat(ta, n), _as_cat(ob, n))
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


def _rows(f: Frame) -> int:
    return int(f["__rows__"])
