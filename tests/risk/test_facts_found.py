"""Facts found for a shopper: every ZIP of the market's states has a protection class and a distance
to the coast, a rebuild cost is estimated as the sample costs say, a VIN's check digit is checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import zipcodes

from rateshop.errors import FieldProblem
from rateshop.risk import homes, vehicles


@pytest.mark.parametrize("state", ["CA", "NY", "TX"])
def test_every_zip_of_a_market_state_has_a_protection_class_and_a_coast_distance(
    state: str,
) -> None:
    for place in zipcodes.filter_by(state=state):
        zip_code = place["zip_code"]
        assert 1 <= (homes.protection_class(zip_code) or 0) <= 10, zip_code
        miles = homes.coast_miles(zip_code)
        assert miles is not None, zip_code
        assert Decimal(0) <= miles < 1000, zip_code


def test_a_coastal_zip_is_near_the_coast_and_an_inland_one_far() -> None:
    assert (homes.coast_miles("77550") or 99) < 5  # Galveston
    assert (homes.coast_miles("76901") or 0) > 250  # San Angelo


def test_the_rebuild_estimate_is_the_sample_cost_a_square_foot() -> None:
    # 2,200 sq ft x $150 (frame) x 1.00 (standard) x 0.95 (Texas) = $313,500 → $314,000
    assert homes.rebuild_cost(2200, "frame", "standard", "TX") == 314_000
    assert homes.rebuild_cost(2200, "masonry", "custom", "CA") == 656_000


def test_a_vin_is_checked_and_read() -> None:
    on = dt.date(2026, 12, 1)
    read = vehicles.decode("2t3p1rfv1nw123456", on)
    assert isinstance(read, vehicles.VinFacts)
    assert (read.vin, read.year, read.maker) == ("2T3P1RFV1NW123456", 2022, "Toyota")
    assert isinstance(vehicles.decode("2T3P1RFV2NW123456", on), FieldProblem)
    assert isinstance(vehicles.decode("2T3P1RFV1NW12345O", on), FieldProblem)  # an O
    assert vehicles.symbol_for(2022, "toyota", "rav 4") == 12
    assert vehicles.symbol_for(2022, "Toyota", "Supra") is None
