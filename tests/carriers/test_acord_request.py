"""The ACORD quote request: stored requests of the example risks, and the exact round trip."""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from rateshop.carriers.acord import (
    AcordError,
    build_request,
    parse_request,
    parse_request_message,
)
from rateshop.risk import places
from rateshop.risk.questions import AutoRisk, HomeRisk

MODELS = {"auto": AutoRisk, "home": HomeRisk}

FIXTURES = Path(__file__).parent / "fixtures" / "acord"
EXAMPLES = Path(__file__).parents[2] / "examples"
# Set to 1 to rewrite the stored requests on purpose after a deliberate change of the mapping.
REGENERATE = os.environ.get("RATESHOP_REGENERATE") == "1"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# Risks that pass the question sets' checks across fields: every event after every birth, every
# date on or before the effective date.
_event_dates = st.dates(min_value=dt.date(2009, 1, 1), max_value=dt.date(2027, 12, 31))
_effective_dates = st.dates(min_value=dt.date(2028, 1, 1), max_value=dt.date(2030, 12, 31))
_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf", "Cn", "Co", "Zl", "Zp")),
    min_size=1,
    max_size=20,
)


def _some(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required, optional=optional)


@st.composite
def _driver(draw: st.DrawFn) -> dict[str, Any]:
    born = draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)))
    licensed = born.replace(day=1, month=1, year=born.year + 15) + dt.timedelta(
        days=draw(st.integers(0, 1500))
    )
    facts = draw(
        _some(
            {"marital_status": st.sampled_from(["single", "married", "divorced", "widowed"])},
            {
                "gender": st.sampled_from(["male", "female", "nonbinary"]),
                "licence_status": st.sampled_from(["valid", "permit", "suspended", "none"]),
                "good_student": st.booleans(),
                "defensive_driving": st.booleans(),
                "incidents": st.lists(
                    st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from(
                                [
                                    "minor_speeding",
                                    "major_speeding",
                                    "other_minor",
                                    "major_violation",
                                    "at_fault_accident",
                                    "not_at_fault_accident",
                                    "dwi",
                                    "comprehensive_claim",
                                ]
                            ),
                            "date": _event_dates.map(dt.date.isoformat),
                        }
                    ),
                    max_size=3,
                ),
            },
        )
    )
    return {"birth_date": born.isoformat(), "licensed_date": licensed.isoformat(), **facts}


def _vehicle(drivers: int) -> st.SearchStrategy[dict[str, Any]]:
    return _some(
        {
            "model_year": st.integers(1981, 2027),
            "symbol": st.integers(1, 27),
            "use": st.sampled_from(["pleasure", "commute", "business"]),
            "annual_miles": st.integers(0, 100_000),
            "garaging_zip": st.from_regex(r"\A[0-9]{5}\Z"),
        },
        {
            "make": _text,
            "model": _text,
            "ownership": st.sampled_from(["owned", "financed", "leased"]),
            "principal_driver": st.integers(1, drivers),
        },
    )


_split = st.sampled_from(["15/30", "25/50", "30/60", "50/100", "100/300", "250/500"])
_coverages = _some(
    {},
    {
        "BI": st.fixed_dictionaries({"limit": _split}),
        "PD": st.fixed_dictionaries({"limit": st.sampled_from([10, 15, 25, 50, 100])}),
        "UM": st.fixed_dictionaries({"limit": _split}),
        "MED": st.fixed_dictionaries({"limit": st.sampled_from([1000, 2000, 5000, 10000])}),
        "PIP": st.fixed_dictionaries({"limit": st.sampled_from([2500, 5000, 10000, 50000])}),
        "COMP": _some({}, {"deductible": st.sampled_from([100, 250, 500, 1000])}),
        "COLL": _some({}, {"deductible": st.sampled_from([250, 500, 1000])}),
    },
)
_policy = {
    "payment_plan": st.sampled_from(["installments", "paid_in_full", "eft"]),
    "paperless": st.booleans(),
    "multi_policy": st.booleans(),
}
# A risk's ZIPs exist and lie in its state: a state is drawn, then ZIPs of it.
_states = st.sampled_from(sorted(places.STATE_NAMES))


def _zip_in(state: str) -> st.SearchStrategy[str]:
    return st.sampled_from(places.zips_of(state))


_base = {
    "state": _states,
    "effective_date": _effective_dates.map(dt.date.isoformat),
}


