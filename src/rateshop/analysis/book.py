"""A book of business as a flat table: its columns, reading it in chunks, and risks from rows.

One row is one auto policy with up to two drivers and two vehicles, in columns an analyst can
fill from a policy system (``d1_birth_date``, ``v2_garaging_zip``, ``bi_limit``…). Incidents are
one text column per driver, ``kind:YYYY-MM-DD`` items separated by ``;``. An empty coverage
column means the coverage is not chosen.

A synthetic book with the same columns: :mod:`rateshop.analysis.synthetic`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rateshop.errors import BookError

__all__ = [
    "BOOK_SCHEMA",
    "CHUNK_ROWS",
    "COVERAGE_COLUMNS",
    "DRIVER_FIELDS",
    "VEHICLE_FIELDS",
    "BadRow",
    "Chunk",
    "book_rows",
    "conform",
    "read_chunks",
    "risks_of",
]

# rows per unit of work: a few seconds of rating against a market, so every core has work and
# a chunk in flight holds little memory
CHUNK_ROWS = 8_192

DRIVER_FIELDS = [
    ("birth_date", pa.date32()),
    ("gender", pa.string()),
    ("marital_status", pa.string()),
    ("licensed_date", pa.date32()),
    ("licence_status", pa.string()),
    ("good_student", pa.bool_()),
    ("defensive_driving", pa.bool_()),
    ("incidents", pa.string()),
]
VEHICLE_FIELDS = [
    ("model_year", pa.int32()),
    ("symbol", pa.int32()),
    ("use", pa.string()),
    ("annual_miles", pa.int32()),
    ("garaging_zip", pa.string()),
]
# coverage column -> (coverage code, option name); values are the option as text or a number
COVERAGE_COLUMNS = {
    "bi_limit": ("BI", "limit"),
    "pd_limit": ("PD", "limit"),
    "um_limit": ("UM", "limit"),
    "med_limit": ("MED", "limit"),
    "pip_limit": ("PIP", "limit"),
    "comp_deductible": ("COMP", "deductible"),
    "coll_deductible": ("COLL", "deductible"),
}

BOOK_SCHEMA = pa.schema(
    [
        ("policy_id", pa.int64()),
        ("line", pa.string()),
        ("state", pa.string()),
        ("effective_date", pa.date32()),
        ("payment_plan", pa.string()),
        ("paperless", pa.bool_()),
        ("homeowner", pa.bool_()),
        ("multi_policy", pa.bool_()),
        ("prior_insurance_months", pa.int32()),
        *[(f"d{i}_{name}", t) for i in (1, 2) for name, t in DRIVER_FIELDS],
        *[(f"v{i}_{name}", t) for i in (1, 2) for name, t in VEHICLE_FIELDS],
        ("bi_limit", pa.string()),
        ("pd_limit", pa.int32()),
        ("um_limit", pa.string()),
        ("med_limit", pa.int32()),
        ("pip_limit", pa.int32()),
        ("comp_deductible", pa.int32()),
        ("coll_deductible", pa.int32()),
    ]
)

# ------------------------------------------------------------------------------------ reading
REQUIRED = ("policy_id", "state", "effective_date", "d1_birth_date", "v1_model_year", "bi_limit")


def conform(table: pa.Table) -> pa.Table:
    """``table`` in the book's schema: its columns cast to the book's types (dates from
    timestamps, say, as a pandas frame brings them), absent optional columns as nulls."""
    missing = [name for name in REQUIRED if name not in table.column_names]
    if missing:
        raise BookError(f"the book has no column {', '.join(missing)}")
    columns = []
    for f in BOOK_SCHEMA:
        if f.name in table.column_names:
            col = table.column(f.name)
            columns.append(col if col.type == f.type else col.cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, type=f.type))
    return pa.table(columns, schema=BOOK_SCHEMA)


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a book: ``first`` is the row number (0-based) of its first row."""

    index: int
    first: int
    table: pa.Table


