"""Comparisons over HTTP: each line compared, ranked and stored whole; fetched, exported, deleted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from apikit import ROOT, Client, example

from rateshop.api.comparisons.schemas import ComparisonOut, CreatedComparisonOut, ExportOut
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


@pytest.mark.parametrize("line", list(DECLINED))
def test_each_line_is_compared_ranked_with_worksheets_and_declines(api: Client, line: str) -> None:
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
        assert answer.quote.worksheet, f"{answer.carrier} has no worksheet"
        assert answer.quote.manual.carrier == answer.carrier
    assert [a.carrier for a in body.declines] == [DECLINED[line]]
    assert body.declines[0].decline is not None
    assert body.declines[0].decline.reasons
    assert body.errors == []

    # The same answers, to the cent, as comparing in-process.
    library, market = load_market((ROOT / "manuals").resolve(), (ROOT / "market").resolve())
    expected = present(compare(risk, manual_connectors(library, line, "TX"), market).to_dict())
    assert {k: v for k, v in reply.json.items() if k not in ("ref", "owner_key")} == expected

    # Read back by its reference: the same comparison, without the owner key.
    fetched = api.get(f"/comparisons/{body.ref}")
    assert fetched.status == 200
    assert fetched.json == {k: v for k, v in reply.json.items() if k != "owner_key"}
    ComparisonOut.model_validate(fetched.json)


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
    assert reply.json["quotes"] == api.get(f"/comparisons/{ref}").json["quotes"]


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