@st.composite
def _auto(draw: st.DrawFn) -> dict[str, Any]:
    drivers = draw(st.lists(_driver(), min_size=1, max_size=6))
    risk = draw(
        _some(
            {
                "line": st.just("auto"),
                **_base,
                "vehicles": st.lists(_vehicle(len(drivers)), min_size=1, max_size=6),
                "coverages": _coverages,
            },
            {**_policy, "homeowner": st.booleans(), "prior_insurance_months": st.integers(0, 600)},
        )
    )
    for vehicle in risk["vehicles"]:
        vehicle["garaging_zip"] = draw(_zip_in(risk["state"]))
    return AutoRisk.model_validate({**risk, "drivers": drivers}).facts()


@st.composite
def _home(draw: st.DrawFn) -> dict[str, Any]:
    risk = draw(_home_facts)
    built = draw(st.integers(1800, 2027))
    roof = draw(st.one_of(st.just(0), st.integers(built, 2027)))
    risk["zip"] = draw(_zip_in(risk["state"]))
    return HomeRisk.model_validate({**risk, "year_built": built, "roof_year": roof}).facts()


auto_risks = _auto()

_home_facts = _some(
    {
        "line": st.just("home"),
        **_base,
        "form": st.sampled_from(["HO3", "HO4", "HO6"]),
        "zip": st.from_regex(r"\A[0-9]{5}\Z"),
        "protection_class": st.integers(1, 10),
        "coverage_c": st.integers(0, 2_000_000),
        "coverage_a": st.integers(0, 5_000_000),
    },
    {
        **_policy,
        "construction": st.sampled_from(["frame", "masonry", "masonry_veneer", "fire_resistive"]),
        "roof_type": st.sampled_from(["asphalt", "metal", "tile", "slate", "wood_shake", "flat"]),
        "distance_to_coast_miles": st.decimals(
            min_value=0, max_value=500, places=1, allow_nan=False
        ).map(str),
        "liability_limit": st.sampled_from([100000, 300000, 500000]),
        "deductible": st.sampled_from([500, 1000, 2500, 5000]),
        "wind_hail_deductible_pct": st.sampled_from([0, 1, 2, 5]),
        "claims": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(
                        ["fire", "water", "wind_hail", "theft", "liability", "other"]
                    ),
                    "date": _event_dates.map(dt.date.isoformat),
                }
            ),
            max_size=3,
        ),
        "burglar_alarm": st.booleans(),
        "fire_alarm": st.booleans(),
        "sprinklers": st.booleans(),
        "scheduled_jewelry": st.integers(0, 100_000),
    },
)
home_risks = _home()


def example(name: str) -> dict[str, Any]:
    """An example risk as the API hands it on: checked, only the fields sent."""
    risk = json.loads((EXAMPLES / name).read_text())
    facts: dict[str, Any] = MODELS[risk["line"]].model_validate(risk).facts()
    return facts


@pytest.mark.parametrize(
    ("example_file", "stored"),
    [("auto.json", "request_auto.xml"), ("home.json", "request_home.xml")],
)
def test_request_of_example_risk_is_the_stored_one(example_file: str, stored: str) -> None:
    risk = example(example_file)
    built = build_request(risk, risk["line"])
    path = FIXTURES / stored
    if REGENERATE:
        if path.exists():
            warnings.warn(f"rewriting {path.name}", stacklevel=1)
        path.write_bytes(built)
    assert built == path.read_bytes()


@pytest.mark.parametrize("example_file", ["auto.json", "home.json"])
def test_stored_request_reads_back_as_the_example_risk(example_file: str) -> None:
    risk = example(example_file)
    line, back = parse_request(fixture(f"request_{risk['line']}.xml"))
    assert line == risk["line"]
    assert back == risk


@pytest.mark.parametrize(
    "example_file",
    [
        "auto.json",
        "auto_ca.json",
        "auto_ny.json",
        "auto_tx_dwi.json",
        "auto_tx_rural.json",
        "auto_young_driver.json",
        "home.json",
        "home_condo.json",
        "home_ny.json",
        "home_renter.json",
    ],
)
def test_every_example_risk_round_trips(example_file: str) -> None:
    risk = example(example_file)
    assert parse_request(build_request(risk, risk["line"])) == (risk["line"], risk)


