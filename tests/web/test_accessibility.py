"""Accessibility of the main pages, checked by axe-core (vendored for the tests) in chromium.

Every rule axe rates serious or critical must pass: labels, contrast, landmarks, names of
controls, valid ARIA. A narrow (phone) viewport is checked too, and the quote form is walked
with the keyboard alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from test_console import log_in, make_user, quote_in_page
from test_shop import quote, start

from api.apikit import Server

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe violations of the page as it is now."""
    # Evaluated, not added as an inline <script>: the site's CSP would block that, as it should.
    page.evaluate(AXE)
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1200, 375])
def test_shopper_pages_pass_axe(browser: Browser, web: Server, width: int) -> None:
    context = browser.new_context(base_url=web.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto("/")
        assert violations(page) == []
        start(page, "Car insurance", "TX")
        page.get_by_label("Months of continuous").fill("")
        page.get_by_role("button", name="Next").click()
        expect(page.locator(".summary")).to_be_visible()
        assert violations(page) == []  # with error messages showing
        ref = quote(page, "life")
        page.locator("#cards > .card").first.get_by_text("Why this price").click()
        assert violations(page) == []
        carrier = page.locator("#cards > .card").first.get_attribute("data-carrier")
        page.goto(f"/c/{ref}/contact/{carrier}")
        assert violations(page) == []
        # No part of a page may need sideways scrolling on a phone, but wide tables in their box.
        page.goto(f"/c/{ref}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        context.close()


def test_life_form_by_keyboard_alone(page: Page) -> None:
    start(page, "Term life insurance", "TX")
    page.get_by_label("Date of birth").fill("1986-03-02")
    page.get_by_label("Sex at birth").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "health_class"
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Sex at birth")).not_to_have_value("")
    expect(page.get_by_label("Health", exact=True)).not_to_have_value("")
    # Tab to Next and press Enter: the step moves on and the new step's heading takes the focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Next":
            break
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="Step 2 of 2: Cover")
    expect(heading).to_be_focused()


def test_console_and_admin_pages_pass_axe(page: Page, web: Server) -> None:
    make_user(web, "axe.admin", "admin")
    page.goto("/login")
    log_in(page, "axe.admin", "wrong password")
    assert violations(page) == []  # the login form with its error showing
    log_in(page, "axe.admin")
    ref = quote_in_page(page)
    for path in ("/console", f"/console/c/{ref}", "/admin"):
        page.goto(path)
        assert violations(page) == [], path
    page.get_by_role("link", name=re.compile("changes since", re.IGNORECASE)).first.click()
    assert violations(page) == []
