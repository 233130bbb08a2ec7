"""``/agencies`` on PostgreSQL: the agencies listed, their consent wording, and a shopper's request
landing in the chosen agency's inbox only (with the owner key, to the wording in force)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest
from apikit import Client, Server, example, postgres_schema, server_settings
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from rateshop.api import create_app
from rateshop.services.agency import Desk, leads
from rateshop.store.agency_records import Agency

# This module's server listens on the first free port of this range.
PORTS = range(18330, 18350)


@pytest.fixture(scope="module")
def served(postgres_admin: Engine) -> Iterator[tuple[Client, Desk, Agency, Agency]]:
    """The API on a PostgreSQL schema of its own, with two agencies."""
    with postgres_schema(postgres_admin, "rateshop_agency_api") as url:
        server = Server(create_app(server_settings(url)), PORTS)
        server.start()
        client = Client(server.url)
        try:
            runtime = cast(FastAPI, server.server.config.app).state.runtime
            desk = Desk.over(runtime.store.engine, runtime.settings)
            north = desk.agencies.create_agency("North Star Insurance Agency", "TX-AG-2041")
            south = desk.agencies.create_agency("Southern Cross Brokers", "TX-AG-7310")
            yield client, desk, north, south
        finally:
            client.close()
            server.stop()


def test_a_shopper_asks_one_agency_and_only_it_gets_the_lead(
    served: tuple[Client, Desk, Agency, Agency],
) -> None:
    api, desk, north, south = served
    listed = api.get("/agencies").json["agencies"]
    assert [a["name"] for a in listed] == [north.name, south.name]
    consent = api.get(f"/agencies/{north.id}/consent").json
    assert consent["consent_version"] == leads.CURRENT
    assert north.name in consent["wording"]
    assert "TX-AG-2041" in consent["wording"]
    assert api.get("/agencies/999999/consent").status == 404

    made = api.post("/comparisons", example("auto")).json
    body = {
        "ref": made["ref"],
        "contact": {"name": "Dana Whitfield", "email": "dana@example.org"},
        "consent": True,
        "consent_version": consent["consent_version"],
    }
    key = {"X-Owner-Key": made["owner_key"]}
    assert (
        api.post(f"/agencies/{north.id}/leads", body, headers={"X-Owner-Key": "no"}).status == 403
    )
    stale = api.post(
        f"/agencies/{north.id}/leads", {**body, "consent_version": "2020"}, headers=key
    )
    assert stale.status == 422
    assert api.post("/agencies/999999/leads", body, headers=key).status == 404
    unreachable = {**body, "contact": {"name": "Dana Whitfield"}}
    assert api.post(f"/agencies/{north.id}/leads", unreachable, headers=key).status == 422

    given = api.post(f"/agencies/{north.id}/leads", body, headers=key)
    assert given.status == 201, given.text
    assert given.json["wording"] == consent["wording"]
    assert "contact" not in given.json
    inbox = desk.leads.leads(north.id)
    assert [(lead.id, lead.ref) for lead in inbox] == [(given.json["lead"], made["ref"])]
    assert desk.leads.leads(south.id) == []
