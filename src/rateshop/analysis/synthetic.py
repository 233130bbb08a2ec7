"""A synthetic book of business, for demos and benchmarks: realistic, and the same for a seed.

The generator draws the columns jointly, as a real book is shaped: young drivers are mostly single,
have more incidents and older cars; married drivers usually share the policy with a spouse of a
similar age, and parents of teenagers add them; newer vehicles carry physical damage cover and
higher symbols; homeowners buy higher limits. ZIPs are real ZIPs of the state (the ``zipcodes``
package), weighted towards the metro ZIPs the market's territory tables name. The same seed gives
the same book, chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq
import zipcodes

from rateshop.analysis.book import BOOK_SCHEMA, DRIVER_FIELDS, VEHICLE_FIELDS
from rateshop.rating.plan import Plan

__all__ = [
    "ROWS_PER_GROUP",
    "BookSpec",
    "delivery_zips",
    "generate_book",
    "generate_chunk",
    "territory_zips",
    "write_book",
]

ROWS_PER_GROUP = 65_536  # rows per Parquet row group the generator writes

INCIDENT_KINDS = (
    "minor_speeding", "other_minor", "major_speeding", "at_fault_accident",
    "not_at_fault_accident", "comprehensive_claim", "major_violation", "dwi",
)  # fmt: skip
INCIDENT_SHARES = (0.38, 0.12, 0.07, 0.20, 0.12, 0.08, 0.02, 0.01)

IntArray = npt.NDArray[np.int64]


# ---------------------------------------------------------------------------------- ZIP codes
def delivery_zips(state: str) -> list[str]:
    """The street-delivery ZIPs of ``state`` (no PO boxes or single-firm ZIPs), sorted: where
    cars are garaged."""
    return sorted(
        z["zip_code"]
        for z in zipcodes.filter_by(state=state.upper())  # type: ignore[no-untyped-call]
        if z["zip_code_type"] == "STANDARD" and z["active"]
    )


def territory_zips(plans: Sequence[Plan]) -> set[str]:
    """The ZIPs that the plans' territory tables name one by one (metro ZIPs, in practice)."""
    out: set[str] = set()
    for plan in plans:
        for table in plan.manual.tables.values():
            for key, dim in zip(table.keys, table.dims, strict=False):
                if key.name == "zip":
                    out.update(dim.labels)
    return out


# --------------------------------------------------------------------------------- generation
@dataclass(frozen=True)
class BookSpec:
    """What a synthetic book is drawn from."""

    state: str
    zips: Sequence[str]
    zip_weights: Sequence[float]
    effective: dt.date
    seed: int
    bad_share: float = 0.0  # share of rows spoiled on purpose (unknown ZIP, impossible age)


def _ages(rng: np.random.Generator, n: int) -> IntArray:
    ages = np.arange(16, 91)
    weight = np.select(
        [ages < 20, ages < 25, ages < 65, ages < 80],
        [0.9, 1.3, 1.8 - (ages - 25) * 0.005, 1.2],
        0.45,
    )
    return rng.choice(ages, n, p=weight / weight.sum()).astype(np.int64)


def _days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _incidents(rng: np.random.Generator, ages: IntArray, male: Any, eff: int) -> list[str | None]:
    rate = (
        0.22
        * np.select([ages < 21, ages < 25, ages < 30, ages < 65], [2.2, 1.6, 1.2, 1.0], 0.9)
        * np.where(male, 1.15, 1.0)
    )
    counts = rng.poisson(rate)
    kinds = rng.choice(len(INCIDENT_KINDS), counts.sum(), p=INCIDENT_SHARES)
    ago = rng.integers(1, 60 * 30, counts.sum())
    out: list[str | None] = []
    k = 0
    for c in counts.tolist():
        items = []
        for _ in range(c):
            when = dt.date(1970, 1, 1) + dt.timedelta(days=eff - int(ago[k]))
            items.append(f"{INCIDENT_KINDS[kinds[k]]}:{when.isoformat()}")
            k += 1
        out.append(";".join(items) if items else None)
    return out


def _pick(rng: np.random.Generator, options: Sequence[Any], shares: Any, n: int) -> Any:
    """One of ``options`` per row; ``shares`` is one distribution or one per row (n × k)."""
    shares = np.asarray(shares, dtype=np.float64)
    if shares.ndim == 1:
        return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=shares)]
    cum = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    idx = (rng.random(n)[:, None] > cum).sum(axis=1)
    return np.asarray(options, dtype=object)[np.minimum(idx, len(options) - 1)]


