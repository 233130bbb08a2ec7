"""Building a rating table from its rows: values, key axes, the grid, and its completeness.

Problems with a row are reported at the row's line of the table's file; problems with the table
as a whole at the line of the manifest that declares it. Each stage stops the build when it
found a mistake the next stage cannot work past.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rateshop.errors import Problem
from rateshop.manual.numbers import read_scaled
from rateshop.manual.source import CsvRow
from rateshop.manual.table_keys import interpolated_axis, key_dim, read_amounts, set_beyond
from rateshop.manual.tables import MAX_GRID, NOT_OFFERED, Dim, Interp, KeySpec, Table, unflatten
from rateshop.money import POW10

# a row's value cells: (value, scale), or None for an empty or "not offered" cell
Values = dict[str, tuple[int, int] | None]


@dataclass
class _Report:
    """Where a table's problems go: its rows' file, or the manifest declaring it."""

    name: str
    file: str
    manifest: str
    problems: list[Problem] = field(default_factory=list)

    def row(self, row_line: int | None, reason: str) -> None:
        self.problems.append(Problem(self.file, row_line, f"table {self.name}: {reason}"))

    def spec(self, spec_line: int | None, reason: str) -> None:
        self.problems.append(Problem(self.manifest, spec_line, f"table {self.name}: {reason}"))


@dataclass
class _Placed:
    """The rows placed on the grid."""

    positions: list[tuple[int, Values]]  # each row's grid position and values
    filled: list[bool]  # grid positions a row holds
    blocked: dict[str, set[int]]  # column -> positions whose cell says "not offered"
    row_lines: dict[tuple[int, ...], int]  # codes of a row on every axis -> its line


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
    report = _Report(name, file, manifest or file)
    value_cols = _check_layout(report, line, keys, header, rows, decimals)
    if report.problems:
        return None, report.problems
    scales, parsed_values, refused = _read_values(report, rows, value_cols)

    dims: list[Dim] = []
    row_codes: list[list[int]] = [[] for _ in rows]
    for k in keys:
        if k.match == "interpolate":
            continue
        dim, codes = key_dim(k, rows, report.row)
        if dim is None:
            return None, report.problems
        dims.append(dim)
        for rc, c in zip(row_codes, codes, strict=True):
            rc.append(c)

    interp: Interp | None = None
    xs_per_row: list[int] = []
    held_by_group: dict[tuple[int, ...], tuple[int, ...]] = {}
    interps = [k for k in keys if k.match == "interpolate"]
    if interps:
        xscale, xs_per_row = read_amounts(interps[0], rows, report.row)
        if report.problems:
            return None, report.problems
        assert decimals is not None  # _check_layout refuses an interpolated table without
        interp, held_by_group = interpolated_axis(
            interps[0], xscale, xs_per_row, rows, row_codes, decimals, report.row
        )
        if report.problems:
            return None, report.problems
        if beyond is not None and not set_beyond(interp, beyond, line, report.spec):
            return None, report.problems

    grid_shape = _grid_shape(report, line, dims, interp)
    if grid_shape is None:
        return None, report.problems
    strides, total = grid_shape
    unlisted: set[int] = set()  # cells of an irregular grid a sub-table does not list
    if interp is not None and interp.own is not None:
        for group, held in held_by_group.items():
            base = sum(c * st for c, st in zip(group, strides, strict=False))
            interp.own[base] = held
            unlisted.update(base + j for j in range(len(interp.xs)) if j not in held)
    placed = _place_rows(
        report, total, strides, rows, row_codes, parsed_values, refused, interp, xs_per_row
    )
    default_values: dict[str, int] | None = None
    if default is not None:
        default_values = _default_values(report, line, default, value_cols, scales)
        if default_values is None:
            return None, report.problems
    grid: dict[str, list[int | None]] = {c: [None] * total for c in value_cols}
    for pos, vals in placed.positions:
        for col in value_cols:
            parsed = vals[col]
            if parsed is not None:
                grid[col][pos] = parsed[0] * POW10[scales[col] - parsed[1]]
    if not sparse and default_values is None and not report.problems:
        _check_complete(report, line, value_cols, strides, dims, interp, placed, unlisted)
    if report.problems:
        return None, report.problems
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
        row_lines=placed.row_lines,
        not_offered={col: frozenset(cells) for col, cells in placed.blocked.items()},
        not_offered_reason=not_offered_reason,
    )
    return table, report.problems


def _check_layout(
    report: _Report,
    line: int,
    keys: list[KeySpec],
    header: list[str],
    rows: list[CsvRow],
    decimals: int | None,
) -> list[str]:
    """The value columns; reports keys missing from the header and impossible table shapes."""
    key_names = [k.name for k in keys]
    for k in keys:
        if k.name not in header:
            report.spec(
                k.line, f"key column {k.name!r} is missing; columns are {', '.join(header)}"
            )
    value_cols = [h for h in header if h not in key_names]
    if not keys and len(rows) > 1:
        report.spec(line, f"a table without keys holds one row, this one has {len(rows)}")
    if not value_cols:
        report.spec(line, "has no value column (every column is a key)")
    interps = [k for k in keys if k.match == "interpolate"]
    if len(interps) > 1:
        report.spec(line, "only one key can be interpolated")
    if interps and decimals is None:
        report.spec(
            line, "an interpolated table must say how results are rounded (round: 0-9 or cent)"
        )
    if not rows:
        report.spec(line, "has no rows")
    return value_cols


def _read_values(
    report: _Report, rows: list[CsvRow], value_cols: list[str]
) -> tuple[dict[str, int], list[Values], list[set[str]]]:
    """Each value column's scale, each row's values, and each row's "not offered" columns."""
    scales: dict[str, int] = {}
    parsed_values: list[Values] = []
    refused: list[set[str]] = []
    for row in rows:
        vals: Values = {}
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
                report.row(row.line, f"column {col}: {cell!r} is not a number")
                vals[col] = None
                continue
            scales[col] = max(scales.get(col, 0), s)
            vals[col] = (v, s)
        parsed_values.append(vals)
    for col in value_cols:
        scales.setdefault(col, 0)
    return scales, parsed_values, refused


