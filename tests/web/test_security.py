"""Security headers on every answer, CSRF tokens renewed at log-in, and pages working under the CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pydantic import ValidationError
from test_shop import quote
from webkit import Visitor, app_settings, as_served, make_user, run

from api.apikit import Server
from rateshop.api.security import CSP, HSTS
from rateshop.app import create_app
from rateshop.config import Settings

PASSWORD = "security password 1"
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}


async def _answers(
    base: str, requests: list[tuple[str, str, dict[str, str]]]
) -> list[tuple[int, dict[str, str]]]:
    """Status and (lower-cased) headers of each ``(method, path, headers)``."""
    out = []
    async with aiohttp.ClientSession() as session:
        for method, path, headers in requests:
            async with session.request(
                method, base + path, headers=headers, allow_redirects=False
            ) as response:
                await response.read()
                out.append((response.status, {k.lower(): v for k, v in response.headers.items()}))
    return out


def test_every_answer_carries_the_security_headers(web: Server) -> None:
    requests = [
        ("GET", "/", {}),  # a page
        ("GET", "/static/app.css", {}),  # a static file
        ("GET", "/lines", {}),  # the API
        ("POST", "/comparisons", {"content-type": "application/json"}),  # an API error
        ("GET", "/no/such/page", {}),  # not found
        ("POST", "/login", {}),  # a form without its CSRF token
        ("GET", "/console", {}),  # a redirect to log in
        ("GET", "/docs", {}),
        ("GET", "/docs/assets/swagger-ui-bundle.js", {}),
        # From a peer that is no trusted proxy, X-Forwarded-Proto is not believed: no HSTS.
        ("GET", "/", {"x-forwarded-proto": "https"}),
    ]
    answers = run(_answers(web.url, requests))
    assert [status for status, _ in answers] == [200, 200, 200, 422, 404, 403, 303, 200, 200, 200]
    for (method, path, _), (_, headers) in zip(requests, answers, strict=True):
        for name, value in HEADERS.items():
            assert headers.get(name) == value, f"{method} {path}: {name}"
        assert "camera=()" in headers["permissions-policy"]
        assert "strict-transport-security" not in headers, f"{method} {path} was over http"


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATESHOP_TRUSTED_PROXIES", "10.0.0.2, 10.1.2.3/16,::1")
    assert Settings().trusted_proxies == ["10.0.0.2", "10.1.0.0/16", "::1"]
    monkeypatch.delenv("RATESHOP_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []
    # "*" would let every client name its own address, and so undo the log-in limit.
    for wrong in ("*", "proxy.example.org"):
        monkeypatch.setenv("RATESHOP_TRUSTED_PROXIES", wrong)
        with pytest.raises(ValidationError, match="not an IP address or network"):
            Settings()


def test_hsts_only_over_https_as_a_trusted_proxy_says(tmp_path: Path) -> None:
    settings = app_settings(tmp_path / "rateshop.db").model_copy(
        update={"trusted_proxies": ["127.0.0.0/8"]}
    )
    served = as_served(Server(create_app(settings)))
    served.start()
    try:
        answers = run(
            _answers(served.url, [("GET", "/", {"x-forwarded-proto": "https"}), ("GET", "/", {})])
        )
    finally:
        served.stop()
    assert answers[0][1]["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in answers[1][1]


def test_a_csrf_token_from_before_log_in_stops_working_at_log_in(web: Server) -> None:
    make_user(web, "agent.csrf", "agent", PASSWORD)

    async def go() -> tuple[list[str], list[int]]:
        async with aiohttp.ClientSession() as session:
            visitor = Visitor(web.url)
            planted = await visitor.open_login(session)
            form = {"username": "agent.csrf", "password": PASSWORD, "csrf": planted}
            logged_in, _ = await visitor.post(session, "/login", form)
            after_login = visitor.csrf
            # A form made with the token from before the log-in (one an attacker could have
            # planted) is refused; the browser's new token works.
            stale, _ = await visitor.post(session, "/logout", {"csrf": planted})
            logged_out, _ = await visitor.post(session, "/logout", {"csrf": after_login})
            after_logout = visitor.csrf
            again, _ = await visitor.post(session, "/login", {**form, "csrf": after_login})
        return [planted, after_login, after_logout], [logged_in, stale, logged_out, again]

    tokens, statuses = run(go())
    assert len(set(tokens)) == 3, "log-in and log-out each give a new token"
    assert statuses == [303, 403, 303, 403]


# ------------------------------------------------------------------------- the pages under the CSP


@pytest.fixture
def watched(browser: Browser, web: Server) -> Iterator[tuple[Page, list[str]]]:
    """A page whose CSP violations (events and console reports) are collected in a list."""
    context = browser.new_context(base_url=web.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    found: list[str] = []
    context.expose_function("reportViolation", lambda text: found.append(text))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "window.reportViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"
    )
    opened = context.new_page()

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            found.append(message.text)

    opened.on("console", console)
    opened.on("pageerror", lambda exc: found.append(f"script error: {exc}"))
    yield opened, found
    context.close()


def test_shoppers_pages_work_with_no_csp_violation(watched: tuple[Page, list[str]]) -> None:
    page, found = watched
    start = page.goto("/")
    assert start is not None
    assert start.headers["content-security-policy"] == CSP
    quote(page, "auto")
    # The chart is drawn (Chart.js sizes its canvas through the CSSOM, which the CSP allows).
    chart = "Chart.getChart('price-chart')"
    width, height = page.evaluate(f"[{chart}.width, {chart}.height]")
    assert width > 0
    assert height > 0
    page.get_by_label("Sort by").select_option("rating")
    page.get_by_label("Sort by").press("Enter")  # the controls' form goes nowhere
    assert re.search(r"/c/[A-Za-z0-9_-]+$", page.url)
    cards = page.locator("#cards > .card")
    site = cards.first.get_by_role("link", name=re.compile("sample link"))
    expect(site).to_have_attribute("rel", re.compile(r"\bnoreferrer\b"))
    expect(site).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
    cards.nth(0).get_by_label("Compare").check()
    cards.nth(1).get_by_label("Compare").check()
    page.get_by_role("button", name="Compare selected side by side").click()
    expect(page.locator("table.side-by-side")).to_be_visible()
    page.goto("/login")
    page.get_by_label("Username").fill("nobody.here")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-problem")).to_be_visible()
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("rateshop")
    expect(page.locator(".opblock").first).to_be_visible()
    assert found == []