def _driver(
    rng: np.random.Generator, ages: IntArray, married: Any, eff: int, present: Any
) -> dict[str, Any]:
    n = len(ages)
    gender = _pick(rng, ["male", "female", "nonbinary"], [0.49, 0.50, 0.01], n)
    status = np.where(
        married,
        "married",
        np.where((ages >= 70) & (rng.random(n) < 0.3), "widowed",
                 np.where((ages >= 35) & (rng.random(n) < 0.25), "divorced", "single")),
    )  # fmt: skip
    birth = eff - ages * 365 - rng.integers(0, 365, n) - ages // 4
    licence_age = np.minimum(16 + rng.geometric(0.55, n) - 1, ages)
    licensed = np.minimum(birth + licence_age * 365 + rng.integers(0, 200, n), eff - 1)
    u = rng.random(n)
    licence = np.where(
        (ages < 17) & (u < 0.15), "permit",
        np.where(u > 0.995, "suspended", np.where(u > 0.993, "none", "valid")),
    )  # fmt: skip
    return {
        "birth_date": birth,
        "gender": gender,
        "marital_status": status,
        "licensed_date": licensed,
        "licence_status": licence,
        "good_student": (ages < 25) & (rng.random(n) < 0.3),
        "defensive_driving": rng.random(n) < np.where(ages >= 65, 0.2, 0.06),
        "incidents": _incidents(rng, ages, gender == "male", eff),
        "__present__": present,
    }


def _vehicle(
    rng: np.random.Generator, ages: IntArray, eff_year: int, zips: Any, present: Any
) -> dict[str, Any]:
    n = len(ages)
    mean_age = np.where(ages < 25, 11.0, 7.5)
    vehicle_age = np.minimum(rng.gamma(2.0, mean_age / 2.0), 34).astype(np.int64)
    symbol = np.clip(np.rint(rng.normal(15 - 0.45 * vehicle_age, 4.0)), 1, 27).astype(np.int64)
    use = _pick(rng, ["pleasure", "commute", "business"], [0.35, 0.61, 0.04], n)
    mean_miles = np.select([use == "commute", use == "business"], [13_000, 21_000], 7_000)
    miles = np.clip(rng.normal(mean_miles, mean_miles * 0.35), 500, 60_000) // 100 * 100
    return {
        "model_year": np.maximum(eff_year - vehicle_age, 1981),
        "symbol": symbol,
        "use": use,
        "annual_miles": miles.astype(np.int64),
        "garaging_zip": zips,
        "__present__": present,
        "__age__": vehicle_age,
    }


