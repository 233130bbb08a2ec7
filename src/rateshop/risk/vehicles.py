"""Facts of a vehicle a shopper does not know, found from what they do: a VIN, year, make, model.

A VIN is checked and decoded offline (``vininfo``): 17 characters with no I, O or Q, its check
digit (the 9th) right, and its model year and maker read from it. The rating symbol carriers price
physical damage on is looked up by year, make and model in a shipped vehicle table: SAMPLE data
in this project (``vehicles_sample.csv``), standing for a rating bureau's table.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from rateshop.errors import FieldProblem

VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{17}$"
_VIN = re.compile(VIN_PATTERN)
TABLE = Path(__file__).with_name("vehicles_sample.csv")


@dataclass(frozen=True)
class VinFacts:
    """What a VIN says: the model years its code may mean (every 30 years) and its maker."""

    vin: str
    years: tuple[int, ...]
    maker: str | None

    @property
    def year(self) -> int | None:
        """The latest model year the VIN may mean (None: one not yet sold)."""
        return max(self.years) if self.years else None


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


@functools.cache
def _rows() -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    out: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    with TABLE.open(encoding="utf-8") as f:
        lines = (line for line in f if not line.startswith("#"))
        for row in csv.DictReader(lines):
            spans = out.setdefault((_key(row["make"]), _key(row["model"])), [])
            spans.append((int(row["from_year"]), int(row["to_year"]), int(row["symbol"])))
    return out


def symbol_for(year: int, make: str | None, model: str | None) -> int | None:
    """The sample table's rating symbol of a ``year`` ``make`` ``model``, or None (not listed)."""
    if not make or not model:
        return None
    for first, last, symbol in _rows().get((_key(make), _key(model)), []):
        if first <= year <= last:
            return symbol
    return None


def decode(vin: str, on: dt.date) -> VinFacts | FieldProblem:
    """``vin`` checked and read, or the problem with it (at the field ``vin``)."""
    text = vin.strip().upper()
    if not _VIN.fullmatch(text):
        return FieldProblem("vin", "is not a VIN", "17 letters and digits, without I, O or Q")
    # vininfo's tables of makers are loaded by the first VIN decoded, not by every process.
    from vininfo import Vin

    decoded = Vin(text)
    if not decoded.verify_checksum():
        return FieldProblem(
            "vin", "is not a valid VIN: its check digit (the 9th character) does not match",
            "the VIN as printed on the car or its papers"
        )  # fmt: skip
    years = tuple(y for y in decoded.years if y <= on.year + 1)
    maker = str(decoded.manufacturer or "")
    return VinFacts(text, years, maker if maker and maker != "UnsupportedBrand" else None)


def same_maker(vin_maker: str, make: str) -> bool:
    """Whether the make a shopper typed is the VIN's maker (``Chevrolet`` for ``Chevrolet``)."""
    a, b = _key(vin_maker), _key(make)
    return a.startswith(b) or b.startswith(a)