def test_request_names_the_elements_a_carrier_expects() -> None:
    root = etree.fromstring(fixture("request_auto.xml"))
    message = root.find("InsuranceSvcRq/PersAutoPolicyQuoteInqRq")
    assert message is not None
    assert message.findtext("PersPolicy/LOBCd") == "AUTOP"
    assert message.findtext("PersPolicy/ContractTerm/EffectiveDt") == "2026-12-01"
    drivers = message.findall("PersAutoLineBusiness/PersDriver")
    assert [d.get("id") for d in drivers] == ["D1", "D2"]
    assert drivers[0].findtext("DriverInfo/PersonInfo/BirthDt") == "1981-04-17"
    assert drivers[0].findtext("AccidentViolation/AccidentViolationCd") == "MinorSpeeding"
    vehicle = message.find("PersAutoLineBusiness/PersVeh[@id='V1']")
    assert vehicle is not None
    assert vehicle.findtext("Addr/PostalCode") == "78745"
    assert vehicle.find("DriverVehRel").get("DriverRef") == "D2"  # type: ignore[union-attr]
    bi = message.find("PersAutoLineBusiness/Coverage[CoverageCd='BI']")
    assert bi is not None
    limits = [
        (lim.findtext("FormatInteger"), lim.findtext("LimitAppliesToCd"))
        for lim in bi.findall("Limit")
    ]
    assert limits == [("50000", "PerPerson"), ("100000", "PerAcc")]


def test_request_uid_is_the_callers_or_stable_for_the_same_risk() -> None:
    risk = example("auto.json")
    assert parse_request_message(build_request(risk, "auto", request_uid="abc-1")).request_uid == (
        "abc-1"
    )
    first = parse_request_message(build_request(risk, "auto")).request_uid
    assert first == parse_request_message(build_request(dict(risk), "auto")).request_uid
    other = parse_request_message(build_request({**risk, "paperless": False}, "auto"))
    assert other.request_uid != first


def test_empty_list_sent_stays_apart_from_list_left_out() -> None:
    risk = example("auto.json")
    assert risk["drivers"][1]["incidents"] == []
    without = {
        **risk,
        "drivers": [{k: v for k, v in d.items() if k != "incidents"} for d in risk["drivers"]],
    }
    assert parse_request(build_request(without, "auto"))[1] == without
    assert parse_request(build_request(risk, "auto"))[1] == risk


def test_null_field_reads_back_as_left_out() -> None:
    risk = example("auto.json")
    risk["drivers"][0]["gender"] = None
    _, back = parse_request(build_request(risk, "auto"))
    assert "gender" not in back["drivers"][0]


@given(auto_risks)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_auto_risk_round_trips(risk: dict[str, Any]) -> None:
    sent = {k: v for k, v in risk.items() if k != "sources"}
    assert parse_request(build_request(risk, "auto")) == ("auto", sent)


@given(home_risks)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_home_risk_round_trips(risk: dict[str, Any]) -> None:
    # What a fact's source was (looked up, estimated) is not the carrier's: it is not sent.
    sent = {k: v for k, v in risk.items() if k != "sources"}
    assert parse_request(build_request(risk, "home")) == ("home", sent)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paperles": True}, "no ACORD mapping for paperles"),
        ({"paperless": "yes"}, "risk.paperless: 'yes' is not true or false"),
        ({"effective_date": "1 Dec 2026"}, "is not a date YYYY-MM-DD"),
        ({"payment_plan": "weekly"}, "is not one of"),
        ({"coverages": {"BI": {"limit": "50-100"}}}, "is not a split limit"),
        ({"coverages": {"TOW": {"limit": 50}}}, "no ACORD mapping for TOW"),
        ({"line": "home"}, "the risk is for the 'home' line"),
    ],
)
def test_build_refuses_what_it_cannot_write_exactly(change: dict[str, Any], message: str) -> None:
    with pytest.raises(AcordError, match=message):
        build_request({**example("auto.json"), **change}, "auto")


def test_build_refuses_a_line_without_mapping() -> None:
    with pytest.raises(AcordError, match="no ACORD mapping for the 'life' line"):
        build_request({"line": "life"}, "life")


def test_build_refuses_text_xml_cannot_hold() -> None:
    risk = example("auto.json")
    risk["vehicles"][0]["make"] = "Toy\x00ota"
    with pytest.raises(AcordError, match="cannot be written in XML"):
        build_request(risk, "auto")


