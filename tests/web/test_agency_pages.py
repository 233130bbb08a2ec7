"""The agency in a real browser: a shopper's request becomes a lead, an admin assigns it, the agent
edits and re-rates with the differences shown, hands over a proposal PDF, sees the renewal flagged,
and nothing of one agency is visible to another; the admin reads it all in the audit log.

The app runs on a port of its own (this module's server), on SQLite, with two agencies.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader
from test_console import ahead, log_in, quote_in_page
from webkit import app_settings, as_served, run, shot, watched_page

from api.apikit import Server, example
from rateshop.app import create_app
from rateshop.services.agency import Desk
from rateshop.services.agency.renewals import check_renewals
from rateshop.services.agency.rerate import rate
from rateshop.services.runtime import Runtime
from rateshop.store.accounts import Accounts
from rateshop.store.agency_records import Agency

PASSWORD = "agency password 1"
SHOPPER = {"name": "Dana Whitfield", "email": "dana.whitfield@example.org", "phone": "512 555 0142"}
# This module's server listens on the first free port of this range.
PORTS = range(18310, 18330)


@dataclass
class Office:
    """The served app and its two agencies."""

    server: Server
    north: Agency
    south: Agency

    @property
    def runtime(self) -> Runtime:
        return cast(Runtime, cast(FastAPI, self.server.server.config.app).state.runtime)

    @property
    def desk(self) -> Desk:
        return Desk.over(self.runtime.store.engine, self.runtime.settings)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    """North (an admin, two agents), South (an admin), and a user of no agency."""
    database = tmp_path_factory.mktemp("agency") / "rateshop.db"
    served = as_served(Server(create_app(app_settings(database)), PORTS))
    served.start()
    try:
        office = Office(served, *_agencies(served))
        yield office
    finally:
        served.stop()


def _agencies(served: Server) -> tuple[Agency, Agency]:
    runtime = cast(FastAPI, served.server.config.app).state.runtime
    desk = Desk.over(runtime.store.engine, runtime.settings)
    users = Accounts(runtime.store.engine)
    north = desk.agencies.create_agency("North Star Insurance Agency", "TX-AG-2041")
    south = desk.agencies.create_agency("Southern Cross Brokers", "TX-AG-7310")
    for name, agency, role in (
        ("north.boss", north, "admin"),
        ("north.ann", north, "agent"),
        ("north.bob", north, "agent"),
        ("south.eve", south, "admin"),
        ("lone.agent", None, "agent"),
    ):
        user = users.create_user(name, PASSWORD, "agent")
        if agency is not None:
            desk.agencies.add_member(agency.id, user.id, role)
    return north, south


@contextlib.contextmanager
def logged_in(browser: Browser, office: Office, name: str) -> Iterator[Page]:
    """A fresh browser of ``name``, logged in."""
    with watched_page(browser, office.server.url, 20_000) as page:
        page.goto("/login")
        log_in(page, name, PASSWORD)
        expect(page.get_by_role("button", name=f"Log out {name}")).to_be_visible()
        yield page


def shopper_asks_north(browser: Browser, office: Office, start: str | None = None) -> str:
    """A shopper compares examples/auto.json starting on ``start`` and asks North to contact
    them; the comparison's ref."""
    with watched_page(browser, office.server.url, 20_000) as page:
        page.goto("/")
        ref = quote_in_page(page, start)
        page.goto(f"/c/{ref}")
        page.get_by_role("link", name="Ask an agency to contact me").click()
        expect(page.get_by_role("link", name="Southern Cross Brokers")).to_be_visible()
        page.get_by_role("link", name="North Star Insurance Agency").click()
        page.locator("#a-name").fill(SHOPPER["name"])
        page.locator("#a-email").fill("dana at example")
        page.locator("#a-phone").fill(SHOPPER["phone"])
        page.get_by_role("button", name="Send my request to North Star Insurance Agency").click()
        expect(page.locator("#a-email-error")).to_contain_text("Enter an e-mail address")
        expect(page.locator("#a-consent-error")).to_contain_text("Tick the box")
        page.locator("#a-email").fill(SHOPPER["email"])
        page.get_by_label(re.compile("I agree that rateshop gives")).check()
        page.get_by_role("button", name="Send my request to North Star Insurance Agency").click()
        expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
        expect(page.locator("main")).to_contain_text("given to North Star Insurance Agency only")
        shot(page, "agency-request-sent")
    return ref


