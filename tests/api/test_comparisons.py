"""Comparisons over HTTP: each line compared, ranked and stored whole; fetched, exported, deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from apikit import ROOT, Client, example

from rateshop.api.comparisons.schemas import (
    ComparisonOut,
    CreatedComparisonOut,
    ExportOut,
    WorksheetOut,
)
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.default import load_market
from rateshop.compare.ranking import present
from rateshop.compare.service import compare

# Each line's example is declined by one carrier of the sample market.
DECLINED = {
    "auto": "harborview",
    "home": "harborview",
    "life": "lakeshore-life",
    "health": "sunstate-health",
}


def create(api: Client, name: str) -> str:
    reply = api.post("/comparisons", example(name))
    assert reply.status == 201, reply.text
    ref: str = reply.json["ref"]
    return ref


def _lean(answer: dict[str, Any], ref: str) -> dict[str, Any]:
    """An in-process quote answer as the API gives it by default: the link, not the worksheet."""
    quote = {k: v for k, v in answer["quote"].items() if k != "worksheet"}
    quote["worksheet_url"] = f"/comparisons/{ref}/quotes/{answer['carrier']}/worksheet"
    return {**answer, "quote": quote}


@pytest.mark.parametrize("line", list(DECLINED))
def test_each_line_is_compared_ranked_with_worksheets_one_link_away(api: Client, line: str) -> None:
    risk = example(line)
    reply = api.post("/comparisons", risk)
    assert reply.status == 201, reply.text
    assert reply.headers["Content-Type"] == "application/json"
    body = CreatedComparisonOut.model_validate(reply.json)
    assert (body.line, body.state, body.effective.isoformat()) == (
        line,
        "TX",
        risk["effective_date"],
    )
    yearly = [Decimal(a.quote.per_year) for a in body.quotes if a.quote]
    assert len(yearly) == len(body.quotes) >= 3
    assert yearly == sorted(yearly)
    for answer in body.quotes:
        assert answer.quote is not None
        assert answer.quote.worksheet is None, "answers are lean by default"
        assert answer.quote.worksheet_url
        assert answer.quote.manual.carrier == answer.carrier
    assert [a.carrier for a in body.declines] == [DECLINED[line]]
    assert body.declines[0].decline is not None
    assert body.declines[0].decline.reasons
    assert body.errors == []

    # The same answers, to the cent, as comparing in-process, each worksheet one link away.
    library, market = load_market((ROOT / "manuals").resolve(), (ROOT / "market").resolve())
    expected = present(compare(risk, manual_connectors(library, line, "TX"), market).to_dict())
    full = {**expected, "quotes": [_lean(a, body.ref) for a in expected["quotes"]]}
    assert {k: v for k, v in reply.json.items() if k not in ("ref", "owner_key")} == full
    for answer in expected["quotes"]:
        got = api.get(f"/comparisons/{body.ref}/quotes/{answer['carrier']}/worksheet")
        assert got.status == 200, got.text
        assert got.json["worksheet"] == answer["quote"]["worksheet"]
        assert got.json["made_again"] is True
        assert got.json["total"] == answer["quote"]["total"]
        WorksheetOut.model_validate(got.json)

    # Read back by its reference: the same comparison, without the owner key.
    fetched = api.get(f"/comparisons/{body.ref}")
    assert fetched.status == 200
    assert fetched.json == {k: v for k, v in reply.json.items() if k != "owner_key"}
    ComparisonOut.model_validate(fetched.json)

    # Asked for, every worksheet comes in the answer itself, as rating made it.
    whole = api.get(f"/comparisons/{body.ref}?worksheets=true")
    assert whole.status == 200
    assert [a["quote"]["worksheet"] for a in whole.json["quotes"]] == [
        a["quote"]["worksheet"] for a in expected["quotes"]
    ]
    assert len(whole.text) > len(fetched.text)


def test_a_worksheet_of_a_carrier_without_a_quote_is_404(api: Client) -> None:
    ref = create(api, "life")
    for carrier in ("lakeshore-life", "no-such-carrier"):
        reply = api.get(f"/comparisons/{ref}/quotes/{carrier}/worksheet")
        assert reply.status == 404, reply.text
        assert reply.json["error"] == "not_found"


def test_each_comparison_gets_its_own_unguessable_ref(api: Client) -> None:
    first, second = create(api, "life"), create(api, "life")
    assert first != second
    assert len(first) >= 32


def test_export_holds_the_facts_asked_every_answer_and_no_contacts_yet(api: Client) -> None:
    ref = create(api, "life")
    reply = api.get(f"/comparisons/{ref}/export")
    assert reply.status == 200, reply.text
    body = ExportOut.model_validate(reply.json)
    assert body.ref == ref
    assert body.risk == example("life")
    assert [a.carrier for a in body.declines] == ["lakeshore-life"]
    assert body.contacts == []
    # What is kept: each quote as answered, but for the link to its worksheet.
    answered = api.get(f"/comparisons/{ref}").json["quotes"]
    for answer in answered:
        del answer["quote"]["worksheet_url"]
    assert reply.json["quotes"] == answered


def test_a_deleted_comparison_is_gone(api: Client) -> None:
    made = api.post("/comparisons", example("health")).json
    ref, key = made["ref"], made["owner_key"]
    deleted = api.call("DELETE", f"/comparisons/{ref}", headers={"X-Owner-Key": key})
    assert deleted.status == 204
    assert deleted.text == ""
    for reply in (
        api.get(f"/comparisons/{ref}"),
        api.get(f"/comparisons/{ref}/export"),
        api.call("DELETE", f"/comparisons/{ref}", headers={"X-Owner-Key": key}),
    ):
        assert reply.status == 404
        assert reply.json["error"] == "not_found"


def test_an_unknown_ref_is_404_and_the_message_does_not_repeat_it(api: Client) -> None:
    ref = "x" * 32
    reply = api.get(f"/comparisons/{ref}")
    assert reply.status == 404
    assert reply.json == {
        "error": "not_found",
        "message": "no comparison with reference xxxxxx…",
        "errors": [],
    }
    assert ref not in reply.text