def _edit(stored: str, old: str, new: str) -> bytes:
    body = fixture(stored)
    assert old.encode() in body
    return body.replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<GenderCd>M</GenderCd>", "<GenderCd>Q</GenderCd>", "GenderCd: 'Q' is not one of"),
        ("<ModelYear>2022</ModelYear>", "<ModelYear>2022.5</ModelYear>", "is not an integer"),
        ("<LOBCd>AUTOP</LOBCd>", "<LOBCd>HOME</LOBCd>", "LOBCd 'HOME' is not AUTOP"),
        (
            "<UnitMeasurementCd>SMI</UnitMeasurementCd>",
            "<UnitMeasurementCd>KMT</UnitMeasurementCd>",
            "'KMT' is not supported, only 'SMI'",
        ),
        ("<CoverageCd>BI</CoverageCd>", "<CoverageCd>TOWING</CoverageCd>", "unknown CoverageCd"),
        (
            "<FormatInteger>50000</FormatInteger>",
            "<FormatInteger>50500</FormatInteger>",
            "whole thousands",
        ),
        (
            "<com.rateshop_NumAccidentViolations>1<",
            "<com.rateshop_NumAccidentViolations>2<",
            "says 2 but there are 1 AccidentViolation",
        ),
        (
            "<BirthDt>1981-04-17</BirthDt>",
            "<BirthDt>1981-04-17</BirthDt><BirthDt>1981-04-18</BirthDt>",
            "appears 2 times",
        ),
        ('DriverRef="D2"', 'DriverRef="X2"', "is not a driver number"),
    ],
)
def test_parse_request_refuses_what_is_not_the_mapping(old: str, new: str, message: str) -> None:
    with pytest.raises(AcordError, match=message):
        parse_request(_edit("request_auto.xml", old, new))


def test_parse_request_refuses_home_forms_that_disagree() -> None:
    body = _edit(
        "request_home.xml", "<FormNumber>HO 00 03</FormNumber>", "<FormNumber>HO 00 06</FormNumber>"
    )
    with pytest.raises(AcordError, match="FormNumber says 'HO6' but another element 'HO3'"):
        parse_request(body)


def test_parse_request_refuses_an_answer() -> None:
    with pytest.raises(AcordError, match="ACORD has no InsuranceSvcRq"):
        parse_request(fixture("response_quoted_auto.xml"))


def test_mapping_doc_lists_every_field_and_path() -> None:
    from rateshop.carriers.acord import risk as acord

    doc = (Path(__file__).parents[2] / "docs" / "acord-mapping.md").read_text()
    tables = [
        ("", "", acord._AUTO_FIELDS),
        ("drivers[].", "PersDriver/", acord._DRIVER_FIELDS),
        ("drivers[].incidents[].", "PersDriver/AccidentViolation/", acord._INCIDENT_FIELDS),
        ("vehicles[].", "PersVeh/", acord._VEHICLE_FIELDS),
        ("", "", acord._HOME_FIELDS),
        ("claims[].", "PersPolicy/Loss/", acord._CLAIM_FIELDS),
    ]
    for key_prefix, path_prefix, fields in tables:
        for field in fields:
            path = path_prefix + field.path + (f"/@{field.attr}" if field.attr else "")
            assert f"| `{key_prefix}{field.key}` | `{path}`" in doc, (field.key, path)
    for ours, (code, _) in acord._AUTO_COVERAGES.items():
        assert f"`{ours}` `{code}`" in doc


@st.composite
def _mangled_request(draw: st.DrawFn) -> bytes:
    """A stored request with a stretch of its text replaced."""
    body = fixture(draw(st.sampled_from(["request_auto.xml", "request_home.xml"])))
    start = draw(st.integers(0, len(body) - 1))
    end = draw(st.integers(start, min(len(body), start + 40)))
    insert = draw(
        st.sampled_from([b"", b"<", b"</X>", b"<Coverage/>", b"<Limit/>", b"D0", b"-1", b"x"])
        | st.binary(max_size=12)
    )
    return body[:start] + insert + body[end:]


@given(_mangled_request())
@settings(max_examples=400, deadline=None)
def test_a_mangled_request_is_read_or_refused_never_crashes(body: bytes) -> None:
    try:
        line, risk = parse_request(body)
    except AcordError:
        return
    assert line in ("auto", "home")
    assert isinstance(risk, dict)
