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
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rateshop.errors import Problem
from rateshop.manual.numbers import read_scaled
from rateshop.manual.source import CsvRow
from rateshop.manual.types import BOOL, Bool, Num, Text, Type
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
        codes = _unflatten(pos, self.strides)
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


def _parse_band(text: str) -> tuple[int, int | None, int] | None:
    """``16-20`` -> (16, 20, scale); ``75+`` -> (75, None, scale); ``64`` -> (64, 64, scale)."""
    t = text.strip()
    try:
        if t.endswith("+"):
            lo, scale = read_scaled(t[:-1])
            return lo, None, scale
        if "-" in t[1:]:
            cut = t.index("-", 1)
            lo, s1 = read_scaled(t[:cut])
            hi, s2 = read_scaled(t[cut + 1 :])
            scale = max(s1, s2)
            return lo * POW10[scale - s1], hi * POW10[scale - s2], scale
        value, scale = read_scaled(t)
        return value, value, scale
    except ValueError:
        return None


def build_table(
    name: str,
    file: str,
    line: int,
    keys: list[KeySpec],
    header: list[str],
    rows: list[CsvRow],
    *,
    decimals: int | None,
    beyond: tuple[str, str, str, str] | None,
    default: str | None,
    sparse: bool,
    manifest: str | None = None,
    not_offered_reason: str | None = None,
) -> tuple[Table | None, list[Problem]]:
    """Compile table rows into a grid, reporting every mistake with its file and row line.

    Problems with a row are reported at the row's line of ``file``; problems with the table as
    a whole at its line ``line`` of the ``manifest`` that declares it.
    """
    problems: list[Problem] = []

    def bad(row_line: int | None, reason: str) -> None:
        problems.append(Problem(file, row_line, f"table {name}: {reason}"))

    def bad_spec(spec_line: int, reason: str) -> None:
        problems.append(Problem(manifest or file, spec_line, f"table {name}: {reason}"))

    key_names = [k.name for k in keys]
    for k in keys:
        if k.name not in header:
            bad_spec(k.line, f"key column {k.name!r} is missing; columns are {', '.join(header)}")
    value_cols = [h for h in header if h not in key_names]
    if not keys and len(rows) > 1:
        bad_spec(line, f"a table without keys holds one row, this one has {len(rows)}")
    if not value_cols:
        bad_spec(line, "has no value column (every column is a key)")
    interps = [k for k in keys if k.match == "interpolate"]
    if len(interps) > 1:
        bad_spec(line, "only one key can be interpolated")
    if interps and decimals is None:
        bad_spec(
            line, "an interpolated table must say how results are rounded (round: 0-9 or cent)"
        )
    if not rows:
        bad_spec(line, "has no rows")
    if problems:
        return None, problems

    # values
    scales: dict[str, int] = {}
    parsed_values: list[dict[str, tuple[int, int] | None]] = []
    refused: list[set[str]] = []  # per row, the columns whose cell says "not offered"
    for row in rows:
        vals: dict[str, tuple[int, int] | None] = {}
        refused.append(set())
        for col in value_cols:
            cell = row.cells[col]
            if cell == "" or cell.lower() == NOT_OFFERED:
                vals[col] = None
                if cell:
                    refused[-1].add(col)
                continue
            try:
                v, s = read_scaled(cell)
            except ValueError:
                bad(row.line, f"column {col}: {cell!r} is not a number")
                vals[col] = None
                continue
            scales[col] = max(scales.get(col, 0), s)
            vals[col] = (v, s)
        parsed_values.append(vals)
    for col in value_cols:
        scales.setdefault(col, 0)

    # dimensions
    dims: list[Dim] = []
    interp_spec = interps[0] if interps else None
    row_codes: list[list[int]] = [[] for _ in rows]
    for k in keys:
        if k.match == "interpolate":
            continue
        dim, codes = _build_dim(k, rows, bad)
        if dim is None:
            return None, problems
        dims.append(dim)
        for rc, c in zip(row_codes, codes, strict=True):
            rc.append(c)

    interp: Interp | None = None
    xs_per_row: list[int] = []
    held_by_group: dict[tuple[int, ...], tuple[int, ...]] = {}
    if interp_spec is not None:
        raw_xs: list[tuple[int, int]] = []
        for row in rows:
            try:
                raw_xs.append(read_scaled(row.cells[interp_spec.name]))
            except ValueError:
                bad(
                    row.line, f"{interp_spec.name}: {row.cells[interp_spec.name]!r} is not a number"
                )
        if problems:
            return None, problems
        xscale = max(s for _, s in raw_xs)
        xs_per_row = [v * POW10[xscale - s] for v, s in raw_xs]
        # rows of each sub-table must be strictly increasing in the file
        by_group: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        for rc, x, row in zip(row_codes, xs_per_row, rows, strict=True):
            by_group.setdefault(tuple(rc), []).append((x, row.line))
        for points in by_group.values():
            for (xa, _), (xb, lb) in itertools.pairwise(points):
                if xb <= xa:
                    bad(lb, f"{interp_spec.name} must increase from row to row ({xb} after {xa})")
        if problems:
            return None, problems
        # Sub-tables may list different amounts (an irregular grid): the grid holds them all,
        # and each sub-table interpolates between its own rows only.
        xs = sorted({x for points in by_group.values() for x, _ in points})
        assert decimals is not None
        interp = Interp(interp_spec.name, xscale, xs, decimals)
        if any(len(points) != len(xs) for points in by_group.values()):
            interp.own = {}
            at = {x: j for j, x in enumerate(xs)}
            held_by_group = {
                group: tuple(at[x] for x, _ in points) for group, points in by_group.items()
            }
        if beyond is not None:
            kind, steps = beyond[2], beyond[3]
            try:
                every, every_scale = read_scaled(beyond[0])
                add, add_scale = read_scaled(beyond[1])
            except ValueError:
                bad_spec(line, f"beyond: every and {kind} must be numbers")
                return None, problems
            if every <= 0:
                bad_spec(line, "beyond: every must be positive")
                return None, problems
            if every_scale > xscale:
                bad_spec(line, f"beyond: every has more decimals than {interp_spec.name}")
                return None, problems
            interp.beyond_every = every * POW10[xscale - every_scale]
            interp.beyond_add = add
            interp.beyond_scale = add_scale
            interp.beyond_kind = kind
            interp.beyond_steps = steps

    # grid
    sizes = [len(d.labels) for d in dims] + ([len(interp.xs)] if interp else [])
    total = 1
    for s in sizes:
        total *= s
    if total > MAX_GRID:
        bad_spec(line, f"the key grid has {total} cells, more than {MAX_GRID}")
        return None, problems
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    grid: dict[str, list[int | None]] = {c: [None] * total for c in value_cols}
    filled = [False] * total
    unlisted: set[int] = set()  # cells of an irregular grid a sub-table does not list
    if interp is not None and interp.own is not None:
        for group, held in held_by_group.items():
            base = sum(c * st for c, st in zip(group, strides, strict=False))
            interp.own[base] = held
            unlisted.update(base + j for j in range(len(interp.xs)) if j not in held)
    positions: list[tuple[int, dict[str, tuple[int, int] | None]]] = []
    blocked: dict[str, set[int]] = {}
    row_lines: dict[tuple[int, ...], int] = {}
    for idx, (row, rc, vals) in enumerate(zip(rows, row_codes, parsed_values, strict=True)):
        full = [*rc]
        if interp is not None:
            full.append(interp.xs.index(xs_per_row[idx]))
        pos = sum(c * s for c, s in zip(full, strides, strict=True))
        if filled[pos]:
            first = row_lines[tuple(full)]
            bad(row.line, f"duplicate key (same keys as line {first})")
            continue
        filled[pos] = True
        row_lines[tuple(full)] = row.line
        positions.append((pos, vals))
        for col in refused[idx]:
            blocked.setdefault(col, set()).add(pos)
    default_values: dict[str, int] | None = None
    if default is not None:
        try:
            dv, ds = read_scaled(default)
        except ValueError:
            bad_spec(line, f"default {default!r} is not a number")
            return None, problems
        default_values = {}
        for col in value_cols:
            scales[col] = max(scales[col], ds)
        for col in value_cols:
            default_values[col] = dv * POW10[scales[col] - ds]
    for pos, vals in positions:
        for col in value_cols:
            parsed = vals[col]
            if parsed is not None:
                grid[col][pos] = parsed[0] * POW10[scales[col] - parsed[1]]
    if not sparse and default_values is None and problems == []:
        for pos, vals in positions:
            empty = [
                col for col in value_cols if vals[col] is None and pos not in blocked.get(col, ())
            ]
            if empty:
                first = next(
                    ln
                    for combo, ln in row_lines.items()
                    if sum(c * st for c, st in zip(combo, strides, strict=True)) == pos
                )
                bad(
                    first,
                    f"column {empty[0]} is empty (fill it, or declare a default or sparse: true)",
                )
                break
    if not sparse and default_values is None and problems == []:
        for pos, ok in enumerate(filled):
            if not ok and pos not in unlisted:
                combo = _unflatten(pos, strides)
                what = ", ".join(
                    f"{d.key} {d.labels[c]}" for d, c in zip(dims, combo, strict=False)
                )
                if interp is not None:
                    what = f"{what}, {interp.key} {interp.xs[combo[-1]]}".lstrip(", ")
                bad_spec(line, f"no row for {what} (add it, or declare a default or sparse: true)")
                break
    if problems:
        return None, problems
    table = Table(
        name=name,
        file=file,
        line=line,
        keys=keys,
        dims=dims,
        interp=interp,
        columns=value_cols,
        scales=scales,
        grid=grid,
        strides=strides,
        default=default_values,
        sparse=sparse,
        row_lines=row_lines,
        not_offered={col: frozenset(cells) for col, cells in blocked.items()},
        not_offered_reason=not_offered_reason,
    )
    return table, problems


