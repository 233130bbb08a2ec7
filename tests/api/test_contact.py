"""Contact with consent: the shopper picks ONE carrier; only that carrier ever reads the details.

A comparison's reference reads its quotes and nothing more: consenting to contact and deleting need
the owner key handed to the shopper when the comparison was made, the consent wording is the
server's own (versioned), and the details go to the chosen carrier alone, through its own
authenticated route.
"""

from __future__ import annotations

from typing import Any

from apikit import CARRIER_KEY, Client, example
from sqlalchemy import create_engine, text

from rateshop.api.comparisons.schemas import ContactRecorded, ExportOut
from rateshop.services.consent import CURRENT

DETAILS = {"name": "Dana Rivera", "email": "dana@example.org", "phone": "+1 512 555 0100"}


def compared(api: Client, line: str = "auto") -> dict[str, Any]:
    reply = api.post("/comparisons", example(line))
    assert reply.status == 201
    body: dict[str, Any] = reply.json
    return body


def consent(carrier: str, contact: Any = None, **extra: Any) -> dict[str, Any]:
    body = {"carrier": carrier, "contact": contact or DETAILS, "consent": True}
    return {"consent_version": CURRENT, **body, **extra}


def owner(comparison: dict[str, Any]) -> dict[str, str]:
    return {"X-Owner-Key": comparison["owner_key"]}


def leads(api: Client, carrier: str, key: str | None = CARRIER_KEY) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return api.get(f"/carriers/{carrier}/leads", headers=headers)


def test_contact_goes_to_the_chosen_carrier_alone_encrypted_at_rest(
    api: Client, api_database: str
) -> None:
    comparison = compared(api)
    ref, chosen = comparison["ref"], comparison["quotes"][0]
    reply = api.post(
        f"/comparisons/{ref}/contact", consent(chosen["carrier"]), headers=owner(comparison)
    )
    assert reply.status == 201, reply.text
    recorded = ContactRecorded.model_validate(reply.json)
    assert (recorded.ref, recorded.carrier, recorded.consent_version) == (
        ref,
        chosen["carrier"],
        CURRENT,
    )
    assert chosen["carrier_name"] in recorded.wording

    # The reference alone shows that consent was given, never the details.
    exported = ExportOut.model_validate(api.get(f"/comparisons/{ref}/export").json)
    assert [(c.carrier, c.wording, c.consent_version) for c in exported.contacts] == [
        (chosen["carrier"], recorded.wording, CURRENT)
    ]
    assert "dana" not in api.get(f"/comparisons/{ref}/export").text.lower()
    asked = api.get(f"/comparisons/{ref}/export", params={"include_contact": "true"})
    assert "dana" not in asked.text.lower()

    # The chosen carrier reads them with its key; another carrier, or no key, reads nothing.
    got = leads(api, chosen["carrier"])
    assert got.status == 200, got.text
    mine = [lead for lead in got.json["leads"] if lead["ref"] == ref]
    assert [lead["contact"] for lead in mine] == [DETAILS]
    assert mine[0]["wording"] == recorded.wording
    other = comparison["quotes"][1]["carrier"]
    assert all(lead["ref"] != ref for lead in leads(api, other).json["leads"])
    for refused in (
        leads(api, chosen["carrier"], key=None),
        leads(api, chosen["carrier"], key="wrong-" + CARRIER_KEY),
        leads(api, "meridian-life"),  # a carrier without a configured key has no access
    ):
        assert refused.status == 401
        assert refused.json["error"] == "unauthorized"
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        assert "dana" not in refused.text.lower()

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


def test_the_reference_alone_can_neither_consent_nor_delete(api: Client) -> None:
    comparison = compared(api)
    ref, carrier = comparison["ref"], comparison["quotes"][0]["carrier"]
    for headers in ({}, {"X-Owner-Key": ref}, {"X-Owner-Key": "x" * 43}):
        contact = api.post(f"/comparisons/{ref}/contact", consent(carrier), headers=headers)
        delete = api.call("DELETE", f"/comparisons/{ref}", headers=headers)
        if headers:
            assert (contact.status, delete.status) == (403, 403)
            assert contact.json["error"] == delete.json["error"] == "forbidden"
        else:
            assert (contact.status, delete.status) == (422, 422)
            assert contact.json["errors"][0]["field"] == "X-Owner-Key"
    assert api.get(f"/comparisons/{ref}").status == 200
    assert api.get(f"/comparisons/{ref}/export").json["contacts"] == []
    # The owner key of another comparison opens nothing here either.
    other = compared(api, "life")
    assert api.call("DELETE", f"/comparisons/{ref}", headers=owner(other)).status == 403
    assert api.get(f"/comparisons/{ref}").status == 200


