"""The catalog over HTTP: carriers, lines, states, coverages on offer, and one carrier's rate."""

from __future__ import annotations

from typing import Any

from apikit import Client, example

from rateshop.api.catalog.schemas import Carrier, CoveragesOut, LineOut, StateOut
from rateshop.api.schemas import DeclineOut, QuoteOut


def ok(reply: Any) -> Any:
    assert reply.status == 200, reply.text
    return reply.json


def test_carriers_filter_by_line_state_and_group(api: Client) -> None:
    everyone = [Carrier.model_validate(c) for c in ok(api.get("/carriers"))]
    assert len(everyone) >= 16
    life_tx = ok(api.get("/carriers", params={"line": "life", "state": "tx"}))
    assert {c["id"] for c in life_tx} == {
        c.id for c in everyone if "TX" in c.writes.get("life", [])
    }
    assert len(life_tx) == 4
    group = ok(api.get("/carriers", params={"group": "Pinnacle Insurance Group"}))
    assert [c["id"] for c in group] == ["pinnacle-national", "pinnacle-direct"]
    auto_ny = ok(api.get("/carriers", params={"line": "auto", "state": "NY"}))
    assert all("NY" in c["writes"]["auto"] for c in auto_ny)
    unknown = api.get("/carriers", params={"line": "boat"})
    assert unknown.status == 422
    assert unknown.json["errors"][0]["field"] == "line"


def test_lines_and_states_with_their_minimum_auto_limits(api: Client) -> None:
    lines = [LineOut.model_validate(x) for x in ok(api.get("/lines"))]
    assert [x.id for x in lines] == ["auto", "home", "life", "health"]
    assert all(x.states == ["CA", "NY", "TX"] and x.carriers for x in lines)
    states = {s.code: s for s in map(StateOut.model_validate, ok(api.get("/states")))}
    assert set(states) == {"CA", "NY", "TX"}
    assert (states["TX"].auto_minimum.BI, states["TX"].auto_minimum.PD) == ("30/60", 25)
    assert (states["CA"].auto_minimum.BI, states["CA"].auto_minimum.PD) == ("30/60", 15)
    assert "gender" in states["CA"].auto_forbidden_factors
    assert states["NY"].lines == ["auto", "home", "life", "health"]


def test_coverage_options_offered_across_the_carriers_of_a_line_and_state(api: Client) -> None:
    reply = api.get("/lines/auto/coverages", params={"state": "TX", "as_of": "2026-12-01"})
    offered = CoveragesOut.model_validate(ok(reply))
    assert len(offered.carriers) == 5
    by_id = {c.id: c for c in offered.coverages}
    assert {"BI", "PD", "UM", "PIP", "COMP", "COLL"} <= set(by_id)
    assert by_id["BI"].required_by == offered.carriers
    (limit,) = by_id["BI"].options
    assert [v.value for v in limit.values] == ["30/60", "50/100", "100/300", "250/500"]
    (deductible,) = by_id["COLL"].options
    assert [v.value for v in deductible.values] == [250, 500, 1000]

    home = CoveragesOut.model_validate(
        ok(api.get("/lines/home/coverages", params={"state": "TX", "as_of": "2026-12-01"}))
    )
    choices = {o.name: [v.value for v in o.values] for o in home.choices}
    assert choices["deductible"] == [500, 1000, 2500, 5000]
    assert api.get("/lines/auto/coverages").status == 422  # the state is required


def test_rate_with_one_carrier_gives_its_quote_or_its_decline(api: Client) -> None:
    quoted = QuoteOut.model_validate(ok(api.post("/carriers/meridian-life/rate", example("life"))))
    assert quoted.manual.carrier == "meridian-life"
    assert quoted.worksheet
    compared = api.post("/comparisons?worksheets=true", example("life")).json
    (same,) = [a for a in compared["quotes"] if a["carrier"] == "meridian-life"]
    assert same["quote"].pop("worksheet_url")
    assert same["quote"] == quoted.model_dump(mode="json", exclude_unset=True)

    declined = DeclineOut.model_validate(
        ok(api.post("/carriers/lakeshore-life/rate", example("life")))
    )
    assert declined.reasons


def test_rate_with_an_unknown_carrier_or_one_not_writing_the_risk(api: Client) -> None:
    unknown = api.post("/carriers/nobody/rate", example("life"))
    assert unknown.status == 404
    assert unknown.json["error"] == "not_found"
    other_line = api.post("/carriers/harborview/rate", example("life"))
    assert other_line.status == 422
    assert other_line.json["errors"] == [
        {
            "field": "line",
            "problem": "Harborview Mutual Insurance does not write life",
            "allowed": "auto, home",
        }
    ]
    in_california = example("auto_ca")  # a California risk, its ZIPs in California
    other_state = api.post("/carriers/bluebonnet-county/rate", in_california)
    assert other_state.status == 422
    assert other_state.json["errors"][0]["field"] == "state"
    assert other_state.json["errors"][0]["allowed"] == "TX"


def test_an_unknown_state_or_a_number_for_a_date_is_422_not_an_empty_answer(api: Client) -> None:
    unknown = api.get("/lines/auto/coverages", params={"state": "ZZ"})
    assert unknown.status == 422
    (error,) = unknown.json["errors"]
    assert (error["field"], error["allowed"]) == ("state", "CA, NY, TX")
    for as_of in ("1767225600", "1767225600.5", "2026-1-1"):
        reply = api.get("/lines/auto/coverages", params={"state": "TX", "as_of": as_of})
        assert reply.status == 422, as_of
        assert reply.json["errors"][0]["field"] == "as_of"
    stored = api.post("/comparisons", example("life")).json["ref"]
    requote = api.get(f"/comparisons/{stored}/requote", params={"on": "1767225600"})
    assert requote.status == 422