def book_rows(path: Path) -> int | None:
    """The number of rows of a Parquet book (None for CSV: unknown until read)."""
    if path.suffix.lower() == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def read_chunks(path: Path, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Stream a book in chunks of at most ``rows`` rows (CSV: about ``rows``): Parquet one row
    group at a time, CSV block by block.

    The whole book is never in memory; a CSV's column types are those of the book's schema.
    """
    first = 0
    if path.suffix.lower() == ".parquet":
        source = pq.ParquetFile(path)
        names = [n for n in BOOK_SCHEMA.names if n in source.schema_arrow.names]
        index = 0
        for group in range(source.num_row_groups):
            # a large row group is read in pieces so that every worker has work; each piece is
            # decoded on its own (a slice of a larger table would travel with all its buffers)
            for batch in source.iter_batches(batch_size=rows, row_groups=[group], columns=names):
                piece = conform(pa.Table.from_batches([batch]))
                yield Chunk(index, first, piece)
                first += piece.num_rows
                index += 1
        return
    options = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in BOOK_SCHEMA}, strings_can_be_null=True
    )
    reader = pacsv.open_csv(
        path, read_options=pacsv.ReadOptions(block_size=1 << 22), convert_options=options
    )
    pending: list[pa.RecordBatch] = []
    size = 0
    index = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        if size >= rows:
            table = conform(pa.Table.from_batches(pending))
            yield Chunk(index, first, table)
            first, index, pending, size = first + table.num_rows, index + 1, [], 0
    if pending:
        yield Chunk(index, first, conform(pa.Table.from_batches(pending)))


# ------------------------------------------------------------------------------ rows to risks
@dataclass(frozen=True)
class BadRow:
    """A row that is no risk at all: why, in words."""

    reason: str


def _incident_list(text: str | None) -> list[dict[str, Any]]:
    if not text:
        return []
    out = []
    for item in text.split(";"):
        kind, _, when = item.partition(":")
        out.append({"kind": kind.strip(), "date": when.strip()})
    return out


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def risks_of(table: pa.Table, known_zips: set[str]) -> list[dict[str, Any] | BadRow]:
    """Each row as a JSON risk the manuals read, or why it cannot be one.

    Checks here are those no manual makes: a ZIP that is not a ZIP of the book's state, a driver
    not yet born or past any plausible age on the effective date, a row with no driver or vehicle.
    Everything else (limits, eligibility) is each carrier's own business.
    """
    out: list[dict[str, Any] | BadRow] = []
    for row in table.to_pylist():
        try:
            out.append(_risk(row, known_zips))
        except _Bad as exc:
            out.append(BadRow(str(exc)))
    return out


class _Bad(Exception):
    pass


# Each driver's and vehicle's column names, by the field they hold (made once, not per row).
_DRIVER_COLUMNS = [(i, {name: f"d{i}_{name}" for name, _ in DRIVER_FIELDS}) for i in (1, 2)]
_VEHICLE_COLUMNS = [(i, {name: f"v{i}_{name}" for name, _ in VEHICLE_FIELDS}) for i in (1, 2)]


def _risk(row: dict[str, Any], known_zips: set[str]) -> dict[str, Any]:
    eff = row.get("effective_date")
    if not isinstance(eff, dt.date):
        raise _Bad("no effective date")
    drivers = []
    for i, col in _DRIVER_COLUMNS:
        birth = row.get(col["birth_date"])
        if birth is None:
            continue
        age = (eff - birth).days / 365.25
        if not 0 <= age <= 110:
            raise _Bad(
                f"driver {i}: impossible age on {eff.isoformat()} (born {birth.isoformat()})"
            )
        drivers.append(
            {
                "birth_date": birth.isoformat(),
                "gender": row.get(col["gender"]),
                "marital_status": row.get(col["marital_status"]),
                "licensed_date": _iso(row.get(col["licensed_date"])),
                "licence_status": row.get(col["licence_status"]) or "valid",
                "good_student": bool(row.get(col["good_student"])),
                "defensive_driving": bool(row.get(col["defensive_driving"])),
                "incidents": _incident_list(row.get(col["incidents"])),
            }
        )
    vehicles = []
    for i, col in _VEHICLE_COLUMNS:
        year = row.get(col["model_year"])
        if year is None:
            continue
        zip_code = row.get(col["garaging_zip"])
        if zip_code not in known_zips:
            raise _Bad(f"vehicle {i}: ZIP {zip_code!r} is not a ZIP of {row.get('state')}")
        vehicles.append(
            {
                "model_year": year,
                "symbol": row.get(col["symbol"]),
                "use": row.get(col["use"]),
                "annual_miles": row.get(col["annual_miles"]),
                "garaging_zip": zip_code,
            }
        )
    if not drivers or not vehicles:
        raise _Bad("a policy needs at least one driver and one vehicle")
    coverages: dict[str, Any] = {}
    for column, (code, option) in COVERAGE_COLUMNS.items():
        value = row.get(column)
        if value is not None and value != "":
            coverages[code] = {option: value}
    return {
        "line": row.get("line") or "auto",
        "state": row.get("state"),
        "effective_date": eff.isoformat(),
        "payment_plan": row.get("payment_plan") or "installments",
        "paperless": bool(row.get("paperless")),
        "homeowner": bool(row.get("homeowner")),
        "multi_policy": bool(row.get("multi_policy")),
        "prior_insurance_months": row.get("prior_insurance_months") or 0,
        "drivers": drivers,
        "vehicles": vehicles,
        "coverages": coverages,
    }
