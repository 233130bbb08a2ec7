"""Every ZIP is checked against the US ZIP table and every driver against the state's licence ages.

Each problem is told at its field, in plain words, by the library, the command line and the API
alike (they all read a risk with the question sets).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from paths import ROOT
from rateshop.cli import app
from rateshop.errors import FieldProblem, RiskError
from rateshop.risk import licences, places
from rateshop.risk.problems import read_risk


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return data


def problems(risk: dict[str, Any]) -> dict[str, FieldProblem]:
    with pytest.raises(RiskError) as caught:
        read_risk(risk)
    return {p.field: p for p in caught.value.problems}


@pytest.mark.parametrize(
    ("name", "path", "field"),
    [
        ("auto_ny", ("vehicles", 0, "garaging_zip"), "vehicles[0].garaging_zip"),
        ("home_ny", ("zip",), "zip"),
    ],
)
def test_a_zip_of_another_state_is_named_with_its_state(
    name: str, path: tuple[Any, ...], field: str
) -> None:
    risk = example(name)
    node: Any = risk
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = "78745"
    found = problems(risk)[field]
    assert found.problem == "78745 is in Texas, not New York"
    assert found.allowed == "a ZIP code in New York"


@pytest.mark.parametrize("zip_code", ["00000", "99999", "00100"])
def test_a_zip_not_in_use_is_refused(zip_code: str) -> None:
    risk = example("health")
    risk["zip"] = zip_code
    assert problems(risk)["zip"].problem == f"{zip_code} is not a US ZIP code in use"


@pytest.mark.parametrize(
    ("zip_code", "town"), [("00501", "Holtsville"), ("06390", "Fishers Island")]
)
def test_real_new_york_zips_outside_the_usual_prefixes_are_in_new_york(
    zip_code: str, town: str
) -> None:
    found = places.place(zip_code)
    assert found is not None
    assert (found.state, found.town) == ("NY", town)
    risk = example("home_ny")
    risk["zip"] = zip_code
    assert read_risk(risk)["zip"] == zip_code


def test_every_example_zip_is_in_its_state() -> None:
    for path in sorted((ROOT / "examples").glob("*.json")):
        risk = json.loads(path.read_text())
        if risk.get("line") in ("auto", "home", "life", "health"):
            read_risk(risk)


def test_the_command_line_names_the_state_of_a_wrong_zip(tmp_path: Path) -> None:
    risk = example("auto")
    risk["vehicles"][0]["garaging_zip"] = "10001"
    path = tmp_path / "risk.json"
    path.write_text(json.dumps(risk))
    result = CliRunner().invoke(app, ["quote", str(path)])
    assert result.exit_code == 2
    assert "vehicles[0].garaging_zip: 10001 is in New York, not Texas" in result.output
    assert "[red]" not in result.output


def _aged(risk: dict[str, Any], years: int, status: str) -> dict[str, Any]:
    start = dt.date.fromisoformat(risk["effective_date"])
    driver = risk["drivers"][0]
    driver["birth_date"] = start.replace(year=start.year - years, day=1).isoformat()
    driver["licensed_date"] = start.replace(year=start.year - years + 14).isoformat()
    driver["licence_status"] = status
    return risk


@pytest.mark.parametrize(
    ("name", "state"), [("auto", "Texas"), ("auto_ca", "California"), ("auto_ny", "New York")]
)
def test_a_fifteen_year_old_cannot_hold_a_full_licence(name: str, state: str) -> None:
    found = problems(_aged(example(name), 15, "valid"))["drivers[0].licence_status"]
    assert (
        found.problem
        == f"a 15-year-old cannot hold a full or provisional licence in {state}: the youngest age is 16"
    )


def test_a_fifteen_year_old_may_hold_a_texas_permit_but_not_a_new_york_one() -> None:
    read_risk(_aged(example("auto"), 15, "permit"))
    found = problems(_aged(example("auto_ny"), 15, "permit"))["drivers[0].licence_status"]
    assert "learner's permit in New York: the youngest age is 16" in found.problem


def test_sixteen_year_olds_are_licensed_everywhere() -> None:
    for name in ("auto", "auto_ca", "auto_ny"):
        read_risk(_aged(example(name), 16, "valid"))


def test_california_permits_start_at_fifteen_and_a_half() -> None:
    assert str(licences.of_state("CA").permit) == "15½"
    assert licences.of_state("CA").permit.reached(dt.date(2010, 8, 31)) == dt.date(2026, 3, 1)
    assert licences.of_state("CA").permit.reached(dt.date(2010, 1, 15)) == dt.date(2025, 7, 15)


def test_every_licence_age_cites_its_statute() -> None:
    data = yaml.safe_load((ROOT / "src/rateshop/risk/licence_ages.yaml").read_text())["states"]
    assert set(data) == {"CA", "NY", "TX"}
    assert all("§" in s["source"] for s in data.values())


def test_a_future_birth_date_is_told_at_the_birth_date_not_the_licence_date() -> None:
    risk = example("auto")
    risk["drivers"][0]["birth_date"] = "2030-01-01"
    found = problems(risk)
    assert "after the effective date" in found["drivers[0].birth_date"].problem
    assert "drivers[0].licensed_date" not in found


def test_a_household_without_its_applicant_is_told_at_the_first_member() -> None:
    risk = example("health")
    risk["members"][0]["relationship"] = "spouse"
    risk["members"][1]["relationship"] = "child"
    assert "no member is 'self'" in problems(risk)["members[0].relationship"].problem


def test_a_child_born_after_the_start_date_is_told_at_its_birth_date() -> None:
    risk = example("health")
    risk["members"][3]["birth_date"] = "2027-02-01"
    found = problems(risk)["members[3].birth_date"]
    assert found.problem == "2027-02-01 is after the effective date"


def test_a_half_filled_risk_is_checked_across_the_fields_of_its_finished_parts() -> None:
    # The drivers' step is done, the vehicles' not yet: the driver's age is told now.
    risk = _aged(example("auto"), 15, "valid")
    del risk["vehicles"], risk["coverages"]
    risk["drivers"].append({"birth_date": "not yet"})
    found = problems(risk)
    assert found["vehicles"].problem == "is required"
    assert "15-year-old" in found["drivers[0].licence_status"].problem
    assert "drivers[1].licence_status" not in found  # a driver not yet read is not checked across


def test_a_half_filled_household_is_told_its_zip_before_its_members() -> None:
    risk = example("health")
    risk["zip"] = "10001"
    del risk["members"]
    found = problems(risk)
    assert found["members"].problem == "is required"
    assert found["zip"].problem == "10001 is in New York, not Texas"


def test_the_shipped_zip_table_is_the_zipcodes_package_s() -> None:
    # Made by scripts/build_zip_table.py; run it again when the package's table changes.
    import zipcodes

    expected = {
        z["zip_code"]: (z["state"], z["city"], z["county"])
        for z in zipcodes.list_all()  # type: ignore[no-untyped-call]
        if z["active"]
    }
    shipped = {z: (p.state, p.town, p.county) for z, p in places.places().items()}
    assert shipped == expected