def download(page: Page, label: str, folder: Path) -> Path:
    with page.expect_download() as got:
        page.get_by_role("link", name=label).or_(page.get_by_role("button", name=label)).click()
    saved = folder / got.value.suggested_filename
    got.value.save_as(saved)
    return saved


def test_an_agency_works_a_lead_from_request_to_renewal(
    browser: Browser, office: Office, tmp_path: Path
) -> None:
    start = ahead()
    ref = shopper_asks_north(browser, office, start)

    # The admin sees the lead with its consent and gives it to an agent.
    with logged_in(browser, office, "north.boss") as boss:
        boss.goto("/agency")
        lead = boss.locator("table[aria-label=Leads] tbody tr").first
        expect(lead).to_contain_text("Car insurance in TX")
        expect(lead).to_contain_text("not yet assigned")
        lead.get_by_label(re.compile("Agent for lead")).select_option(label="north.ann")
        lead.get_by_role("button", name="Assign").click()
        expect(boss.get_by_role("status").first).to_contain_text("Assigned: client C-")
        expect(boss.locator("table[aria-label=Leads] tbody tr").first).to_contain_text(
            "Open client"
        )
        shot(boss, "agency-inbox")

    with logged_in(browser, office, "north.bob") as bob:
        bob.goto("/agency/clients")
        expect(bob.get_by_role("status")).to_have_text("No clients match.")

    with logged_in(browser, office, "north.ann") as ann:
        # The client, found by phone however it is written; contact details shown on request.
        ann.goto("/agency/clients")
        ann.get_by_label("Phone").fill("(512) 555-0142")
        ann.get_by_role("button", name="Search").click()
        rows = ann.locator("table[aria-label=Clients] tbody tr")
        expect(rows).to_have_count(1)
        rows.first.get_by_role("link").click()
        client_url = ann.url
        expect(ann.locator("#contact-details")).to_have_count(0)
        ann.get_by_role("link", name="Show contact details").click()
        expect(ann.locator("#contact-details")).to_contain_text(SHOPPER["name"])
        expect(ann.locator("#contact-details")).to_contain_text(SHOPPER["email"])
        ann.get_by_text("Correct the contact details").click()
        ann.get_by_label("Household").fill("Two adults; a teen driver from June")
        ann.get_by_role("button", name="Save contact details").click()
        expect(ann.locator("#contact-details")).to_contain_text("a teen driver from June")

        # Edit and re-rate: a higher collision deductible; the differences are explained.
        ann.locator("table[aria-label=Comparisons] a").first.click()
        assert ann.url.endswith(f"/agency/c/{ref}")
        ann.get_by_role("link", name="Edit answers and re-rate").click()
        deductible = ann.get_by_label("coverages · COLL · deductible")
        expect(deductible).to_have_value("500")
        expect(ann.get_by_label("effective date")).to_have_value(start)
        deductible.fill("1000")
        ann.get_by_role("button", name="Re-rate").click()
        expect(
            ann.get_by_role("heading", name="What changed since the comparison before")
        ).to_be_visible()
        rerated = ann.url.split("/agency/c/")[1].split("#")[0]
        assert rerated != ref
        answers = ann.locator("table[aria-label='Answers changed'] tbody tr")
        expect(answers).to_have_count(1)
        expect(answers.first).to_contain_text("coverages · COLL · deductible")
        expect(answers.first).to_contain_text("500")
        expect(answers.first).to_contain_text("1000")
        cheaper = ann.locator("tr.carrier-change").filter(has_text=re.compile(r"-\$[0-9,.]+ \(-"))
        assert cheaper.count() >= 1, "a higher deductible lowers some carrier's price"
        expect(cheaper.first.locator("ul.moves")).to_contain_text(re.compile("COLL", re.I))
        expect(ann.locator("h1")).to_contain_text(f"starting {start}")
        shot(ann, "agency-rerated")

        # A proposal of two quotes, as a PDF whose text says who proposes what.
        quotes = ann.locator("table[aria-label=Quotes] tbody tr")
        names = [quotes.nth(i).locator("td").nth(1).inner_text().split(" (")[0] for i in (0, 1)]
        quotes.nth(0).get_by_role("checkbox").check()
        quotes.nth(1).get_by_role("checkbox").check()
        pdf = download(ann, "Proposal (PDF)", tmp_path)
        text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
        text = re.sub(r"\s+", " ", text)
        for expected in (
            "Insurance proposal",
            "North Star Insurance Agency",
            "Licence TX-AG-2041",
            SHOPPER["name"],
            "Price per year",
            "Financial-strength rating",
            *names,
        ):
            assert expected in text, (expected, text[:600])

        nothing = ann.goto(f"/agency/c/{rerated}/proposal.pdf?carrier=no-such-carrier")
        assert nothing is not None
        assert nothing.status == 422

        # The client's comparisons as CSV and XLSX: one row per carrier's answer, amounts as numbers.
        ann.goto(client_url)
        table = list(
            csv.DictReader(
                io.StringIO(
                    download(ann, "Export comparisons (CSV)", tmp_path).read_text("utf-8-sig")
                )
            )
        )
        assert {row["Comparison"] for row in table} == {ref, rerated}
        assert any(row["Outcome"] == "quote" and Decimal(row["Per year"]) > 0 for row in table)
        sheet = load_workbook(download(ann, "Export comparisons (XLSX)", tmp_path)).active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        assert header[:3] == ["Comparison", "Made on", "Line"]
        assert sheet.max_row == len(table) + 1
        per_year = header.index("Per year")
        assert any(
            isinstance(r[per_year], int | float)
            for r in sheet.iter_rows(min_row=2, values_only=True)
        )

        # A policy sold with the dearest carrier, expiring within 45 days.
        dearest = max(
            (
                r
                for r in table
                if r["Comparison"] == rerated
                and r["Outcome"] == "quote"
                and r["Same cover as asked"] == "yes"
            ),
            key=lambda r: Decimal(r["Per year"]),
        )
        today = dt.date.today()
        ann.get_by_label("Carrier", exact=True).fill(dearest["Carrier"])
        ann.get_by_label("Premium a year").fill(dearest["Per year"])
        ann.get_by_label("Effective").fill((today - dt.timedelta(days=335)).isoformat())
        ann.get_by_label("Expires").fill((today + dt.timedelta(days=30)).isoformat())
        ann.get_by_label("From comparison").select_option(index=1)
        ann.get_by_role("button", name="Add policy").click()
        expect(ann.locator("table[aria-label=Policies] tbody tr")).to_have_count(1)

        ann.goto("/agency/renewals")
        row = ann.locator("tr.renewal")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("not re-rated yet")

        # The scheduler's job, as `rateshop agency renewals` runs it, in a runtime of its own.
        scheduler = Runtime.start(office.runtime.settings)
        try:
            outcomes = run(
                check_renewals(
                    scheduler, Desk.over(scheduler.store.engine, scheduler.settings), today
                )
            )
        finally:
            scheduler.close()
        assert [o.problem for o in outcomes] == [None]
        ann.reload()
        expect(row).to_have_class(re.compile("flagged"))
        expect(row).to_contain_text("Cheaper elsewhere")
        shot(ann, "agency-renewals")

    # Another agency, and a user of none, cannot see any of it.
    client_path = client_url.split(office.server.url)[1]
    with logged_in(browser, office, "south.eve") as eve:
        for path in (client_path, f"/agency/c/{ref}", f"/agency/c/{rerated}/edit",
                     f"{client_path}/export.csv", f"/agency/c/{ref}/proposal.pdf"):  # fmt: skip
            answer = eve.goto(path)
            assert answer is not None
            assert answer.status == 404, path
        token = next(c["value"] for c in eve.context.cookies() if c["name"] == "rateshop_csrf")
        rerating = eve.request.post(f"/agency/c/{ref}/edit", form={"csrf": token})
        assert rerating.status == 404
        eve.goto("/agency/clients")
        expect(eve.get_by_role("status")).to_have_text("No clients match.")
        eve.goto("/agency")
        expect(eve.get_by_role("status")).to_have_text("No leads.")
    with logged_in(browser, office, "lone.agent") as lone:
        answer = lone.goto("/agency")
        assert answer is not None
        assert answer.status == 403
    with logged_in(browser, office, "north.bob") as bob:
        answer = bob.goto(client_path)
        assert answer is not None
        assert answer.status == 404

    # The admin reads who saw the contact details and what was exported.
    with logged_in(browser, office, "north.boss") as boss:
        boss.goto("/agency/audit")
        log = boss.locator("table[aria-label='Audit log'] tbody")
        for action, times in (
            ("view_contact", 2),
            ("edit_contact", 1),
            ("export_pdf", 1),
            ("export_csv", 1),
            ("export_xlsx", 1),
        ):
            entries = log.locator("tr").filter(has_text=action).filter(has_text="north.ann")
            expect(entries).to_have_count(times)
        shot(boss, "agency-audit")
        # Deleting the client is written there too.
        boss.goto(client_path)
        boss.get_by_role("button", name="Delete this client and their comparisons").click()
        boss.goto("/agency/audit")
        expect(log.locator("tr").filter(has_text="delete_client")).to_have_count(1)
    with logged_in(browser, office, "north.ann") as ann:
        answer = ann.goto(f"/agency/c/{rerated}")
        assert answer is not None
        assert answer.status == 404
    with logged_in(browser, office, "south.eve") as eve:
        eve.goto("/agency/audit")
        expect(eve.get_by_role("status")).to_have_text("Nothing yet.")


