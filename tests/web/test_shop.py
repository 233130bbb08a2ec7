"""The shoppers' flow in a real browser: start page → form → streamed quotes → results → side by side."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from webkit import shot

from api.apikit import Server


def items(page: Page, group: str) -> Locator:
    """The items (drivers, vehicles …) of a repeating group of the form, in order."""
    return page.locator(f"[data-group='{group}'] > .items > [data-item]")


def next_step(page: Page, title: str) -> None:
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name=re.compile(f": {title}$"))).to_be_visible()


def start(page: Page, line: str, state: str) -> None:
    """From the start page, pick the line and the state."""
    page.goto("/")
    page.get_by_label(line).check()
    page.get_by_label("State").select_option(state)
    page.get_by_role("button", name="Start").click()
    page.locator("#quote-form[data-ready]").wait_for()


def fill_auto(page: Page, miles: str = "12000") -> None:
    page.get_by_label("Months of continuous").fill("84")
    page.get_by_label("Do you own your home?").select_option("true")
    next_step(page, "Drivers")
    driver = items(page, "drivers").nth(0)
    driver.get_by_label("Date of birth").fill("1981-04-17")
    driver.get_by_label("Gender").select_option("male")
    driver.get_by_label("Marital status").select_option("married")
    driver.get_by_label("Date first licensed").fill("1997-06-02")
    driver.get_by_role("button", name="Add incident").click()
    driver.get_by_label("What happened").select_option("minor_speeding")
    driver.get_by_label("Date", exact=True).fill("2025-09-14")
    next_step(page, "Vehicles")
    vehicle = items(page, "vehicles").nth(0)
    vehicle.get_by_label("Model year").fill("2022")
    vehicle.get_by_label("Vehicle rating symbol").fill("12")
    vehicle.get_by_label("Main use").select_option("commute")
    vehicle.get_by_label("Miles a year").fill(miles)
    vehicle.get_by_label("ZIP code").fill("78745")
    next_step(page, "Coverage")
    page.get_by_label("Bodily injury liability").select_option("50/100")
    page.get_by_label("Property damage liability ($000)").select_option("50")
    page.get_by_label("Comprehensive deductible").select_option("500")
    page.get_by_label("Collision deductible").select_option("500")


def fill_home(page: Page) -> None:
    page.get_by_label("What do you want to insure?").select_option("HO3")
    page.get_by_label("ZIP code").fill("78745")
    page.get_by_label("Walls").select_option("masonry_veneer")
    page.get_by_label("Year built").fill("2004")
    page.get_by_label("Year the roof was put on").fill("2016")
    page.get_by_label("Fire protection class").fill("3")
    next_step(page, "Cover")
    page.get_by_label("Cost to rebuild the home ($)").fill("320000")
    page.get_by_label("Value of your belongings ($)").fill("160000")
    next_step(page, "History and discounts")
    page.get_by_label("Central-station fire alarm?").select_option("true")


def fill_life(page: Page) -> None:
    page.get_by_label("Date of birth").fill("1986-03-02")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Health", exact=True).select_option("preferred")
    next_step(page, "Cover")
    page.get_by_label("Amount paid on death ($)").fill("500000")
    page.get_by_label("Term", exact=True).select_option("20")


def fill_health(page: Page) -> None:
    page.get_by_label("ZIP code").fill("78745")
    me = items(page, "members").nth(0)
    me.get_by_label("Who", exact=True).select_option("self")
    me.get_by_label("Date of birth").fill("1984-05-20")
    page.get_by_role("button", name="Add person").click()
    child = items(page, "members").nth(1)
    child.get_by_label("Who", exact=True).select_option("child")
    child.get_by_label("Date of birth").fill("2015-08-01")
    next_step(page, "Plan")
    page.get_by_label("Metal tier").select_option("silver")


FLOWS: dict[str, tuple[str, str, Callable[[Page], None]]] = {
    "auto": ("Car insurance", "TX", fill_auto),
    "home": ("Home, renters or condo insurance", "TX", fill_home),
    "life": ("Term life insurance", "TX", fill_life),
    "health": ("Health insurance", "TX", fill_health),
}


def quote(page: Page, line: str, fill: Callable[[Page], None] | None = None) -> str:
    """Answer ``line``'s form from the start page and wait for the results; returns their ref."""
    label, state, default = FLOWS[line]
    start(page, label, state)
    (fill or default)(page)
    # The answers stream in faster than a test can look: a watcher keeps each line the live list
    # showed, in the tab's session storage, which outlives the move to the results page.
    page.evaluate(LIVE_WATCHER)
    page.get_by_role("button", name="Get my quotes").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"), timeout=30_000)
    shown = page.evaluate("JSON.parse(sessionStorage.getItem('live') || '[]')")
    answers = page.locator("#cards > .card, .declines li, .carrier-errors li").count()
    assert answers >= 2
    assert len(shown) == answers, f"the live list showed {shown} for {answers} answers"
    return page.url.rsplit("/", 1)[1]


