"""Local and live carriers in one comparison, through the real API server on loopback.

Four sandbox carriers from the live catalog answer beside the shipped manuals: JSON sync with an
API key, JSON submit-then-poll with OAuth2, ACORD-style XML, and one that hangs. Every carrier is accounted for within the
deadline; live answers stream after the local ones; replay, re-quote and tips say what they can.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandboxkit import RunningSandbox

from api.apikit import ROOT, SECRET, Client, Server, example
from rateshop.api.comparisons.schemas import ReplayOut, RequoteOut
from rateshop.api.schemas import AnswerOut
from rateshop.app import create_app
from rateshop.config import Settings

DEADLINE = 2.5


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, RunningSandbox]]:
    running = {
        "atlas": RunningSandbox("ironclad-casualty", auth="apikey", latency=(0.3, 0.5)),
        "northwind": RunningSandbox(
            "pinnacle-national", auth="oauth2", mode="async", latency=(0.3, 0.5)
        ),
        "copperline": RunningSandbox("pinnacle-direct", format="xml", latency=(0.3, 0.5)),
        "stillwater": RunningSandbox("bluebonnet-county", fault="hang"),
    }
    for served in running.values():
        served.start()
    yield running
    for served in running.values():
        served.stop()


@pytest.fixture(scope="module")
def live_api(
    sandboxes: dict[str, RunningSandbox], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    env = pytest.MonkeyPatch()
    env.setenv("RATESHOP_SANDBOX_ATLAS_URL", sandboxes["atlas"].url)
    env.setenv("RATESHOP_SANDBOX_ATLAS_KEY", "sandbox-secret")
    env.setenv("RATESHOP_SANDBOX_NORTHWIND_URL", sandboxes["northwind"].url)
    env.setenv("RATESHOP_SANDBOX_NORTHWIND_CLIENT", "rateshop")
    env.setenv("RATESHOP_SANDBOX_NORTHWIND_SECRET", "sandbox-secret")
    env.setenv("RATESHOP_SANDBOX_COPPERLINE_URL", sandboxes["copperline"].url)
    env.setenv("RATESHOP_SANDBOX_STILLWATER_URL", sandboxes["stillwater"].url)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('live') / 'rateshop.db'}",
        secret_key=SECRET,
        manuals=ROOT / "manuals",
        market=ROOT / "market",
        live_catalog=ROOT / "market" / "live" / "carriers.yaml",
        compare_deadline=DEADLINE,
        carrier_call_deadline=DEADLINE,
    )
    served = Server(create_app(settings))
    served.start()
    client = Client(served.url)
    yield client
    client.close()
    served.stop()
    env.undo()


def test_local_and_live_carriers_stream_in_one_comparison_each_accounted_for(
    live_api: Client,
) -> None:
    streamed = live_api.stream("/comparisons/stream", example("auto"))
    assert streamed.status == 200, streamed.text
    answers = {e.data["carrier"]: e for e in streamed.events if e.name == "answer"}
    for event in answers.values():
        AnswerOut.model_validate(event.data)
    assert set(answers) == {
        "bluebonnet-county", "harborview", "ironclad-casualty", "pinnacle-direct",
        "pinnacle-national", "atlas-direct", "northwind-mutual", "copperline-assurance",
        "stillwater-casualty",
    }  # fmt: skip
    status = {c: (e.data["status"], e.data["connector"]) for c, e in answers.items()}
    assert status["atlas-direct"] == ("quoted", "http"), answers["atlas-direct"].data["error"]
    assert status["northwind-mutual"] == ("quoted", "http")
    assert status["copperline-assurance"] == ("quoted", "xml")
    assert status["pinnacle-direct"] == ("quoted", "manual")
    assert answers["stillwater-casualty"].data["error"]["kind"] == "timeout"
    # Local prices come first, live ones as they answer; the hung carrier last, reported timed
    # out by the deadline (its sandbox never answers, so the comparison ended on the deadline).
    order = [e.data["carrier"] for e in streamed.events if e.name == "answer"]
    assert order.index("pinnacle-direct") < order.index("atlas-direct")
    assert order[-1] == "stillwater-casualty"
    live = answers["atlas-direct"].data["quote"]
    assert live["manual"] is None
    assert live["quote_ref"].startswith("SBX-")
    assert streamed.events[-1].name == "done"


def test_a_stored_live_answer_replays_as_stored_and_cannot_be_requoted(live_api: Client) -> None:
    made = live_api.post("/comparisons", example("auto"))
    assert made.status == 201, made.text
    ref = made.json["ref"]
    replay = ReplayOut.model_validate(live_api.get(f"/comparisons/{ref}/replay").json)
    by_carrier = {a.carrier: a for a in replay.answers}
    assert by_carrier["atlas-direct"].as_stored
    assert by_carrier["atlas-direct"].same
    assert not by_carrier["pinnacle-direct"].as_stored
    assert replay.same
    requote = RequoteOut.model_validate(
        live_api.get(f"/comparisons/{ref}/requote", params={"on": "2027-01-15"}).json
    )
    problems = {a.carrier: a.problem for a in requote.answers if a.problem}
    assert "live carrier" in (problems["atlas-direct"] or "")


def test_tips_ask_a_live_carrier_only_when_its_catalog_entry_allows(live_api: Client) -> None:
    made = live_api.post("/comparisons", example("auto"))
    ref = made.json["ref"]
    tips = live_api.get(f"/comparisons/{ref}/tips", params={"top": 10}).json["tips"]
    carriers = {t["carrier"] for t in tips}
    assert "northwind-mutual" not in carriers  # its entry does not allow asking again
    assert "atlas-direct" in carriers  # may_requote: each tip is the carrier's own answer


def test_the_results_page_shows_live_quotes_and_why_a_carrier_has_no_price(
    live_api: Client,
) -> None:
    ref = live_api.post("/comparisons", example("auto")).json["ref"]
    page = live_api.get(f"/c/{ref}")
    assert page.status == 200, page.text
    assert "Quoted by Atlas Direct Auto's own quoting service, its reference SBX-" in page.text
    assert "The carrier rated it itself and sent no worksheet." in page.text
    assert "Stillwater Casualty</strong>: did not answer in time" in page.text


def test_carrier_health_shows_the_faults_and_metrics_export_them(live_api: Client) -> None:
    live_api.post("/comparisons", example("auto"))
    health = live_api.get("/carriers/health")
    assert health.status == 200, health.text
    by_carrier = {c["carrier"]: c for c in health.json["carriers"]}
    assert set(by_carrier) == {
        "atlas-direct", "northwind-mutual", "copperline-assurance", "stillwater-casualty",
    }  # fmt: skip
    assert by_carrier["stillwater-casualty"]["failures"]["timeout"] >= 1
    assert by_carrier["stillwater-casualty"]["shares"]["failed"] == 1.0
    assert by_carrier["atlas-direct"]["shares"]["quoted"] > 0
    assert by_carrier["atlas-direct"]["latency_seconds"]["p50"] >= 0.3  # the sandbox's latency
    assert by_carrier["copperline-assurance"]["breaker"] == "closed"
    metrics = live_api.get("/metrics")
    assert metrics.status == 200
    assert 'carrier="stillwater-casualty",kind="timeout"' in metrics.text


def test_the_command_line_compares_local_and_live_carriers(
    live_api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from rateshop.cli import app

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("RATESHOP_LIVE_CATALOG", str(ROOT / "market" / "live" / "carriers.yaml"))
    monkeypatch.setenv("RATESHOP_COMPARE_DEADLINE", str(DEADLINE))
    result = CliRunner().invoke(app, ["quote", "examples/auto.json"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Atlas Direct Auto (http): 419.50 a month" in out
    assert "Copperline Assurance (xml): 198.00 a month" in out
    assert "Stillwater Casualty (http): no answer (timeout)" in out
    assert "live SBX-" in out  # the table names a live quote by the carrier's reference


def test_the_public_catalog_names_a_live_carriers_connector_not_its_endpoint(
    live_api: Client,
) -> None:
    carriers = {c["id"]: c for c in live_api.get("/carriers").json}
    atlas = carriers["atlas-direct"]
    assert atlas["connector"] == "http"
    assert "endpoint" not in atlas
    assert "folder" not in atlas
