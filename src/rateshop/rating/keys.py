"""How a key value finds its row in one dimension of a table: one matcher, three renderings.

A lookup's key reaches a table dimension by the same rule wherever a risk is rated: a number is
brought to the dimension's scale (a band's bounds are whole at it; an exact key that would need
decimals it lacks matches nothing), an exact key whose binding and cells differ in kind matches
on the cell's text, and the position is the row's code (-1: no row). :class:`KeyConv` decides
that once per key and renders it three ways, side by side so they cannot drift apart:

* :meth:`KeyConv.code` for one value (worksheet keys, lookups that are not generated inline);
* :meth:`KeyConv.emit` as code for the generated single-risk path;
* :meth:`KeyConv.codes` for a column of a book (NumPy, imported only when a book is rated).
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from rateshop.manual.expr import Expr
from rateshop.manual.tables import Dim, Table
from rateshop.manual.types import Bool, Num
from rateshop.money import POW10
from rateshop.rating.emit import Source, literal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]

# Numeric key ranges up to this wide are matched in a book through a direct table of codes.
_DENSE_SPAN = 100_000


def scale_of(expr: Expr) -> int:
    """The static scale of a numeric expression (0 for anything else)."""
    return expr.type.scale if isinstance(expr.type, Num) else 0


class KeyConv:
    """How one key value reaches a table dimension: rescale, then find its grid position."""

    def __init__(self, table: Table, key: str, expr: Expr) -> None:
        self.key = key
        # the manual's words for the key in a worksheet, when it gives them
        self.label = next((k.label for k in table.keys if k.name == key), None)
        self.expr = expr
        self.dim: Dim | None = table.dim_for(key)
        target = (
            self.dim.scale if self.dim is not None else (table.interp.scale if table.interp else 0)
        )
        source = scale_of(expr)
        self.up = POW10[max(0, target - source)]
        self.down = POW10[max(0, source - target)]
        self.is_num = isinstance(expr.type, Num)
        # An exact key whose cells and binding differ in kind matches on the cell's text.
        self.by_text = (
            self.dim is not None
            and self.dim.match == "exact"
            and isinstance(self.dim.type, Num) != self.is_num
        )
        # text -> the first row with that text (as Dim.text_code finds it)
        self.text_codes: dict[str, int] = (
            {label: i for i, label in reversed(list(enumerate(self.dim.labels)))}
            if self.dim is not None
            else {}
        )
        self._dense: tuple[int, IntArray] | bool | None = False  # False: not worked out yet

    # ------------------------------------------------------------------ one value

    def convert(self, value: Any) -> Any:
        """The key value at the table's scale, or None when it cannot equal any row."""
        if self.by_text:
            return str(value)
        if not self.is_num:
            return value
        if self.down == 1:
            return value * self.up
        if self.dim is not None and self.dim.match == "band":
            return value // self.down  # a band's bounds are whole at its own scale
        q, r = divmod(value, self.down)
        return None if r else q

    def code(self, value: Any) -> int:
        """The grid position of ``value`` in the key's dimension, or -1 when no row matches."""
        dim = self.dim
        assert dim is not None
        if self.by_text:
            return self.text_codes.get(str(value), -1)
        converted = self.convert(value)
        return -1 if converted is None else dim.code(converted)

    # ------------------------------------------------------------------ generated code

    def emit(self, src: Source, value: str) -> str:
        """Code for the grid position of the key value held in ``value`` (-1: no row)."""
        dim = self.dim
        assert dim is not None
        if self.by_text:
            return f"{src.bind(self.text_codes, 'T')}.get(str({value}), -1)"
        if self.is_num:
            if self.down == 1:
                if self.up != 1:
                    value = f"{value} * {literal(self.up)}"
            elif dim.match == "band":
                value = f"{value} // {literal(self.down)}"
            else:
                codes = src.bind(dim.codes, "C")
                down = literal(self.down)
                return f"{codes}.get({value} // {down}, -1) if {value} % {down} == 0 else -1"
        if dim.match == "exact":
            return f"{src.bind(dim.codes, 'C')}.get({value}, -1)"
        contiguous = all(
            hi is not None and lo == hi + 1 for hi, lo in zip(dim.his, dim.los[1:], strict=False)
        )
        if not contiguous or not self.is_num:
            return f"{src.bind(dim.code, 'D')}({value})"
        # Bands without gaps: below the first band is -1 from bisect; only the top may be shut.
        found = f"{src.bind(bisect.bisect_right, 'bisect')}({src.bind(dim.los, 'LO')}, {value}) - 1"
        top = dim.his[-1]
        if top is None:
            return found
        return f"{found} if {value} <= {literal(top)} else -1"

    # ------------------------------------------------------------------ columns

    def codes(self, value: Any, n: int) -> IntArray:
        """The grid position of each of ``n`` rows' key values (a column, a category column or
        one value for every row), -1 where no row matches."""
        import numpy as np  # only a book's rating needs NumPy

        from rateshop.rating.columns import Cat

        dim = self.dim
        assert dim is not None
        if isinstance(value, str):
            code = dim.text_code(value) if isinstance(dim.type, Num) else dim.codes.get(value, -1)
            return np.full(n, code, dtype=np.int64)
        if isinstance(value, Cat):
            lut = np.array(
                [dim.text_code(c) if self.by_text or isinstance(dim.type, Num) else dim.codes.get(c, -1)
                 for c in value.categories] + [-1],
                dtype=np.int64,
            )  # fmt: skip
            return lut[value.codes]
        arr = np.broadcast_to(np.asarray(value), (n,))
        if self.by_text:
            uniq, inv = np.unique(arr, return_inverse=True)
            lut = np.array([dim.text_code(str(int(u))) for u in uniq] + [-1], dtype=np.int64)
            return lut[inv]
        if isinstance(dim.type, Bool):
            lut = np.array([dim.codes.get(False, -1), dim.codes.get(True, -1)], dtype=np.int64)
            return lut[arr.astype(np.int64)]
        vals = self.convert_column(arr)
        dense = self.dense()
        if dense is not None and vals.dtype != object:
            # the padded table answers below (first cell) and above (last cell) the range too
            lo, padded = dense
            index = vals - (lo - 1)
            np.clip(index, 0, len(padded) - 1, out=index)
            codes: IntArray = padded[index]
            return codes
        if dim.match == "band":
            big = np.iinfo(np.int64).max
            los = np.array(dim.los, dtype=np.int64)
            his = np.array([big if h is None else h for h in dim.his], dtype=np.int64)
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

    def convert_column(self, arr: Any) -> Any:
        """:meth:`convert` for a column (a value that cannot match any row: int64's least)."""
        import numpy as np

        if not self.is_num:
            return arr
        if self.down == 1:
            as_int = arr.astype(np.int64, copy=False)
            return as_int if self.up == 1 else as_int * self.up
        if self.dim is not None and self.dim.match == "band":
            return arr // self.down
        q, r = np.divmod(arr, self.down)
        return np.where(r == 0, q, np.iinfo(np.int64).min)

    def dense(self) -> tuple[int, IntArray] | None:
        """A direct code array over a small numeric key range: the lowest key, and the codes
        from one below it (-1) to one above the highest (the open top band's code, or -1)."""
        if self._dense is not False:
            return self._dense  # type: ignore[return-value]
        import numpy as np

        dim = self.dim
        out: tuple[int, IntArray] | None = None
        if dim is not None and dim.match == "band" and dim.los:
            lo = dim.los[0]
            open_top = dim.his[-1] is None
            top = dim.los[-1] if open_top else dim.his[-1]
            assert top is not None
            if top - lo < _DENSE_SPAN:
                lut = np.full(top - lo + 1, -1, dtype=np.int64)
                for code, (b_lo, b_hi) in enumerate(zip(dim.los, dim.his, strict=True)):
                    lut[b_lo - lo : (top if b_hi is None else b_hi) - lo + 1] = code
                out = (lo, _padded(lut, len(dim.los) - 1 if open_top else -1))
        elif dim is not None and dim.match == "exact" and isinstance(dim.type, Num) and dim.codes:
            lo, top = min(dim.codes), max(dim.codes)
            if top - lo < _DENSE_SPAN:
                lut = np.full(top - lo + 1, -1, dtype=np.int64)
                for value, code in dim.codes.items():
                    lut[value - lo] = code
                out = (lo, _padded(lut, -1))
        self._dense = out
        return out


def _padded(lut: IntArray, above: int) -> IntArray:
    """``lut`` with -1 before it (keys below the range) and ``above`` after it."""
    import numpy as np

    return np.concatenate(([-1], lut, [above])).astype(np.int64)
