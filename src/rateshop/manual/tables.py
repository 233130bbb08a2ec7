"""Rating tables: factors or amounts keyed by one or more variables.

A key column matches in one of three ways:

* ``exact`` — categories, whole numbers or true/false (``single``, ``500``, ``yes``);
* ``band`` — inclusive numeric bands ``16-20``, an open top band ``75+``, or a single value ``64``;
  bands may not overlap or leave gaps;
* ``interpolate`` — amounts (``90000``, ``91000``): a value between two rows gets the straight line
  between them, rounded as the table says; past the last row an optional ``beyond`` rule applies.

Every other column holds values: one column for all components, or one per component (``BI``,
``PD`` …). Rows form a dense grid over the key dimensions; a table whose grid has holes must
declare a ``default`` or say ``sparse: true``.

This module holds a compiled table and how it answers; :mod:`rateshop.manual.table_build` builds
one from its rows, with :mod:`rateshop.manual.table_keys` building each key's axis.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rateshop.manual.types import Num, Type
from rateshop.money import POW10, div_half_up

MAX_GRID = 5_000_000
NOT_OFFERED = "not offered"  # a value cell saying the filing offers no price there
TRUE_WORDS = {"true": True, "yes": True, "y": True, "false": False, "no": False, "n": False}


@dataclass
class KeySpec:
    """A key column: its name, how it matches and what it is bound to by default."""

    name: str
    match: str  # exact | band | interpolate
    binding: str | None
    line: int
    # Plain words for the key in a worksheet ("driver age"); None: the key's name.
    label: str | None = None


@dataclass
class Dim:
    """One matched dimension of a table's grid (an exact or a band key)."""

    key: str
    match: str
    type: Type
    labels: list[str] = field(default_factory=list)
    codes: dict[Any, int] = field(default_factory=dict)  # exact: value -> code
    los: list[int] = field(default_factory=list)  # band: sorted lower bounds
    his: list[int | None] = field(default_factory=list)  # band: upper bounds (None = open)

    @property
    def scale(self) -> int:
        return self.type.scale if isinstance(self.type, Num) else 0

    def text_code(self, text: str) -> int:
        """The grid position of an exact key given as the cell's text, or -1."""
        try:
            return self.labels.index(text)
        except ValueError:
            return -1

    def code(self, value: Any) -> int:
        """The grid position of a key value, or -1 when no row matches."""
        if self.match == "exact":
            return self.codes.get(value, -1)
        i = bisect.bisect_right(self.los, value) - 1
        if i < 0:
            return -1
        hi = self.his[i]
        return i if hi is None or value <= hi else -1


