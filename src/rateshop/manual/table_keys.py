"""The key axes of a rating table, one builder per way a key matches.

* exact keys (categories, whole numbers, true/false): each distinct cell is one code;
* banded keys (``16-20``, ``75+``, ``64``): ordered bands with neither overlap nor gap;
* an interpolated key (amounts): the sorted amounts every sub-table lists, and the rule
  past the last row.

Each builder reports a mistake at the row's line through ``bad`` and answers None.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from rateshop.manual.numbers import read_scaled
from rateshop.manual.source import CsvRow
from rateshop.manual.tables import Dim, Interp, KeySpec, parse_bool
from rateshop.manual.types import BOOL, Bool, Num, Text, Type
from rateshop.money import POW10

Report = Callable[[int | None, str], None]


def parse_band(text: str) -> tuple[int, int | None, int] | None:
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


def key_dim(k: KeySpec, rows: list[CsvRow], bad: Report) -> tuple[Dim | None, list[int]]:
    """The axis of exact or banded key ``k``, and each row's code on it."""
    cells = [(row.line, row.cells[k.name]) for row in rows]
    if k.match == "band":
        return band_dim(k, cells, bad)
    return exact_dim(k, cells)


def band_dim(k: KeySpec, cells: list[tuple[int, str]], bad: Report) -> tuple[Dim | None, list[int]]:
    """A banded key: bands in order, touching end to start, each row coded by its band."""
    parsed: list[tuple[int, int | None, int, int, str]] = []
    for ln, cell in cells:
        band = parse_band(cell)
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


def exact_dim(k: KeySpec, cells: list[tuple[int, str]]) -> tuple[Dim, list[int]]:
    """An exact key: numbers if every cell is one, true/false if every cell is one, else text."""
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


def read_amounts(k: KeySpec, rows: list[CsvRow], bad: Report) -> tuple[int, list[int]]:
    """The amounts of interpolated key ``k``, row by row, held at the largest scale written."""
    raw_xs: list[tuple[int, int]] = []
    for row in rows:
        try:
            raw_xs.append(read_scaled(row.cells[k.name]))
        except ValueError:
            bad(row.line, f"{k.name}: {row.cells[k.name]!r} is not a number")
    xscale = max((s for _, s in raw_xs), default=0)
    return xscale, [v * POW10[xscale - s] for v, s in raw_xs]


def interpolated_axis(
    k: KeySpec,
    xscale: int,
    xs_per_row: list[int],
    rows: list[CsvRow],
    row_codes: list[list[int]],
    decimals: int,
    bad: Report,
) -> tuple[Interp, dict[tuple[int, ...], tuple[int, ...]]]:
    """The axis of interpolated key ``k`` and, for an irregular grid, the positions on it each
    sub-table (the rows sharing the other keys' codes) lists."""
    # rows of each sub-table must be strictly increasing in the file
    by_group: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for rc, x, row in zip(row_codes, xs_per_row, rows, strict=True):
        by_group.setdefault(tuple(rc), []).append((x, row.line))
    for points in by_group.values():
        for (xa, _), (xb, lb) in itertools.pairwise(points):
            if xb <= xa:
                bad(lb, f"{k.name} must increase from row to row ({xb} after {xa})")
    # Sub-tables may list different amounts (an irregular grid): the grid holds them all,
    # and each sub-table interpolates between its own rows only.
    xs = sorted({x for points in by_group.values() for x, _ in points})
    interp = Interp(k.name, xscale, xs, decimals)
    held_by_group: dict[tuple[int, ...], tuple[int, ...]] = {}
    if any(len(points) != len(xs) for points in by_group.values()):
        interp.own = {}
        at = {x: j for j, x in enumerate(xs)}
        held_by_group = {
            group: tuple(at[x] for x, _ in points) for group, points in by_group.items()
        }
    return interp, held_by_group


def set_beyond(
    interp: Interp, beyond: tuple[str, str, str, str], line: int, bad_spec: Report
) -> bool:
    """Give ``interp`` its rule past the last row (every, add or factor, steps); False if wrong."""
    kind, steps = beyond[2], beyond[3]
    try:
        every, every_scale = read_scaled(beyond[0])
        add, add_scale = read_scaled(beyond[1])
    except ValueError:
        bad_spec(line, f"beyond: every and {kind} must be numbers")
        return False
    if every <= 0:
        bad_spec(line, "beyond: every must be positive")
        return False
    if every_scale > interp.scale:
        bad_spec(line, f"beyond: every has more decimals than {interp.key}")
        return False
    interp.beyond_every = every * POW10[interp.scale - every_scale]
    interp.beyond_add = add
    interp.beyond_scale = add_scale
    interp.beyond_kind = kind
    interp.beyond_steps = steps
    return True
