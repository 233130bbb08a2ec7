"""Errors over HTTP: 422 names each field, unknown things are 404, nothing internal ever leaks."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from apikit import Client, Server, example

from rateshop.answers import GENERIC
from rateshop.services import catalog
from rateshop.store import StoreFailure

RISK_PATHS = ["/comparisons", "/comparisons/stream", "/echo", "/carriers/pinnacle-direct/rate"]


def problems(reply: Any) -> dict[str, tuple[str, str | None]]:
    assert reply.status == 422, reply.text
    body = reply.json
    assert body["error"] == "invalid_request"
    return {e["field"]: (e["problem"], e.get("allowed")) for e in body["errors"]}


@pytest.mark.parametrize("path", RISK_PATHS)
def test_a_risk_without_a_line_is_422_naming_the_lines(api: Client, path: str) -> None:
    risk = example("auto")
    del risk["line"]
    assert problems(api.post(path, risk)) == {
        "line": ("is required", "auto, home, life, health"),
    }


def test_wrong_types_are_422_with_each_field_path_problem_and_what_is_allowed(
    api: Client,
) -> None:
    risk = example("auto")
    risk["drivers"][0]["birth_date"] = 19810417
    risk["vehicles"][1]["annual_miles"] = "lots"
    risk["paperless"] = "maybe"
    found = problems(api.post("/comparisons", risk))
    assert found == {
        "drivers[0].birth_date": ("19810417 is not a date", "a date as YYYY-MM-DD"),
        "vehicles[1].annual_miles": ("'lots' is not a whole number", "a whole number"),
        "paperless": ("'maybe' is not true or false", "true or false"),
    }


def test_an_unknown_coverage_value_or_coverage_is_422(api: Client) -> None:
    risk = example("auto")
    risk["coverages"]["COLL"] = {"deductible": 750}
    risk["coverages"]["TOWING"] = {"limit": 50}
    found = problems(api.post("/comparisons", risk))
    assert found == {
        "coverages.COLL.deductible": ("750 is not an allowed value", "250, 500, 1000"),
        "coverages.TOWING": ("is not a field of this request", None),
    }


def test_a_limit_of_the_question_set_that_no_carrier_offers_is_quoted_at_the_nearest(
    api: Client,
) -> None:
    risk = example("auto")
    risk["coverages"]["BI"] = {"limit": "15/30"}  # below the Texas minimum: no manual sells it
    reply = api.post("/comparisons", risk)
    assert reply.status == 201, reply.text
    body = reply.json
    assert body["quotes"]
    for answer in (*body["quotes"], *body["declines"]):
        assert answer["like_for_like"] is False
        assert answer["substitutions"] == [
            {
                "field": "coverages.BI.limit",
                "asked": "15/30",
                "quoted": "30/60",
                "note": "below the legal minimum in TX (30/60/25); quoted at the minimum",
            }
        ]
    assert body["ranking"]["like_for_like"] == 0
    assert body["ranking"]["nearest_cover"] == len(body["quotes"])


def test_a_fact_the_manuals_need_is_422_even_when_the_question_set_makes_it_optional(
    api: Client,
) -> None:
    risk = example("auto")
    del risk["drivers"][1]["gender"]  # Texas manuals rate on it; California's may not
    found = problems(api.post("/comparisons", risk))
    assert found == {"drivers[1].gender": ("is required", "male, female, nonbinary")}


def test_a_state_or_date_no_carrier_writes_is_422(api: Client) -> None:
    elsewhere = {**example("life"), "state": "FL"}
    assert problems(api.post("/comparisons", elsewhere)) == {
        "state": ("no carrier of the market writes life in FL", "CA, NY, TX"),
    }
    long_ago = {**example("life"), "effective_date": "1999-01-01"}
    assert set(problems(api.post("/comparisons", long_ago))) == {"effective_date"}


def test_a_body_that_is_not_json_or_not_an_object_is_422(api: Client) -> None:
    broken = api.call(
        "POST", "/comparisons", data=b'{"line": ', headers={"Content-Type": "application/json"}
    )
    assert set(problems(broken)) == {"body"}
    assert problems(api.post("/comparisons", [1, 2])) == {
        "body": ("must be an object with named fields", None),
    }


def test_unknown_paths_and_methods_answer_in_the_same_shape(api: Client) -> None:
    missing = api.get("/nowhere")
    assert missing.status == 404
    assert missing.json == {"error": "not_found", "message": "Not Found", "errors": []}
    wrong = api.call("PUT", "/comparisons")
    assert wrong.status == 405
    assert wrong.json["error"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


def test_an_internal_error_is_a_generic_500_logged_with_an_incident_id(
    api: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("password=hunter2 in /srv/secret/config.py")

    monkeypatch.setattr(catalog, "lines", broken)
    with caplog.at_level(logging.ERROR, logger="rateshop.api.errors"):
        reply = api.get("/lines")
    assert reply.status == 500
    body = reply.json
    assert set(body) == {"error", "message", "errors", "incident"}
    assert (body["error"], body["message"]) == ("internal_error", GENERIC)
    for leak in ("hunter2", "Traceback", "secret", "RuntimeError", ".py"):
        assert leak not in reply.text
    logged = [r for r in caplog.records if body["incident"] in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None


def test_a_database_failure_is_503_without_its_details(
    api: Client, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object) -> None:
        raise StoreFailure("the database failed: OperationalError: connection to 10.1.2.3 refused")

    app: Any = server.server.config.app
    monkeypatch.setattr(app.state.runtime.store, "get", down)
    reply = api.get("/comparisons/" + "y" * 32)
    assert reply.status == 503
    assert reply.json["error"] == "unavailable"
    assert reply.json["message"] == GENERIC
    assert "10.1.2.3" not in reply.text