def _unflatten(pos: int, strides: list[int]) -> list[int]:
    out = []
    for s in strides:
        out.append(pos // s)
        pos %= s
    return out


def _build_dim(k: KeySpec, rows: list[CsvRow], bad: Any) -> tuple[Dim | None, list[int]]:
    cells = [(row.line, row.cells[k.name]) for row in rows]
    if k.match == "band":
        parsed: list[tuple[int, int | None, int, int, str]] = []
        for ln, cell in cells:
            band = _parse_band(cell)
            if band is None:
                bad(ln, f"{k.name}: {cell!r} is not a band (use 16-20, 75+ or 64)")
                return None, []
            lo, hi, scale = band
            if hi is not None and hi < lo:
                bad(ln, f"{k.name}: band {cell!r} ends before it starts")
                return None, []
            parsed.append((lo, hi, scale, ln, cell))
        scale = max(p[2] for p in parsed)
        norm = [
            (lo * POW10[scale - s], None if hi is None else hi * POW10[scale - s], ln, cell)
            for lo, hi, s, ln, cell in parsed
        ]
        distinct: dict[tuple[int, int | None], tuple[int, str]] = {}
        for lo, hi, ln, cell in norm:
            distinct.setdefault((lo, hi), (ln, cell))
        ordered = sorted(distinct.items(), key=lambda kv: kv[0][0])
        dim = Dim(k.name, "band", Num(scale))
        for i, ((lo, hi), (ln, cell)) in enumerate(ordered):
            if i > 0:
                (_, phi), (pln, pcell) = ordered[i - 1]
                if phi is None or lo <= phi:
                    bad(ln, f"{k.name}: band {cell} overlaps band {pcell} (line {pln})")
                    return None, []
                if lo != phi + 1:
                    bad(ln, f"{k.name}: gap between band {pcell} (line {pln}) and band {cell}")
                    return None, []
            dim.los.append(lo)
            dim.his.append(hi)
            dim.labels.append(cell)
        index = {lohi: i for i, (lohi, _) in enumerate(ordered)}
        return dim, [index[(lo, hi)] for lo, hi, _, _ in norm]

    # exact: numbers, booleans or text
    kinds = set()
    for _, cell in cells:
        if parse_bool(cell) is not None and not cell.strip().lstrip("-").isdigit():
            kinds.add("bool")
        else:
            try:
                read_scaled(cell)
                kinds.add("num")
            except ValueError:
                kinds.add("text")
    values: list[Any]
    dim_type: Type
    if kinds == {"num"}:
        parsed_nums = [read_scaled(c) for _, c in cells]
        scale = max(s for _, s in parsed_nums)
        values = [v * POW10[scale - s] for v, s in parsed_nums]
        dim_type = Num(scale)
    elif kinds == {"bool"}:
        values = [parse_bool(c) for _, c in cells]
        dim_type = BOOL
    else:
        values = [c for _, c in cells]
        dim_type = Text(tuple(dict.fromkeys(values)))
    dim = Dim(k.name, "exact", dim_type)
    codes: list[int] = []
    for v, (_, cell) in zip(values, cells, strict=True):
        if v not in dim.codes:
            dim.codes[v] = len(dim.labels)
            dim.labels.append(cell)
        codes.append(dim.codes[v])
    if isinstance(dim_type, Bool):
        dim.labels = ["yes" if lab_v else "no" for lab_v in dim.codes]
    return dim, codes