@dataclass
class Interp:
    """The interpolated dimension: strictly increasing amounts and the rounding of results."""

    key: str
    scale: int
    xs: list[int]
    decimals: int
    beyond_every: int | None = None  # at the key's scale
    beyond_add: int | None = None  # at beyond_scale: the amount added, or the factor's step
    beyond_scale: int = 0
    # an irregular grid: each sub-table's own amounts (indices into xs), by its base position;
    # None when every sub-table lists the same amounts
    own: dict[int, tuple[int, ...]] | None = None
    beyond_kind: str = "add"  # add: y_last + n * add | factor: y_last * (1 + n * factor)
    beyond_steps: str = "pro_rata"  # n counts steps pro rata, whole steps, or steps begun

    def beyond(self, y_last: Any, dx: Any, y_scale: int) -> tuple[Any, Any, int]:
        """Past the last row by ``dx``: the value as ``num / den`` at a scale, before rounding.

        Works on ints and on NumPy columns alike (``dx`` >= 0 where it is used), so the single
        and the batch paths extrapolate by one formula.
        """
        every, step, s_step = self.beyond_every, self.beyond_add, self.beyond_scale
        assert every is not None
        assert step is not None
        # n = steps_num / steps_den past the last row
        if self.beyond_steps == "pro_rata":
            steps_num, steps_den = dx, every
        elif self.beyond_steps == "whole":
            steps_num, steps_den = dx // every, 1
        else:  # part: a step begun counts whole ("or part thereof")
            steps_num, steps_den = -((-dx) // every), 1
        if self.beyond_kind == "factor":
            # y_last * (den * 10**s + num * factor) / (den * 10**s), held at y_scale + s
            return (
                y_last * (steps_den * POW10[s_step] + steps_num * step),
                steps_den,
                y_scale + s_step,
            )
        top = max(y_scale, s_step)
        num = y_last * POW10[top - y_scale] * steps_den + steps_num * step * POW10[top - s_step]
        return num, steps_den, top


@dataclass
class Table:
    """A compiled rating table."""

    name: str
    file: str
    line: int
    keys: list[KeySpec]
    dims: list[Dim]
    interp: Interp | None
    columns: list[str]
    scales: dict[str, int]
    grid: dict[str, list[int | None]]  # column -> dense values (row-major over dims, interp last)
    strides: list[int]
    default: dict[str, int] | None
    sparse: bool
    row_lines: dict[tuple[int, ...], int]
    # grid positions whose cell says "not offered", by column; and the decline reason to give
    not_offered: dict[str, frozenset[int]] = field(default_factory=dict)
    not_offered_reason: str | None = None

    # --- the TableInfo protocol used by the expression checker
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    def key_type(self, key: str) -> Type:
        for d in self.dims:
            if d.key == key:
                return d.type
        assert self.interp is not None
        return Num(self.interp.scale)

    def value_columns(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def column_scale(self, column: str) -> int:
        if self.interp is not None:
            return self.interp.decimals
        return self.scales[column]

    def complete(self) -> bool:
        """Whether every key must find a row (no default, not sparse)."""
        return self.default is None and not self.sparse

    def key_is_exact(self, key: str) -> bool:
        dim = self.dim_for(key)
        return dim is not None and dim.match == "exact"

    def dim_for(self, key: str) -> Dim | None:
        """The exact or band dimension named ``key`` (None for the interpolated key)."""
        for d in self.dims:
            if d.key == key:
                return d
        return None

    def label(self, codes: Sequence[int]) -> str:
        """Human text for the matched row, e.g. ``age 16-20, marital single``."""
        return ", ".join(f"{d.key} {d.labels[c]}" for d, c in zip(self.dims, codes, strict=True))

    def row_at(self, pos: int) -> str:
        """Where the row at grid position ``pos`` is, in words: its keys and its file line."""
        codes = unflatten(pos, self.strides)
        keys = self.label(codes[: len(self.dims)]) or "the only row"
        line = self.row_lines.get(tuple(codes))
        return f"{keys} ({self.file}:{line})" if line is not None else keys

    def offers(self, column: str, pos: int, x: int | None) -> bool:
        """False when the filing offers no price where a risk landed: a cell written "not
        offered", or an amount a shorter sub-table of an irregular grid does not reach.

        ``pos`` is the grid position (for an interpolated table, its sub-table's first cell)
        and ``x`` the amount. True also where there is simply no row: that is not a refusal.
        """
        blocked = self.not_offered.get(column, frozenset())
        ip = self.interp
        if ip is None or x is None:
            return pos not in blocked
        held = tuple(range(len(ip.xs))) if ip.own is None else ip.own.get(pos, ())
        if not held:
            return True
        xs = [ip.xs[j] for j in held]
        if x < xs[0]:
            # below the table: no row; below a sub-table that starts later than others: refused
            return x < ip.xs[0] or held[0] == 0
        if x > xs[-1]:
            return held[-1] == len(ip.xs) - 1
        i = bisect.bisect_right(xs, x) - 1
        near = [held[i]] if x == xs[i] else [held[i], held[i + 1]]
        return not any(pos + j in blocked for j in near)

    def interpolate(self, column: str, base: int, x: int) -> int | None:
        """Interpolate ``column`` at amount ``x`` within the sub-grid starting at ``base``."""
        ip = self.interp
        assert ip is not None
        ys = self.grid[column]
        xs = ip.xs
        if ip.own is not None:
            # an irregular grid: this sub-table's own rows, past the table's last only if its
            # own last row is the table's last
            held = ip.own.get(base, ())
            if not held:
                return None
            last = held[-1] == len(xs) - 1
            ys = [ys[base + j] for j in held]
            xs = [xs[j] for j in held]
            if not last and x > xs[-1]:
                return None
            base = 0
        sy = self.scales[column]
        n = len(xs)
        i = bisect.bisect_right(xs, x) - 1
        if i < 0:
            return None
        y0 = ys[base + i]
        if y0 is None:
            return None
        if i == n - 1:
            if x == xs[-1]:
                return _rescale_div(y0, 1, sy, ip.decimals)
            if ip.beyond_every is None or ip.beyond_add is None:
                return None
            # exact, then rounded once
            num, den, scale = ip.beyond(y0, x - xs[-1], sy)
            return _rescale_div(num, den, scale, ip.decimals)
        y1 = ys[base + i + 1]
        if y1 is None:
            return None
        x0, x1 = xs[i], xs[i + 1]
        num = y0 * (x1 - x0) + (x - x0) * (y1 - y0)
        return _rescale_div(num, x1 - x0, sy, ip.decimals)


def _rescale_div(num: int, den: int, scale: int, decimals: int) -> int:
    """``num / den`` held at ``scale``, rounded half-up to ``decimals``."""
    if decimals >= scale:
        return div_half_up(num * POW10[decimals - scale], den)
    return div_half_up(num, den * POW10[scale - decimals])


def parse_bool(text: str) -> bool | None:
    """Read a true/false cell; None if it is not one."""
    return TRUE_WORDS.get(text.strip().lower())


def unflatten(pos: int, strides: list[int]) -> list[int]:
    """The codes on each axis of flat grid position ``pos``."""
    out = []
    for s in strides:
        out.append(pos // s)
        pos %= s
    return out