LIVE_WATCHER = """
new MutationObserver((changes) => {
  const seen = JSON.parse(sessionStorage.getItem('live') || '[]');
  changes.forEach((c) => c.addedNodes.forEach((n) => seen.push(n.textContent)));
  sessionStorage.setItem('live', JSON.stringify(seen));
}).observe(document.querySelector('#live .live-list'), { childList: true });
sessionStorage.removeItem('live');
"""


@pytest.mark.parametrize("line", list(FLOWS))
def test_each_line_from_start_page_to_side_by_side(page: Page, line: str) -> None:
    quote(page, line)
    cards = page.locator("#cards > .card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 2
    prices = [float(p) for p in cards.evaluate_all("cs => cs.map(c => c.dataset.price)")]
    assert prices == sorted(prices), "quotes are cheapest first"
    shot(page, f"results-{line}")

    first = cards.nth(0)
    site = first.get_by_role("link", name=re.compile("sample link"))
    expect(site).to_have_attribute("href", re.compile(r"^https://sample\.invalid/"))
    first.get_by_text("Why this price").click()
    expect(first.locator(".price-summary")).to_be_visible()
    first.get_by_text("The full worksheet, step by step").click()
    worksheet = first.locator("table.worksheet").first
    expect(worksheet).to_be_visible()
    expect(worksheet.locator("tbody tr").first).to_contain_text(re.compile(r"\d"))

    cards.nth(0).get_by_label("Compare").check()
    cards.nth(1).get_by_label("Compare").check()
    names = [cards.nth(i).get_attribute("data-name") for i in range(2)]
    page.get_by_role("button", name="Compare selected side by side").click()
    table = page.locator("table.side-by-side")
    expect(table).to_be_visible()
    for name in names:
        expect(table.locator("thead")).to_contain_text(str(name))
    expect(table).to_contain_text("A month")
    shot(page, f"side-by-side-{line}")


def test_auto_results_sort_filter_tips_and_declines(page: Page) -> None:
    quote(page, "auto", lambda p: fill_auto(p, miles="23000"))
    cards = page.locator("#cards > .card")
    page.get_by_label("Sort by").select_option("rating")
    ranks = [int(r) for r in cards.evaluate_all("cs => cs.map(c => c.dataset.ratingRank)")]
    assert ranks == sorted(ranks)
    group = page.get_by_label("Group").locator("option").nth(1).get_attribute("value")
    page.get_by_label("Group").select_option(str(group))
    visible = page.locator("#cards > .card:not([hidden])")
    assert visible.count() >= 1
    for i in range(visible.count()):
        assert visible.nth(i).get_attribute("data-group") == group
    expect(page.locator(".controls .shown")).to_contain_text(f"Showing {visible.count()} of")
    charted = page.evaluate("Chart.getChart('price-chart').data.labels")
    assert charted == [visible.nth(i).get_attribute("data-name") for i in range(visible.count())]
    tips = page.locator(".tips li")
    expect(tips.first).to_contain_text(
        re.compile(r"save \$[\d,]+\.\d\d( to \$[\d,]+\.\d\d)? a year")
    )
    # 23,000 miles a year is more than one carrier writes: it declines, with its reason.
    expect(page.locator(".declines")).to_contain_text("20,000 miles")


def test_saved_link_reopens_and_downloads_csv(page: Page, web: Server) -> None:
    ref = quote(page, "life")
    link = page.get_by_label("Link to come back to these quotes").input_value()
    assert link.endswith(f"/c/{ref}")
    other = page.context.browser
    assert other is not None
    fresh = other.new_context(base_url=web.url).new_page()
    fresh.goto(link)
    expect(fresh.locator("#cards > .card").first).to_be_visible()
    fresh.context.close()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    quotes = [r for r in rows if r["outcome"] == "quote"]
    assert len(quotes) == page.locator("#cards > .card").count()
    first_card_price = page.locator("#cards > .card").first.get_attribute("data-price")
    assert quotes[0]["per_year"] == first_card_price


def test_unknown_link_is_a_clear_404(page: Page) -> None:
    response = page.goto("/c/not-a-real-reference")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("No comparison has this link")


def test_bad_input_is_reported_at_the_field(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("")
    page.get_by_role("button", name="Next").click()
    months = page.get_by_label("Months of continuous")
    expect(months).to_have_attribute("aria-invalid", "true")
    described = str(months.get_attribute("aria-describedby")).split()
    expect(page.locator(f"#{described[-1]}")).not_to_be_empty()
    expect(page.get_by_role("alert")).to_contain_text("Please check")
    months.fill("84")
    next_step(page, "Drivers")
    # Leaving the driver empty: each missing answer gets its own message, nothing moves on.
    page.get_by_role("button", name="Next").click()
    driver = items(page, "drivers").nth(0)
    expect(driver.locator(".field.invalid")).to_have_count(4)
    expect(page.get_by_role("heading", name=re.compile(": Drivers$"))).to_be_visible()
    # A licence date before the birth date passes the browser's checks; the server refuses it.
    driver.get_by_label("Date of birth").fill("1990-01-01")
    driver.get_by_label("Gender").select_option("female")
    driver.get_by_label("Marital status").select_option("single")
    driver.get_by_label("Date first licensed").fill("1985-01-01")
    page.get_by_role("button", name="Next").click()
    licensed = driver.get_by_label("Date first licensed")
    expect(licensed).to_have_attribute("aria-invalid", "true")
    shot(page, "form-errors")


def test_answers_survive_a_reload_and_going_back(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("36")
    next_step(page, "Drivers")
    driver = items(page, "drivers").nth(0)
    driver.get_by_label("Date of birth").fill("1990-02-03")
    page.get_by_role("button", name="Add driver").click()
    items(page, "drivers").nth(1).get_by_label("Date of birth").fill("1992-07-08")
    page.reload()
    page.locator("#quote-form[data-ready]").wait_for()
    expect(page.get_by_role("heading", name=re.compile(": Drivers$"))).to_be_visible()
    expect(items(page, "drivers")).to_have_count(2)
    expect(items(page, "drivers").nth(1).get_by_label("Date of birth")).to_have_value("1992-07-08")
    items(page, "drivers").nth(0).get_by_role("button", name="Remove driver").click()
    expect(items(page, "drivers")).to_have_count(1)
    expect(items(page, "drivers").nth(0).get_by_label("Date of birth")).to_have_value("1992-07-08")
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Months of continuous")).to_have_value("36")


def test_contact_one_carrier_with_consent(page: Page) -> None:
    ref = quote(page, "life")
    first = page.locator("#cards > .card").first
    name = str(first.get_attribute("data-name"))
    first.get_by_role("link", name=f"Contact {name}").click()
    email = page.get_by_role("textbox", name=re.compile("^E-mail"))
    email.fill("not-an-address")
    page.get_by_role("button", name=f"Send my details to {name}").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#c-consent-error")).to_contain_text("Tick the box")
    page.get_by_label("Your name").fill("Sam Shopper")
    email.fill("sam@example.org")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=f"Send my details to {name}").click()
    page.wait_for_url(re.compile(f"/c/{ref}"))
    expect(page.locator("#contact")).to_contain_text(f"given to {name} only")
    card = page.locator(f"#cards > .card[data-name='{name}']")
    expect(card).to_contain_text("Contact details given")


def test_only_the_browser_that_made_a_comparison_may_share_details_or_delete_it(
    page: Page, browser: Browser, web: Server
) -> None:
    ref = quote(page, "life")
    carrier = page.locator("#cards > .card").first.get_attribute("data-carrier")
    other = browser.new_context(base_url=web.url)
    try:
        stranger = other.new_page()
        stranger.goto(f"/c/{ref}")
        expect(stranger.locator("#cards > .card").first).to_be_visible()  # the link reads quotes
        expect(stranger.locator("#delete-comparison")).to_have_count(0)
        stranger.goto(f"/c/{ref}/contact/{carrier}")
        expect(stranger.get_by_role("heading", name="Not your comparison")).to_be_visible()
        token = stranger.request.get(f"{web.url}/login").text()
        csrf = re.search(r'name="csrf" value="([^"]+)"', token)
        form = {"csrf": csrf.group(1) if csrf else "", "consent": "yes", "email": "m@example.org"}
        for action in (f"/c/{ref}/delete", f"/c/{ref}/contact/{carrier}"):
            refused = stranger.request.post(f"{web.url}{action}", form=form)
            assert refused.status == 403
            assert "Not your comparison" in refused.text()  # not the CSRF check: it passed
    finally:
        other.close()
    # The maker still can: the comparison goes, with everything given with it.
    page.goto(f"/c/{ref}")
    page.get_by_role("button", name="Delete this comparison").click()
    expect(page.get_by_role("heading", name="Comparison deleted")).to_be_visible()
    page.goto(f"/c/{ref}")
    expect(page.get_by_text("No comparison has this link")).to_be_visible()


def test_contact_form_without_csrf_token_is_refused(page: Page, web: Server) -> None:
    ref = quote(page, "life")
    carrier = page.locator("#cards > .card").first.get_attribute("data-carrier")
    reply = page.request.post(
        f"{web.url}/c/{ref}/contact/{carrier}",
        form={"name": "Mallory", "email": "m@example.org", "consent": "yes"},
    )
    assert reply.status == 403


def test_start_page_offers_the_four_lines(page: Page) -> None:
    page.goto("/")
    for label in ("Car insurance", "Home, renters or condo insurance", "Term life insurance"):
        expect(page.get_by_label(label)).to_be_visible()
    page.get_by_label("Health insurance").check()
    states = page.get_by_label("State").locator("option").all_inner_texts()
    assert {"Texas", "California", "New York"} <= set(states)
    shot(page, "start")
    page.get_by_label("State").select_option("NY")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/quote/health\?state=NY$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Health insurance in New York")
    shot(page, "quote-form")


def test_a_blank_item_survives_a_reload(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("12")
    next_step(page, "Drivers")
    items(page, "drivers").nth(0).get_by_role("button", name="Add incident").click()
    page.reload()
    page.locator("#quote-form[data-ready]").wait_for()
    incidents = items(page, "drivers").nth(0).locator("[data-group$='.incidents'] [data-item]")
    expect(incidents).to_have_count(1)


def test_a_blank_driver_is_named_by_the_server_not_dropped(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("12")
    next_step(page, "Drivers")
    page.get_by_role("button", name="Add driver").click()
    page.reload()
    page.locator("#quote-form[data-ready]").wait_for()
    expect(items(page, "drivers")).to_have_count(2)
    page.get_by_role("button", name="Next").click()
    second = items(page, "drivers").nth(1)
    expect(second.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")
