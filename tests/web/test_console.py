"""Agents in a real browser: log in, quote, find their comparisons, notes, re-quote, export."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import webkit
from playwright.sync_api import Page, expect
from webkit import shot

from api.apikit import Server, example

PASSWORD = "agent password 1"
WRONG = "The username or password is not right."


def make_user(web: Server, name: str, role: str) -> None:
    """An agent or admin of the shared server, with this module's password."""
    webkit.make_user(web, name, role, PASSWORD)


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def ahead() -> str:
    """A start date a month from today: still ahead whatever the day, so a re-quote keeps it."""
    return (dt.date.today() + dt.timedelta(days=30)).isoformat()


def quote_in_page(page: Page, start: str | None = None) -> str:
    """Compare examples/auto.json, starting on ``start`` (default :func:`ahead`), through the
    shoppers' stream, as the form does; returns its ref."""
    body = page.evaluate(
        """async (risk) => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const r = await fetch('/quote/stream', {method: 'POST', body: JSON.stringify(risk),
                headers: {'content-type': 'application/json', 'x-csrf-token': token}});
            return await r.text();
        }""",
        {**example("auto"), "effective_date": start or ahead()},
    )
    done = re.search(r"event: done\ndata: (.*)\n", body)
    assert done, body[-500:]
    ref: str = json.loads(done.group(1))["ref"]
    return ref


def test_an_agent_logs_in_quotes_and_works_the_comparison(
    page: Page, web: Server, tmp_path: Path
) -> None:
    make_user(web, "agent.ana", "agent")
    page.goto("/")
    shoppers = quote_in_page(page)  # nobody logged in: nobody's comparison

    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fconsole$"))
    log_in(page, "agent.ana", "not the password")
    expect(page.locator("#login-password-error")).to_have_text(WRONG)
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    log_in(page, "nobody.here")
    expect(page.locator("#login-password-error")).to_have_text(WRONG)
    shot(page, "login-failed")
    log_in(page, "agent.ana")
    expect(page).to_have_url(re.compile(r"/console$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "rateshop_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"

    ref = quote_in_page(page)
    page.goto("/console")
    expect(page.get_by_role("link", name=f"{ref[:10]}…")).to_be_visible()
    expect(page.get_by_role("link", name=f"{shoppers[:10]}…")).to_have_count(0)
    shot(page, "console")

    page.get_by_label("Line").select_option("home")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("No comparisons match.")
    page.get_by_label("Line").select_option("auto")
    page.get_by_label("State").select_option("TX")
    page.get_by_label("Reference contains").fill(ref[4:12])
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.get_by_label("Made on").fill("2001-01-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("No comparisons match.")

    page.goto("/console")
    page.get_by_role("link", name=f"{ref[:10]}…").click()
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#note-text-error")).to_have_text("Write a note of 1 to 5000 characters.")
    page.get_by_label("Add a note").fill("Called back: prefers monthly payments.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".notes")).to_contain_text("Called back: prefers monthly payments.")
    expect(page.locator(".notes")).to_contain_text("agent.ana")
    shot(page, "console-comparison")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export (JSON)").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert exported["ref"] == ref
    assert exported["line"] == "auto"
    assert exported["risk"]["state"] == "TX"

    page.get_by_role("button", name="Re-quote with today's manuals").click()
    new_link = page.locator("#new-link")
    expect(new_link).to_be_visible()
    fresh = new_link.inner_text().removeprefix("/c/")
    assert fresh != ref
    # The re-quote keeps the start date and the notes, and says what changed per carrier.
    expect(page.locator("#moved-start")).to_have_count(0)
    expect(page.locator(".notes")).to_contain_text("Called back: prefers monthly payments.")
    expect(
        page.get_by_role("heading", name="What changed since the comparison before")
    ).to_be_visible()
    expect(page.locator("tr.carrier-change").first).to_contain_text("+$0.00")
    shot(page, "console-requote")
    page.goto("/console")
    expect(page.get_by_role("link", name=f"{fresh[:10]}…")).to_be_visible()
    expect(page.get_by_role("link", name=f"{ref[:10]}…")).to_be_visible()

    # A comparison nobody logged in made (a shopper's), a form without its token, and the admin
    # pages are refused.
    assert page.goto(f"/console/c/{shoppers}").status == 404  # type: ignore[union-attr]
    refused = page.request.post(f"/console/c/{ref}/notes", form={"text": "forged"})
    assert refused.status == 403
    page.goto(f"/console/c/{ref}")
    expect(page.locator(".notes")).not_to_contain_text("forged")
    assert page.goto("/admin").status == 403  # type: ignore[union-attr]

    page.get_by_role("button", name="Log out agent.ana").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/login\?next="))


@pytest.mark.parametrize("path", ["/console", "/admin"])
def test_logged_out_visitors_are_sent_to_log_in(page: Page, path: str) -> None:
    page.goto(path)
    expect(page).to_have_url(re.compile(rf"/login\?next={re.escape(path.replace('/', '%2F'))}$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_guessing_passwords_is_stopped_even_for_the_right_one(page: Page, web: Server) -> None:
    make_user(web, "agent.guessed", "agent")
    page.goto("/login")
    for _ in range(5):
        log_in(page, "agent.guessed", "guess")
        expect(page.locator("#login-problem")).to_have_text(WRONG)
    log_in(page, "agent.guessed")
    expect(page.locator("#login-problem")).to_contain_text("Too many failed attempts")
    assert not [c for c in page.context.cookies() if c["name"] == "rateshop_session"]


def test_an_agent_cannot_open_another_agents_comparison(page: Page, web: Server) -> None:
    make_user(web, "agent.bob", "agent")
    make_user(web, "agent.cy", "agent")
    page.goto("/login")
    log_in(page, "agent.bob")
    bobs = quote_in_page(page)
    page.get_by_role("button", name="Log out agent.bob").click()
    page.goto("/login")
    log_in(page, "agent.cy")
    assert page.goto(f"/console/c/{bobs}").status == 404  # type: ignore[union-attr]
    assert page.goto(f"/console/c/{bobs}/export").status == 404  # type: ignore[union-attr]
    page.goto("/console")
    expect(page.get_by_role("link", name=f"{bobs[:10]}…")).to_have_count(0)
