"""Contact with consent: the shopper picks ONE carrier; details kept encrypted with the consent."""

from __future__ import annotations

from typing import Any

from apikit import Client, example
from sqlalchemy import create_engine, text

from rateshop.api.comparisons.schemas import ContactRecorded, ExportOut

DETAILS = {"name": "Dana Rivera", "email": "dana@example.org", "phone": "+1 512 555 0100"}


def compared(api: Client) -> dict[str, Any]:
    reply = api.post("/comparisons", example("auto"))
    assert reply.status == 201
    body: dict[str, Any] = reply.json
    return body


def test_contact_with_consent_for_one_carrier_is_kept_encrypted(
    api: Client, api_database: str
) -> None:
    comparison = compared(api)
    ref, chosen = comparison["ref"], comparison["quotes"][0]
    reply = api.post(
        f"/comparisons/{ref}/contact",
        {"carrier": chosen["carrier"], "contact": DETAILS, "consent": True},
    )
    assert reply.status == 201, reply.text
    recorded = ContactRecorded.model_validate(reply.json)
    assert (recorded.ref, recorded.carrier) == (ref, chosen["carrier"])
    assert chosen["carrier_name"] in recorded.wording

    plain = ExportOut.model_validate(api.get(f"/comparisons/{ref}/export").json)
    assert [(c.carrier, c.wording, c.contact) for c in plain.contacts] == [
        (chosen["carrier"], recorded.wording, None)
    ]
    full = api.get(f"/comparisons/{ref}/export", params={"include_contact": "true"}).json
    assert full["contacts"][0]["contact"] == DETAILS

    engine = create_engine(api_database)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                text(
                    "SELECT c.contact FROM contacts c JOIN comparisons p ON p.id = c.comparison_id "
                    "WHERE p.ref = :ref"
                ),
                {"ref": ref},
            ).scalar_one()
    finally:
        engine.dispose()
    assert "dana" not in stored.lower()
    assert "555" not in stored


def test_the_wording_the_shopper_saw_is_the_one_recorded(api: Client) -> None:
    comparison = compared(api)
    wording = "Yes, Pinnacle Direct may call me about this quote."
    reply = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        {
            "carrier": "pinnacle-direct",
            "contact": {"phone": "512-555-0100"},
            "consent": True,
            "wording": wording,
        },
    )
    assert reply.status == 201, reply.text
    assert reply.json["wording"] == wording


def test_a_carrier_not_in_the_comparison_is_422_naming_the_ones_that_are(api: Client) -> None:
    comparison = compared(api)
    reply = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        {"carrier": "meridian-life", "contact": DETAILS, "consent": True},
    )
    assert reply.status == 422
    (error,) = reply.json["errors"]
    assert error["field"] == "carrier"
    assert "'meridian-life' is not in comparison" in error["problem"]
    answered = {a["carrier"] for k in ("quotes", "declines") for a in comparison[k]}
    assert set(error["allowed"].split(", ")) == answered


def test_no_consent_or_no_way_to_reach_the_shopper_is_422(api: Client) -> None:
    ref = compared(api)["ref"]
    refused = api.post(
        f"/comparisons/{ref}/contact",
        {"carrier": "pinnacle-direct", "contact": DETAILS, "consent": False},
    )
    assert refused.status == 422
    assert [(e["field"], e["allowed"]) for e in refused.json["errors"]] == [("consent", "true")]
    unreachable = api.post(
        f"/comparisons/{ref}/contact",
        {"carrier": "pinnacle-direct", "contact": {"name": "Dana"}, "consent": True},
    )
    assert unreachable.status == 422
    assert [(e["field"], e["problem"]) for e in unreachable.json["errors"]] == [
        ("contact", "give an email or a phone number")
    ]
    several = api.post(
        f"/comparisons/{ref}/contact",
        {"carrier": ["pinnacle-direct", "harborview"], "contact": DETAILS, "consent": True},
    )
    assert several.status == 422
    assert api.get(f"/comparisons/{ref}/export").json["contacts"] == []


def test_contact_for_an_unknown_ref_is_404(api: Client) -> None:
    reply = api.post(
        "/comparisons/" + "z" * 32 + "/contact",
        {"carrier": "pinnacle-direct", "contact": DETAILS, "consent": True},
    )
    assert reply.status == 404