def test_an_agent_cannot_assign_or_read_the_audit_log(browser: Browser, office: Office) -> None:
    with logged_in(browser, office, "north.bob") as bob:
        answer = bob.goto("/agency/audit")
        assert answer is not None
        assert answer.status == 403
        refused = bob.request.post(
            "/agency/leads/1/assign",
            form={
                "agent": "1",
                "csrf": next(
                    c["value"] for c in bob.context.cookies() if c["name"] == "rateshop_csrf"
                ),
            },
        )
        assert refused.status == 403


def test_the_console_requote_moves_a_past_start_date_only_saying_so(
    browser: Browser, office: Office
) -> None:
    runtime = office.runtime
    risk = {**example("auto"), "effective_date": "2026-06-01"}
    past = run(rate(runtime, risk))
    ref = runtime.store.save(past, risk)
    users = Accounts(runtime.store.engine)
    agent = users.create_user("console.cat", PASSWORD, "agent")
    users.link(ref, agent)
    users.add_note(ref, agent, "renewal due in June")
    with logged_in(browser, office, "console.cat") as page:
        page.goto(f"/console/c/{ref}")
        page.get_by_role("button", name="Re-quote with today's manuals").click()
        today = dt.date.today().isoformat()
        expect(page.locator("#moved-start")).to_have_text(
            f"The start date moved from 2026-06-01 to {today}: a policy cannot start in the past."
        )
        expect(page.locator("h1")).to_contain_text(f"effective {today}")
        expect(page.locator(".notes")).to_contain_text("renewal due in June")