def _grid_shape(
    report: _Report, line: int, dims: list[Dim], interp: Interp | None
) -> tuple[list[int], int] | None:
    """How far apart consecutive codes of each axis lie in the flat grid, and its size; None if
    the grid is too big."""
    sizes = [len(d.labels) for d in dims] + ([len(interp.xs)] if interp else [])
    total = 1
    for s in sizes:
        total *= s
    if total > MAX_GRID:
        report.spec(line, f"the key grid has {total} cells, more than {MAX_GRID}")
        return None
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    return strides, total


def _place_rows(
    report: _Report,
    total: int,
    strides: list[int],
    rows: list[CsvRow],
    row_codes: list[list[int]],
    parsed_values: list[Values],
    refused: list[set[str]],
    interp: Interp | None,
    xs_per_row: list[int],
) -> _Placed:
    """Put each row at its grid position, reporting a second row with the same keys."""
    placed = _Placed([], [False] * total, {}, {})
    for idx, (row, rc, vals) in enumerate(zip(rows, row_codes, parsed_values, strict=True)):
        full = [*rc]
        if interp is not None:
            full.append(interp.xs.index(xs_per_row[idx]))
        pos = sum(c * s for c, s in zip(full, strides, strict=True))
        if placed.filled[pos]:
            first = placed.row_lines[tuple(full)]
            report.row(row.line, f"duplicate key (same keys as line {first})")
            continue
        placed.filled[pos] = True
        placed.row_lines[tuple(full)] = row.line
        placed.positions.append((pos, vals))
        for col in refused[idx]:
            placed.blocked.setdefault(col, set()).add(pos)
    return placed


def _default_values(
    report: _Report, line: int, default: str, value_cols: list[str], scales: dict[str, int]
) -> dict[str, int] | None:
    """The value of a cell no row gives, per column; widens the columns' scales to hold it."""
    try:
        dv, ds = read_scaled(default)
    except ValueError:
        report.spec(line, f"default {default!r} is not a number")
        return None
    for col in value_cols:
        scales[col] = max(scales[col], ds)
    return {col: dv * POW10[scales[col] - ds] for col in value_cols}


def _check_complete(
    report: _Report,
    line: int,
    value_cols: list[str],
    strides: list[int],
    dims: list[Dim],
    interp: Interp | None,
    placed: _Placed,
    unlisted: set[int],
) -> None:
    """Report the first empty cell and the first missing row of a table that must be full."""
    for pos, vals in placed.positions:
        empty = [
            col
            for col in value_cols
            if vals[col] is None and pos not in placed.blocked.get(col, ())
        ]
        if empty:
            first = next(
                ln
                for combo, ln in placed.row_lines.items()
                if sum(c * st for c, st in zip(combo, strides, strict=True)) == pos
            )
            report.row(
                first, f"column {empty[0]} is empty (fill it, or declare a default or sparse: true)"
            )
            return
    for pos, ok in enumerate(placed.filled):
        if not ok and pos not in unlisted:
            combo = unflatten(pos, strides)
            what = ", ".join(f"{d.key} {d.labels[c]}" for d, c in zip(dims, combo, strict=False))
            if interp is not None:
                what = f"{what}, {interp.key} {interp.xs[combo[-1]]}".lstrip(", ")
            report.spec(line, f"no row for {what} (add it, or declare a default or sparse: true)")
            return
