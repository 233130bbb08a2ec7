"""Ranking and filters, savings tips, replay, re-quote and the household optimiser over HTTP."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from apikit import ROOT, Client, Server, example
from sqlalchemy import select
from sqlalchemy.orm import Session

from rateshop.api.comparisons.schemas import ComparisonOut, ReplayOut, RequoteOut, TipsOut
from rateshop.api.households.schemas import HouseholdOut
from rateshop.compare.bundle import household
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.default import load_market
from rateshop.compare.market import RATING_ORDER
from rateshop.compare.ranking import present
from rateshop.compare.replay import requote
from rateshop.compare.service import compare
from rateshop.compare.tips import tips
from rateshop.services.runtime import Runtime
from rateshop.store.models import AnswerRow, ComparisonRow

LIBRARY, MARKET = load_market((ROOT / "manuals").resolve(), (ROOT / "market").resolve())


def create(api: Client, risk: dict[str, Any], **params: str) -> dict[str, Any]:
    reply = api.post("/comparisons", risk, params=params)
    assert reply.status == 201, reply.text
    body: dict[str, Any] = reply.json
    return body


def problems(reply: Any) -> dict[str, tuple[str, str | None]]:
    assert reply.status == 422, reply.text
    assert reply.json["error"] == "invalid_request"
    return {e["field"]: (e["problem"], e.get("allowed")) for e in reply.json["errors"]}


def in_process(risk: dict[str, Any]) -> Any:
    return compare(risk, manual_connectors(LIBRARY, risk["line"], risk["state"]), MARKET)


# --- ranking and filters ----------------------------------------------------------------------


def test_a_comparison_is_ranked_and_filtered_as_asked_when_made_and_when_fetched(
    api: Client,
) -> None:
    risk = example("life")
    params = {"rank": "rating", "min_rating": "A"}
    made = create(api, risk, **params)
    ComparisonOut.model_validate(made)
    expected = present(in_process(risk).to_dict(worksheet=False), "rating", min_rating="A")
    for answer in made["quotes"]:
        assert answer["quote"].pop("worksheet_url").endswith("/worksheet")
    assert {k: v for k, v in made.items() if k not in ("ref", "owner_key")} == expected
    ratings = [RATING_ORDER.index(a["rating"]) for a in made["quotes"]]
    assert ratings == sorted(ratings)
    assert all(r <= RATING_ORDER.index("A") for r in ratings)
    assert made["ranking"]["by"] == "rating"

    fetched = api.get(f"/comparisons/{made['ref']}", params=params).json
    for answer in fetched["quotes"]:
        del answer["quote"]["worksheet_url"]
    assert fetched == {k: v for k, v in made.items() if k != "owner_key"}
    # The whole comparison was stored: asked without filters, every carrier is back.
    whole = api.get(f"/comparisons/{made['ref']}").json
    assert len(whole["quotes"]) + len(whole["declines"]) > len(made["quotes"]) + len(
        made["declines"]
    )
    assert whole["ranking"]["by"] == "price"


def test_filter_by_group_keeps_only_its_carriers(api: Client) -> None:
    group = MARKET.carriers["pinnacle-national"].group
    made = create(api, example("auto"), group=group.lower())
    carriers = [a["carrier"] for a in (*made["quotes"], *made["declines"], *made["errors"])]
    assert carriers
    assert {MARKET.carriers[c].group for c in carriers} == {group}


def test_like_for_like_ranking_is_in_the_json(api: Client) -> None:
    risk = example("auto")
    risk["coverages"]["PD"] = {"limit": 15}  # no Texas manual sells it: all quote $25,000
    made = create(api, risk, rank="like_for_like")
    assert made["ranking"] == {
        "by": "like_for_like",
        "group": None,
        "min_rating": None,
        "like_for_like": 0,
        "nearest_cover": len(made["quotes"]),
    }
    for answer in made["quotes"]:
        assert answer["substitutions"] == [
            {
                "field": "coverages.PD.limit",
                "asked": 15,
                "quoted": 25,
                "note": "below the legal minimum in TX (30/60/25); quoted at the minimum",
            }
        ]


def test_bad_ranking_parameters_are_precise_422s(api: Client) -> None:
    risk = example("life")
    assert problems(api.post("/comparisons", risk, params={"rank": "cheapest"})) == {
        "rank": ("'cheapest' is not an allowed value", "price, like_for_like, rating"),
    }
    assert problems(api.post("/comparisons", risk, params={"min_rating": "AAA"})) == {
        "min_rating": ("'AAA' is not a financial-strength rating", ", ".join(RATING_ORDER)),
    }
    found = problems(api.get(f"/comparisons/{'x' * 32}", params={"group": "Nobody Mutual"}))
    assert found["group"][0] == "'Nobody Mutual' is not a group of the market"
    assert "Pinnacle Insurance Group" in str(found["group"][1])


# --- savings tips -----------------------------------------------------------------------------


def test_tips_of_a_stored_comparison_are_the_in_process_tips(api: Client) -> None:
    risk = example("auto")
    ref = create(api, risk)["ref"]
    reply = api.get(f"/comparisons/{ref}/tips", params={"top": "2"})
    assert reply.status == 200, reply.text
    body = TipsOut.model_validate(reply.json)
    assert body.ref == ref
    conns = manual_connectors(LIBRARY, "auto", "TX")
    expected = [t.to_dict() for t in tips(in_process(risk), risk, conns, top=2)]
    assert expected
    assert reply.json["tips"] == expected
    savings = [Decimal(t.saving_per_year) for t in body.tips]
    assert savings == sorted(savings, reverse=True)


def test_tips_need_a_known_ref_and_a_sensible_count(api: Client) -> None:
    assert api.get(f"/comparisons/{'x' * 32}/tips").status == 404
    ref = create(api, example("life"))["ref"]
    assert problems(api.get(f"/comparisons/{ref}/tips", params={"top": "0"})) == {
        "top": ("'0' is out of range", "at least 1"),
    }


# --- replay and re-quote ----------------------------------------------------------------------


def runtime(server: Server) -> Runtime:
    app: Any = server.server.config.app
    found: Runtime = app.state.runtime
    return found


def test_replay_gives_every_stored_answer_again_to_the_cent(api: Client) -> None:
    risk = example("auto")
    risk["coverages"]["PD"] = {"limit": 15}  # substituted answers replay too
    made = create(api, risk)
    reply = api.get(f"/comparisons/{made['ref']}/replay")
    assert reply.status == 200, reply.text
    body = ReplayOut.model_validate(reply.json)
    assert body.same
    assert [a.carrier for a in body.answers] == [
        a["carrier"] for a in (*made["quotes"], *made["declines"])
    ]
    for check, answer in zip(body.answers, made["quotes"], strict=False):
        assert check.same
        assert check.differences == []
        assert check.stored_total == check.replayed_total == answer["quote"]["total"]


def test_replay_names_a_stored_answer_that_no_longer_matches(api: Client, server: Server) -> None:
    ref = create(api, example("home"))["ref"]
    with Session(runtime(server).store.engine) as session:
        row = session.scalars(
            select(AnswerRow)
            .join(ComparisonRow)
            .where(ComparisonRow.ref == ref, AnswerRow.kind == "quote")
            .order_by(AnswerRow.position)
        ).first()
        assert row is not None
        body = copy.deepcopy(row.body)
        body["quote"]["total"] = str(Decimal(body["quote"]["total"]) + Decimal("0.01"))
        row.body = body
        session.commit()
        carrier = row.carrier
    reply = api.get(f"/comparisons/{ref}/replay").json
    assert reply["same"] is False
    wrong = [a for a in reply["answers"] if not a["same"]]
    assert [(a["carrier"], a["differences"]) for a in wrong] == [(carrier, ["quote.total"])]


def test_requote_on_a_date_says_what_changed(api: Client) -> None:
    risk = example("auto")
    risk["effective_date"] = "2026-03-01"  # pinnacle-national files new rates from 2026-07-01
    made = create(api, risk)
    reply = api.get(f"/comparisons/{made['ref']}/requote", params={"on": "2026-08-01"})
    assert reply.status == 200, reply.text
    body = RequoteOut.model_validate(reply.json)
    assert body.on == dt.date(2026, 8, 1)
    by_carrier = {a["carrier"]: a for a in reply.json["answers"]}
    assert set(by_carrier) == {a["carrier"] for a in (*made["quotes"], *made["declines"])}
    for answer in (*made["quotes"], *made["declines"]):
        got = answer.get("quote") or answer["decline"]
        expected = requote(LIBRARY, risk, got["manual"]["content_hash"], dt.date(2026, 8, 1))
        assert by_carrier[answer["carrier"]] == expected.to_dict()
    moved = by_carrier["pinnacle-national"]
    assert moved["version_changed"] is True
    assert Decimal(moved["total_change"]) > 0
    assert moved["changes"]


def test_requote_refuses_a_date_with_no_manual_and_unknown_refs(api: Client) -> None:
    ref = create(api, example("life"))["ref"]
    found = problems(api.get(f"/comparisons/{ref}/requote", params={"on": "1999-01-01"}))
    assert found == {
        "on": ("no life manual in TX is in force on 1999-01-01", "from 2026-01-01"),
    }
    assert set(problems(api.get(f"/comparisons/{ref}/requote", params={"on": "soon"}))) == {"on"}
    assert api.get(f"/comparisons/{'x' * 32}/requote").status == 404
    assert api.get(f"/comparisons/{'x' * 32}/replay").status == 404


def test_requote_without_a_date_uses_today(api: Client) -> None:
    ref = create(api, example("health"))["ref"]
    reply = api.get(f"/comparisons/{ref}/requote")
    assert reply.status == 200, reply.text
    assert reply.json["on"] == dt.date.today().isoformat()


# --- household optimiser ----------------------------------------------------------------------


def test_household_is_the_in_process_optimum_and_never_dearer(api: Client) -> None:
    auto, home = example("auto_ny"), example("home_ny")
    home["multi_policy"] = False
    reply = api.post("/households", {"risks": [auto, home]})
    assert reply.status == 200, reply.text
    body = HouseholdOut.model_validate(reply.json)
    assert Decimal(body.best_total_per_year) <= Decimal(body.singles_total_per_year)
    assert {p.line for p in body.best} == {"auto", "home"}
    expected = household(
        [auto, home], lambda line, state: manual_connectors(LIBRARY, line, state), MARKET
    )
    assert reply.json == expected.to_dict()


def test_household_problems_are_named_by_their_place_in_the_list(api: Client) -> None:
    auto = example("auto")
    assert problems(api.post("/households", {"risks": [auto, example("life"), auto]})) == {
        "risks[2].line": ("a second auto risk (the first is risks[0])", "one risk per line"),
    }
    broken = copy.deepcopy(auto)
    broken["drivers"][0]["birth_date"] = "someday"
    found = problems(api.post("/households", {"risks": [example("home"), broken]}))
    assert set(found) == {"risks[1].drivers[0].birth_date"}
    del broken["drivers"][0]["birth_date"]
    broken["drivers"][0]["birth_date"] = auto["drivers"][0]["birth_date"]
    del broken["drivers"][1]["gender"]  # the question set allows it; the Texas manuals do not
    found = problems(api.post("/households", {"risks": [example("home"), broken]}))
    assert set(found) == {"risks[1].drivers[1].gender"}
    assert set(problems(api.post("/households", {"risks": []}))) == {"risks"}


def test_a_plan_year_after_the_last_filed_says_its_rates_are_not_filed_yet(api: Client) -> None:
    risk = {**example("health"), "effective_date": "2027-02-01"}
    assert problems(api.post("/comparisons", risk)) == {
        "effective_date": ("no 2027 health rates are filed yet in TX", "2026-01-01 to 2026-12-31")
    }