def generate_chunk(spec: BookSpec, index: int, rows: int, first_id: int) -> pa.Table:
    """Rows ``first_id`` … of the book, drawn from a generator seeded by (seed, chunk index)."""
    rng = np.random.default_rng([spec.seed, index])
    n = rows
    eff_date = spec.effective
    eff = _days(eff_date)
    age1 = _ages(rng, n)
    p_married = np.select([age1 < 22, age1 < 30, age1 < 65], [0.03, 0.35, 0.62], 0.55)
    married = rng.random(n) < p_married
    teen = ~married & (age1 >= 38) & (age1 <= 58) & (rng.random(n) < 0.3)
    teen |= married & (age1 >= 40) & (age1 <= 55) & (rng.random(n) < 0.25)
    has2 = married | teen
    age2 = np.where(
        teen & ~married,
        rng.integers(16, 20, n),
        np.clip(np.rint(age1 + rng.normal(-1.5, 3.0, n)), 18, 90).astype(np.int64),
    )
    d1 = _driver(rng, age1, married, eff, np.ones(n, dtype=bool))
    d2 = _driver(rng, age2, married & ~(teen & ~married), eff, has2)
    zips = np.asarray(spec.zips, dtype=object)
    weights = np.asarray(spec.zip_weights, dtype=np.float64)
    zip_of = zips[rng.choice(len(zips), n, p=weights / weights.sum())]
    two_cars = np.where(has2, rng.random(n) < 0.75, rng.random(n) < 0.12)
    v1 = _vehicle(rng, age1, eff_date.year, zip_of, np.ones(n, dtype=bool))
    v2 = _vehicle(rng, np.where(teen, age2, age1), eff_date.year, zip_of, two_cars)
    older = age1 >= 30
    homeowner = rng.random(n) < np.select([age1 < 25, age1 < 30], [0.08, 0.35], 0.68)
    # homeowners and older drivers buy higher limits
    up = np.where(homeowner, 1.0, 0.0) + np.where(older, 0.5, 0.0)
    bi_shares = np.stack(
        [0.45 - 0.15 * up, 0.27 + 0.0 * up, 0.22 + 0.1 * up, 0.06 + 0.05 * up], axis=1
    )
    bi = _pick(rng, ["30/60", "50/100", "100/300", "250/500"], bi_shares, n)
    pd_limit = np.select([bi == "30/60", bi == "50/100"], [25, 50], 100)
    full_cover = rng.random(n) < np.where(v1["__age__"] < 10, 0.9, 0.35)
    comp_ded = _pick(rng, [100, 250, 500, 1000], [0.03, 0.2, 0.57, 0.2], n)
    coll_ded = np.where(comp_ded == 100, 250, comp_ded)
    prior_cap = np.clip((age1 - 17) * 12, 0, 120)
    prior = np.where(rng.random(n) < 0.12, 0, (rng.random(n) * (prior_cap + 1)).astype(np.int64))
    columns: dict[str, Any] = {
        "policy_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "line": np.full(n, "auto", dtype=object),
        "state": np.full(n, spec.state.upper(), dtype=object),
        "effective_date": np.full(n, eff),
        "payment_plan": _pick(rng, ["installments", "paid_in_full", "eft"], [0.55, 0.2, 0.25], n),
        "paperless": rng.random(n) < 0.5,
        "homeowner": homeowner,
        "multi_policy": homeowner & (rng.random(n) < 0.5),
        "prior_insurance_months": prior,
        "bi_limit": bi,
        "pd_limit": pd_limit,
        "um_limit": _masked(bi, rng.random(n) < 0.45),
        "med_limit": _masked(
            _pick(rng, [1000, 2000, 5000, 10000], [0.3, 0.3, 0.3, 0.1], n), rng.random(n) < 0.3
        ),
        "pip_limit": _masked(
            _pick(rng, [2500, 5000, 10000], [0.6, 0.3, 0.1], n), rng.random(n) < 0.5
        ),
        "comp_deductible": _masked(comp_ded, full_cover),
        "coll_deductible": _masked(coll_ded, full_cover),
    }
    for prefix, fields, part in (("d1", DRIVER_FIELDS, d1), ("d2", DRIVER_FIELDS, d2)):
        for name, _ in fields:
            columns[f"{prefix}_{name}"] = _masked(part[name], part["__present__"])
    for prefix, part in (("v1", v1), ("v2", v2)):
        for name, _ in VEHICLE_FIELDS:
            columns[f"{prefix}_{name}"] = _masked(part[name], part["__present__"])
    if spec.bad_share > 0:
        _spoil(rng, columns, spec.bad_share, eff)
    return pa.table(
        {f.name: _arrow(columns[f.name], f.type) for f in BOOK_SCHEMA}, schema=BOOK_SCHEMA
    )


def _masked(values: Any, present: Any) -> Any:
    out = np.asarray(values, dtype=object).copy()
    out[~np.asarray(present, dtype=bool)] = None
    return out


def _spoil(rng: np.random.Generator, columns: dict[str, Any], share: float, eff: int) -> None:
    """Spoil some rows as real books are spoiled: an unknown ZIP, or a driver born next year."""
    n = len(columns["policy_id"])
    bad = np.nonzero(rng.random(n) < share)[0]
    for k, i in enumerate(bad.tolist()):
        if k % 2 == 0:
            columns["v1_garaging_zip"][i] = "00000"
        else:
            columns["d1_birth_date"][i] = eff + 365


def _arrow(values: Any, t: pa.DataType) -> pa.Array:
    if pa.types.is_date32(t):
        vals = np.asarray(values, dtype=object)
        days = pa.array([None if v is None else int(v) for v in vals], type=pa.int32())
        return days.cast(pa.date32())
    return pa.array(np.asarray(values, dtype=object).tolist(), type=t)


def generate_book(spec: BookSpec, rows: int, chunk: int = ROWS_PER_GROUP) -> Iterator[pa.Table]:
    """The book as tables of ``chunk`` rows (the last may be shorter)."""
    for index, first in enumerate(range(0, rows, chunk)):
        yield generate_chunk(spec, index, min(chunk, rows - first), first + 1)


def write_book(
    tables: Iterator[pa.Table], out: Path, progress: Callable[[int], None] | None = None
) -> int:
    """Write tables as one Parquet file, one row group per table; return the rows written."""
    total = 0
    with pq.ParquetWriter(out, BOOK_SCHEMA, compression="zstd") as writer:
        for table in tables:
            writer.write_table(table, row_group_size=table.num_rows)
            total += table.num_rows
            if progress is not None:
                progress(table.num_rows)
    return total
