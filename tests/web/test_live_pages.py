"""Live carriers in a real browser: answers streaming in beside the local manuals, and the admins'
carrier health page.

The app runs the shipped market plus the live demo's catalog (``market/live/carriers.yaml``), its
four carriers served by sandboxes on loopback: JSON with an API key, JSON submit-then-poll with
OAuth2, ACORD-style XML, and one that never answers.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.sync_api import Browser, Page, expect
from test_shop import LIVE_WATCHER, fill_auto, start
from webkit import app_settings, as_served, make_user, run, shot, watched_page

from api.apikit import ROOT, Server
from rateshop.app import create_app
from rateshop.carriers.demo import DEMO, SECRET, URL_VARIABLES
from rateshop.carriers.sandbox import Sandbox, SandboxConfig, start as start_sandbox

DEADLINE = 6.0  # the comparison's (as the demo's); the silent carrier is reported timed out then
PASSWORD = "admin password 1"
LIVE = {"Atlas Direct Auto", "Northwind Mutual", "Copperline Assurance"}
SILENT = "Stillwater Casualty"


class Sandboxes:
    """The demo's sandbox carriers on free loopback ports, on an event loop of their own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.urls: dict[str, str] = {}
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        runners: list[web.AppRunner] = []
        for demo in DEMO:
            config = SandboxConfig(
                manuals=ROOT / "manuals" / demo.manuals, secret=SECRET, **demo.options
            )
            runner, port = self.loop.run_until_complete(start_sandbox(Sandbox(config), 0))
            runners.append(runner)
            self.urls[demo.carrier] = f"http://127.0.0.1:{port}"
        self.ready.set()
        self.loop.run_forever()
        for runner in runners:
            self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def __enter__(self) -> Sandboxes:
        self.thread.start()
        assert self.ready.wait(60), "the sandboxes did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")
def live_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole app with the live catalog, its carriers served by sandboxes, and one admin."""
    with Sandboxes() as sandboxes, pytest.MonkeyPatch.context() as env:
        # The catalog names these variables; the connectors read them when first asked.
        for demo in DEMO:
            env.setenv(URL_VARIABLES[demo.carrier], sandboxes.urls[demo.carrier])
            for name, value in demo.variables.items():
                env.setenv(name, value)
        settings = app_settings(tmp_path_factory.mktemp("live") / "rateshop.db").model_copy(
            update={
                "live_catalog": ROOT / "market" / "live" / "carriers.yaml",
                "compare_deadline": DEADLINE,
            }
        )
        served = as_served(Server(create_app(settings)))
        served.start()
        make_user(served, "admin.ada", "admin", PASSWORD)
        yield served
        served.stop()


@pytest.fixture
def live_page(browser: Browser, live_web: Server) -> Iterator[Page]:
    with watched_page(browser, live_web.url, 30_000) as opened:
        yield opened


def test_local_quotes_come_first_live_ones_as_they_arrive_the_silent_one_times_out(
    live_page: Page,
) -> None:
    page = live_page
    start(page, "Car insurance", "TX")
    fill_auto(page)
    page.evaluate(LIVE_WATCHER)
    page.get_by_role("button", name="Get my quotes").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"), timeout=(DEADLINE + 30) * 1000)
    shown: list[str] = page.evaluate("JSON.parse(sessionStorage.getItem('live') || '[]')")
    names = [next((n for n in (*LIVE, SILENT) if text.startswith(n)), None) for text in shown]
    local = [i for i, n in enumerate(names) if n is None]
    live = [i for i, n in enumerate(names) if n in LIVE]
    assert local, shown
    assert sorted(n for n in names if n in LIVE) == sorted(LIVE), shown
    # Every local manual answered before any live carrier: they rate in microseconds.
    assert max(local) < min(live), shown
    # The silent carrier is last: every live one (the sandboxes wait 0.8-2.5 s) was shown as it
    # answered, before the comparison gave up on the silent one at its deadline.
    text = shown[-1]
    assert text.startswith(SILENT), shown
    assert "did not answer in time" in text, text
    # The results page keeps them: live quotes as cards, the silent carrier as not in time.
    cards = page.locator("#cards > .card")
    for name in LIVE:
        expect(cards.filter(has_text=name)).to_have_count(1)
    silent = page.locator(".carrier-errors li", has_text=SILENT)
    expect(silent).to_contain_text("did not answer in time")
    shot(page, "live-results")


def _compare_once(base: str) -> dict[str, Any]:
    async def post() -> dict[str, Any]:
        risk = json.loads((ROOT / "examples" / "auto.json").read_text())
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/comparisons", json=risk) as reply,
        ):
            assert reply.status == 201, await reply.text()
            answer: dict[str, Any] = await reply.json()
            return answer

    return run(post())


def test_admins_see_each_live_carriers_latency_outcomes_failures_and_breaker(
    live_page: Page, live_web: Server
) -> None:
    compared = _compare_once(live_web.url)
    silent = next(a for a in compared["errors"] if a["carrier"] == "stillwater-casualty")
    assert silent["error"]["kind"] == "timeout"

    page = live_page
    page.goto("/admin")
    page.get_by_label("Username").fill("admin.ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.get_by_role("link", name="Live carrier health").click()
    expect(page.get_by_role("heading", name="Live carrier health")).to_be_visible()

    latency = page.get_by_role("table", name="Latency of each live carrier")
    outcomes = page.get_by_role("table", name="Share of each outcome per live carrier")
    failures = page.get_by_role("table", name="Failed calls by kind per live carrier")
    head = latency.locator("thead th").all_inner_texts()
    assert head == ["Carrier", "Connector", "Calls", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Breaker"]
    rows = {
        r[0].split(" (")[0]: r
        for r in latency.locator("tbody tr").evaluate_all(
            "rs => rs.map(r => Array.from(r.children, c => c.textContent.trim()))"
        )
    }
    assert set(rows) == {*LIVE, SILENT}
    for name, (_, _, calls, p50, p95, p99, breaker) in rows.items():
        assert int(calls) >= 1, rows[name]
        # Percentiles in milliseconds, in order; the silent carrier's are the deadline's.
        values = [float(v.replace(",", "")) for v in (p50, p95, p99)]
        assert 0 < values[0] <= values[1] <= values[2], rows[name]
        assert breaker == "closed"
    assert rows["Copperline Assurance"][1] == "xml"
    # The silent carrier was waited for until the deadline: longer than any live one answered in.
    slowest_live = max(float(rows[name][5].replace(",", "")) for name in LIVE)
    assert float(rows[SILENT][3].replace(",", "")) > slowest_live, rows

    def table(locator: Any) -> dict[str, dict[str, str]]:
        titles = locator.locator("thead th").all_inner_texts()[1:]
        got = locator.locator("tbody tr").evaluate_all(
            "rs => rs.map(r => Array.from(r.children, c => c.textContent.trim()))"
        )
        return {r[0]: dict(zip(titles, r[1:], strict=True)) for r in got}

    shares = table(outcomes)
    assert shares["Atlas Direct Auto"]["quoted"] == "100%"
    assert shares[SILENT]["failed"] == "100%"
    kinds = table(failures)
    assert int(kinds[SILENT]["timeout"]) >= 1
    assert kinds["Atlas Direct Auto"]["timeout"] == "0"
    shot(page, "admin-carrier-health")


def test_only_admins_see_carrier_health(live_page: Page) -> None:
    live_page.goto("/admin/carriers")
    # Not logged in: the log-in form, never the figures.
    expect(live_page.get_by_label("Username")).to_be_visible()
    expect(live_page.get_by_role("table", name="Latency of each live carrier")).to_have_count(0)
