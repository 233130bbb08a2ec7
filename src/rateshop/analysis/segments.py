"""Segments of a book: the groups analysts compare carriers in, read from the book's own rows.

Each is a coarse, stable label so that a segment holds enough risks to say something: the first
driver's age band, the county of the garaging ZIP, the first vehicle's age, the driving record
(incidents in the last three years) and the cover bought.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

from rateshop.risk.places import place

__all__ = ["SEGMENTS", "segment_columns", "segment_order"]

SEGMENTS = {
    "age_band": "First driver's age",
    "county": "County (garaging ZIP)",
    "vehicle_age": "First vehicle's age",
    "record": "Driving record (3 years)",
    "cover": "Cover bought",
}

_AGE_EDGES = [
    (16, "16-20"),
    (21, "21-24"),
    (25, "25-34"),
    (35, "35-49"),
    (50, "50-64"),
    (65, "65+"),
]
_VEHICLE_EDGES = [(0, "0-3 yrs"), (4, "4-7 yrs"), (8, "8-12 yrs"), (13, "13+ yrs")]
_ORDERS = {
    "age_band": [label for _, label in _AGE_EDGES],
    "vehicle_age": [label for _, label in _VEHICLE_EDGES],
    "record": ["clean", "1 incident", "2+ incidents"],
}


def segment_order(dimension: str, labels: list[str]) -> list[str]:
    """``labels`` in the dimension's natural order (bands by age), others alphabetically."""
    known = _ORDERS.get(dimension, [])
    return sorted(labels, key=lambda s: (known.index(s) if s in known else len(known), s))


@cache
def _county(zip_code: str) -> str | None:
    found = place(zip_code)
    return None if found is None else found.county.removesuffix(" County")


def _band(values: Any, edges: list[tuple[int, str]]) -> list[str | None]:
    lows = np.array([lo for lo, _ in edges])
    labels = [label for _, label in edges]
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        k = int(np.searchsorted(lows, v, side="right")) - 1
        out.append(labels[k] if k >= 0 else None)
    return out


def segment_columns(table: pa.Table, known_zips: set[str]) -> dict[str, list[str | None]]:
    """Each segment's label for each row of ``table`` (None where the row cannot say)."""
    eff = table.column("effective_date").to_pylist()
    birth = table.column("d1_birth_date").to_pylist()
    ages = [None if e is None or b is None else _age(b, e) for e, b in zip(eff, birth, strict=True)]
    years = table.column("v1_model_year").to_pylist()
    vehicle_ages = [
        None if e is None or y is None else max(0, e.year - y)
        for e, y in zip(eff, years, strict=True)
    ]
    zips = table.column("v1_garaging_zip").to_pylist()
    counties = [_county(z) if z in known_zips else None for z in zips]
    records = []
    for row in zip(
        table.column("d1_incidents").to_pylist(),
        table.column("d2_incidents").to_pylist(),
        eff,
        strict=True,
    ):
        records.append(_record(row[0], row[1], row[2]))
    comp = table.column("comp_deductible").to_pylist()
    bi = table.column("bi_limit").to_pylist()
    cover = [
        ("full" if c is not None else "liability") + f" {b}" if b else None
        for c, b in zip(comp, bi, strict=True)
    ]
    return {
        "age_band": _band(ages, _AGE_EDGES),
        "county": counties,
        "vehicle_age": _band(vehicle_ages, _VEHICLE_EDGES),
        "record": records,
        "cover": cover,
    }


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _record(a: str | None, b: str | None, eff: dt.date | None) -> str | None:
    if eff is None:
        return None
    count = 0
    for text in (a, b):
        for item in (text or "").split(";"):
            _, _, when = item.partition(":")
            if not when:
                continue
            try:
                day = dt.date.fromisoformat(when.strip())
            except ValueError:
                continue
            if (eff - day).days <= 3 * 365:
                count += 1
    return "clean" if count == 0 else ("1 incident" if count == 1 else "2+ incidents")
