"""The OpenAPI document describes every endpoint, the question sets and the error body."""

from __future__ import annotations

from apikit import Client

PATHS = {
    "/comparisons": {"post"},
    "/comparisons/stream": {"post"},
    "/comparisons/{ref}": {"get", "delete"},
    "/comparisons/{ref}/export": {"get"},
    "/comparisons/{ref}/contact": {"post"},
    "/comparisons/{ref}/tips": {"get"},
    "/comparisons/{ref}/quotes/{carrier}/worksheet": {"get"},
    "/comparisons/{ref}/replay": {"get"},
    "/comparisons/{ref}/requote": {"get"},
    "/households": {"post"},
    "/carriers": {"get"},
    "/carriers/health": {"get"},
    "/carriers/{carrier}/rate": {"post"},
    "/carriers/{carrier}/leads": {"get"},
    "/consent/{carrier}": {"get"},
    "/agencies": {"get"},
    "/agencies/{agency_id}/consent": {"get"},
    "/agencies/{agency_id}/leads": {"post"},
    "/lines": {"get"},
    "/lines/{line}/coverages": {"get"},
    "/states": {"get"},
    "/echo": {"post"},
}


def test_the_document_lists_every_path_with_its_models(api: Client) -> None:
    reply = api.get("/openapi.json")
    assert reply.status == 200
    doc = reply.json
    assert {path: set(ops) for path, ops in doc["paths"].items()} == PATHS
    schemas = doc["components"]["schemas"]
    for name in (
        "AutoRisk",
        "HomeRisk",
        "LifeRisk",
        "HealthRisk",
        "ComparisonOut",
        "CreatedComparisonOut",
        "ExportOut",
        "ContactRequest",
        "ErrorBody",
        "FieldError",
        "StreamDone",
        "QuoteOut",
        "TipsOut",
        "ReplayOut",
        "RequoteOut",
        "HouseholdRequest",
        "HouseholdOut",
        "SubstitutionOut",
    ):
        assert name in schemas, name
    create = doc["paths"]["/comparisons"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "line"
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreatedComparisonOut"
    }
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    stream = doc["paths"]["/comparisons/stream"]["post"]["responses"]["200"]
    assert set(stream["content"]) == {"text/event-stream"}
    assert api.get("/docs").status == 200
