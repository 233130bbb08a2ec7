"""Facts of a home a shopper does not know, found from what they do: its ZIP code and its size.

The fire protection class is looked up by the ZIP code's county and the distance to the coast is
measured from the ZIP code's centre (the ``zipcodes`` table) to the nearest point of a coarse
coastline, both in shipped tables of SAMPLE data standing for a rating bureau's. The cost to
rebuild is estimated from square footage, construction and build quality at sample costs a
square foot: an estimate the shopper sees and can change.
"""

from __future__ import annotations

import csv
import functools
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import zipcodes

HERE = Path(__file__).parent
PROTECTION = HERE / "homes_sample.csv"
COAST = HERE / "coast_sample.csv"
EARTH_RADIUS_MILES = 3958.8
# Sample costs to rebuild a square foot, by construction, and factors by build quality and state.
COST_PER_SQUARE_FOOT = {"frame": 150, "masonry_veneer": 160, "masonry": 170, "fire_resistive": 190}
QUALITY = {
    "economy": Decimal("0.85"),
    "standard": Decimal("1.00"),
    "custom": Decimal("1.30"),
    "premium": Decimal("1.70"),
}
STATE_COST = {"CA": Decimal("1.35"), "NY": Decimal("1.25"), "TX": Decimal("0.95")}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@functools.cache
def _classes() -> dict[tuple[str, str], int]:
    return {(r["state"], r["county"]): int(r["protection_class"]) for r in _read(PROTECTION)}


@functools.cache
def _coast() -> list[tuple[float, float]]:
    return [(float(r["lat"]), float(r["long"])) for r in _read(COAST)]


def _place(zip_code: str) -> dict[str, str] | None:
    found = zipcodes.matching(zip_code)  # type: ignore[no-untyped-call]
    return found[0] if found else None


@functools.cache
def _town_centre(state: str, city: str, zip_code: str) -> tuple[float, float, str] | None:
    """Where a town's ZIP codes are, on average, and its county: for a ZIP the table gives no
    place of its own (a few post office boxes)."""
    found = [
        z
        for z in zipcodes.filter_by(state=state, city=city)  # type: ignore[no-untyped-call]
        if float(z.get("lat") or 0)
    ]
    if not found:
        # No other ZIP code of the town has a place: the numerically nearest one of the state
        # (ZIP codes are given out by area, so its neighbours in number are near it).
        placed = [
            z
            for z in zipcodes.filter_by(state=state)  # type: ignore[no-untyped-call]
            if float(z.get("lat") or 0)
        ]
        if not placed:
            return None
        found = [min(placed, key=lambda z: abs(int(z["zip_code"]) - int(zip_code)))]
    lat = sum(float(z["lat"]) for z in found) / len(found)
    lon = sum(float(z["long"]) for z in found) / len(found)
    return lat, lon, str(found[0]["county"])


def _where(zip_code: str) -> tuple[float, float, str, str] | None:
    """A ZIP code's centre, county and state (its town's, when the table has none for it)."""
    place = _place(zip_code)
    if place is None:
        return None
    if float(place.get("lat") or 0):
        return float(place["lat"]), float(place["long"]), place["county"], place["state"]
    centre = _town_centre(place["state"], place["city"], zip_code)
    return None if centre is None else (*centre, place["state"])


def protection_class(zip_code: str) -> int | None:
    """The sample protection class of the ZIP code's county (its state's row if not listed)."""
    where = _where(zip_code)
    place = _place(zip_code)
    if place is None:
        return None
    county = where[2] if where is not None else place["county"]
    classes = _classes()
    return classes.get((place["state"], county), classes.get((place["state"], "*")))


def coast_miles(zip_code: str) -> Decimal | None:
    """Miles from the ZIP code's centre to the nearest point of the sample coastline, to 0.1."""
    where = _where(zip_code)
    if where is None:
        return None
    lat, lon = math.radians(where[0]), math.radians(where[1])
    nearest = min(
        2
        * EARTH_RADIUS_MILES
        * math.asin(
            math.sqrt(
                math.sin((math.radians(a) - lat) / 2) ** 2
                + math.cos(lat)
                * math.cos(math.radians(a))
                * math.sin((math.radians(b) - lon) / 2) ** 2
            )
        )
        for a, b in _coast()
    )
    return Decimal(str(nearest)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rebuild_cost(square_feet: int, construction: str, quality: str, state: str) -> int:
    """An estimate of the cost to rebuild, to the nearest $1,000, at the sample costs."""
    cost = (
        square_feet
        * COST_PER_SQUARE_FOOT[construction]
        * QUALITY[quality]
        * STATE_COST.get(state, Decimal(1))
    )
    return int((cost / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 1000
