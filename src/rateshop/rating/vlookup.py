"""Table lookups over columns: each key matched for every row, then one gather.

Exact like the single path: the keys are matched by the same :class:`~rateshop.rating.keys.KeyConv`
rules, interpolation and extrapolation use the table's own formulas, and rows the filing does not
offer are told apart from rows that found nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rateshop.manual.expr import Expr, Lookup
from rateshop.manual.tables import Table
from rateshop.money import POW10
from rateshop.rating.columns import Frame, IntArray, VFn, half_up_div
from rateshop.rating.keys import KeyConv


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
                x = conv.convert_column(np.broadcast_to(np.asarray(fn(frame)), (n,)))
                continue
            codes = conv.codes(fn(frame), n)
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