def test_the_wording_is_the_servers_own_and_versioned(api: Client) -> None:
    comparison = compared(api)
    shown = api.get("/consent/pinnacle-direct")
    assert shown.status == 200
    assert shown.json["consent_version"] == CURRENT
    assert "Pinnacle Direct" in shown.json["wording"]
    made_up = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        consent("pinnacle-direct", wording="I agree to anything"),
        headers=owner(comparison),
    )
    assert made_up.status == 422
    assert [e["field"] for e in made_up.json["errors"]] == ["wording"]
    stale = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        consent("pinnacle-direct", consent_version="2020-01-01"),
        headers=owner(comparison),
    )
    assert stale.status == 422
    assert [(e["field"], e["allowed"]) for e in stale.json["errors"]] == [
        ("consent_version", CURRENT)
    ]
    reply = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        consent("pinnacle-direct", {"phone": "512-555-0100"}),
        headers=owner(comparison),
    )
    assert reply.status == 201, reply.text
    assert reply.json["wording"] == shown.json["wording"]
    assert api.get("/consent/no-such-carrier").status == 404


def test_a_carrier_not_in_the_comparison_is_422_naming_the_ones_that_are(api: Client) -> None:
    comparison = compared(api)
    reply = api.post(
        f"/comparisons/{comparison['ref']}/contact",
        consent("meridian-life"),
        headers=owner(comparison),
    )
    assert reply.status == 422
    (error,) = reply.json["errors"]
    assert error["field"] == "carrier"
    assert "'meridian-life' is not in comparison" in error["problem"]
    answered = {a["carrier"] for k in ("quotes", "declines") for a in comparison[k]}
    assert set(error["allowed"].split(", ")) == answered


def test_no_consent_or_no_way_to_reach_the_shopper_is_422(api: Client) -> None:
    comparison = compared(api)
    ref, key = comparison["ref"], owner(comparison)
    refused = api.post(
        f"/comparisons/{ref}/contact", consent("pinnacle-direct", consent=False), headers=key
    )
    assert refused.status == 422
    assert [(e["field"], e["allowed"]) for e in refused.json["errors"]] == [("consent", "true")]
    unreachable = api.post(
        f"/comparisons/{ref}/contact", consent("pinnacle-direct", {"name": "Dana"}), headers=key
    )
    assert unreachable.status == 422
    assert [(e["field"], e["problem"]) for e in unreachable.json["errors"]] == [
        ("contact", "give an email or a phone number")
    ]
    several = api.post(
        f"/comparisons/{ref}/contact",
        consent(["pinnacle-direct", "harborview"]),  # type: ignore[arg-type]
        headers=key,
    )
    assert several.status == 422
    assert api.get(f"/comparisons/{ref}/export").json["contacts"] == []


def test_contact_for_an_unknown_ref_is_404(api: Client) -> None:
    reply = api.post(
        "/comparisons/" + "z" * 32 + "/contact",
        consent("pinnacle-direct"),
        headers={"X-Owner-Key": "k" * 43},
    )
    assert reply.status == 404


def test_consenting_again_replaces_the_details_never_a_second_lead(api: Client) -> None:
    comparison = compared(api)
    ref, carrier = comparison["ref"], comparison["quotes"][0]["carrier"]
    for email in ("first@example.org", "second@example.org"):
        reply = api.post(
            f"/comparisons/{ref}/contact",
            consent(carrier, {"email": email}),
            headers=owner(comparison),
        )
        assert reply.status == 201, reply.text
    mine = [lead for lead in leads(api, carrier).json["leads"] if lead["ref"] == ref]
    assert [lead["contact"] for lead in mine] == [{"email": "second@example.org"}]
    assert len(api.get(f"/comparisons/{ref}/export").json["contacts"]) == 1


def test_leads_since_must_be_a_moment_with_its_offset(api: Client) -> None:
    for since in ("2026-12-01T12:00:00", "0001-01-01T00:00:00+14:00", "yesterday"):
        reply = leads_since(api, "pinnacle-direct", since)
        assert reply.status == 422, (since, reply.text)
        assert reply.json["errors"][0]["field"] == "since"
    assert leads_since(api, "pinnacle-direct", "2026-12-01T12:00:00+00:00").status == 200


def leads_since(api: Client, carrier: str, since: str) -> Any:
    return api.get(
        f"/carriers/{carrier}/leads",
        params={"since": since},
        headers={"Authorization": f"Bearer {CARRIER_KEY}"},
    )
