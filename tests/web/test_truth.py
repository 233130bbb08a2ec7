"""What a shopper sees is true: inputs checked against the world, prices that add up, no engine text.

Against the real app on a loopback port: each bad answer is stopped at its field in plain words (in
chromium), every card's lines add up to its total for every example risk and every carrier, the
discounts say what was taken off after the carriers' caps, and no carrier's or engine's message
reaches a shopper's page, download or stream (the API keeps it, for agents).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from lxml import html
from playwright.sync_api import Page, expect
from test_shop import items, next_step, start
from webkit import app_settings, as_served, shot

from api.apikit import ROOT, Server, example
from rateshop.app import create_app
from rateshop.compare.service import Answer, Comparison
from rateshop.risk.questions import LINES
from rateshop.store import Store
from rateshop.web import views

EXAMPLES = sorted(
    p.stem
    for p in (ROOT / "examples").glob("*.json")
    if json.loads(p.read_text()).get("line") in LINES
)
# What an engine says that a shopper must never read: table names, keys, expressions.
ENGINE_TEXT = "table age_curve has no row for age=-1"
ENGINE_WORDS = re.compile(r"age_curve|no row for|table \w+ has|rating_areas\(\)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The app on its own SQLite file, which the tests may also write to through the store."""
    database = tmp_path_factory.mktemp("truth") / "rateshop.db"
    server = as_served(Server(create_app(app_settings(database))))
    server.start()
    yield server, database
    server.stop()


@dataclass
class Reply:
    status: int
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Client:
    """Plain blocking HTTP (no event loop: Playwright's sync API keeps one running here)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Reply:
        url = self.base + path + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode()
        request = Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urlopen(request, timeout=60) as response:
                return Reply(response.status, response.read().decode())
        except HTTPError as exc:
            return Reply(exc.code, exc.read().decode())

    def get(self, path: str, params: dict[str, str] | None = None) -> Reply:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Reply:
        return self.call("POST", path, body)


@pytest.fixture(scope="module")
def client(served: tuple[Server, Path]) -> Client:
    return Client(served[0].url)


def _amount(text: str) -> Decimal:
    return Decimal(text.strip().replace("$", "").replace(",", ""))


def _cards(page_html: str) -> list[tuple[str, list[Decimal], Decimal]]:
    """Each card's carrier, the amounts of its lines and the total it states."""
    tree = html.fromstring(page_html)
    out = []
    for card in tree.cssselect("#cards > li.card"):
        lines = [
            _amount(a.text_content()) for a in card.cssselect(".coverages li:not(.sum) .amount")
        ]
        total = _amount(card.cssselect(".coverages li.sum .amount")[0].text_content())
        out.append((card.get("data-carrier"), lines, total))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_card_adds_up_to_its_total(client: Client, name: str) -> None:
    made = client.post("/comparisons", example(name))
    assert made.status == 201, made.text
    ref = made.json["ref"]
    stored = client.get(f"/comparisons/{ref}").json
    page = client.get(f"/c/{ref}")
    cards = _cards(page.text)
    assert [c for c, _, _ in cards] == [a["carrier"] for a in stored["quotes"]]
    for (carrier, lines, total), answer in zip(cards, stored["quotes"], strict=True):
        assert sum(lines) == total == Decimal(answer["quote"]["total"]), carrier
        shown = len(answer["quote"]["components"]) + len(answer["quote"]["fees"])
        assert len(lines) >= shown, f"{carrier} leaves out lines of its price"


def test_a_card_with_seven_coverages_shows_every_one(client: Client) -> None:
    # Medical payments added: the case, where the first six lines left out collision.
    risk = example("auto")
    risk["coverages"]["MED"] = {"limit": 2000}
    assert len(risk["coverages"]) == 7
    ref = client.post("/comparisons", risk).json["ref"]
    tree = html.fromstring(client.get(f"/c/{ref}").text)
    for card in tree.cssselect("#cards > li.card"):
        labels = [li.text_content() for li in card.cssselect(".coverages li")]
        assert any("Collision" in label for label in labels), labels


def test_discounts_say_what_was_taken_off_after_the_cap(client: Client) -> None:
    risk = {**example("auto"), "multi_policy": True}
    ref = client.post("/comparisons", risk).json["ref"]
    tree = html.fromstring(client.get(f"/c/{ref}").text)
    card = tree.cssselect("#cards > li.card[data-carrier='pinnacle-direct']")[0]
    said = " ".join(card.cssselect(".discounts")[0].text_content().split())
    # Its five discounts list 38% between them; its cap lets 20% through.
    assert said.startswith("Discounts: 20% off after Pinnacle Direct"), said
    assert "cap on discounts" in said
    assert "Multi-car" in said
    assert "10%" not in said


def test_a_discount_under_its_cap_shows_its_rates() -> None:
    rows = [
        {"kind": "discount", "value": "0.9500", "applied": True, "note": "Paperless 0.05"},
        {"kind": "discount", "value": "0.9000", "applied": True, "note": "Paperless 0.05, x"},
    ]
    assert views._discount_off(rows) == ("5% to 10%", False)
    assert views._discount_off([]) == ("", False)


def _with_engine_failure(database: Path) -> str:
    """A comparison stored with one carrier failed on an engine message (as risks once did)."""
    risk = example("health")
    store = Store.open(app_settings(database))
    try:
        failed = Answer("bluepeak-health", "Bluepeak Health", "A", "National")
        failed.error, failed.error_kind = ENGINE_TEXT, "bad_input"
        comparison = Comparison("health", "TX", dt.date(2026, 12, 1))
        comparison.errors.append(failed)
        return store.save(comparison, risk)
    finally:
        store.close()


def test_no_engine_message_reaches_the_results_page_or_its_download(
    client: Client, served: tuple[Server, Path]
) -> None:
    ref = _with_engine_failure(served[1])
    page = client.get(f"/c/{ref}")
    assert page.status == 200
    assert "Bluepeak Health</strong>: could not price these answers" in page.text
    assert not ENGINE_WORDS.search(page.text)
    download = client.get(f"/c/{ref}/csv")
    assert "could not price these answers" in download.text
    assert not ENGINE_WORDS.search(download.text)
    # The API's message is in words too; the engine's own text is the error's detail, for agents.
    kept = client.get(f"/comparisons/{ref}").json["errors"][0]["error"]
    assert kept == {
        "kind": "bad_input",
        "message": "could not price these answers",
        "detail": ENGINE_TEXT,
    }


def test_the_shoppers_stream_carries_words_not_the_engines_text() -> None:
    answer = {
        "carrier": "x",
        "status": "failed",
        "error": {"kind": "bad_input", "message": ENGINE_TEXT},
    }
    said = views.shopper_event("answer", answer)
    assert said["error"] == {"kind": "bad_input", "message": "could not price these answers"}
    assert said["carrier"] == "x"
    broke = {"status": 500, "message": "KeyError: 'rating_areas'", "incident": "i-1"}
    said = views.shopper_event("error", broke)
    assert said == {"status": 500, "incident": "i-1", "message": views.BROKEN_OFF}
    done = {"ref": "r"}
    assert views.shopper_event("done", done) == done


# Risks that once reached a carrier and came back as an engine's message or a decline.
ONCE_ENGINE: list[tuple[str, str, Any, str, str]] = [
    (
        "health",
        "members.3.birth_date",
        "2027-02-01",
        "members[3].birth_date",
        "after the effective date",
    ),
    ("health", "members.1.relationship", "self", "members[1].relationship", "a household has one"),
    ("health", "zip", "10001", "zip", "10001 is in New York, not Texas"),
    ("auto", "vehicles.0.garaging_zip", "00000", "vehicles[0].garaging_zip", "not a US ZIP code"),
    ("home", "zip", "10001", "zip", "10001 is in New York, not Texas"),
]


@pytest.mark.parametrize(("name", "path", "value", "field", "words"), ONCE_ENGINE)
def test_risks_that_produced_engine_messages_are_stopped_at_their_field(
    client: Client, name: str, path: str, value: Any, field: str, words: str
) -> None:
    risk = example(name)
    *parents, last = path.split(".")
    node: Any = risk
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[int(last) if last.isdigit() else last] = value
    for route in ("/quote/check", "/comparisons"):
        reply = client.post(route, risk)
        assert reply.status == 422, reply.text
        found = {e["field"]: e["problem"] for e in reply.json["errors"]}
        assert words in found[field], found
        assert not ENGINE_WORDS.search(reply.text)


def test_the_town_of_a_zip_for_the_shopper_to_confirm(client: Client) -> None:
    fishers = client.get("/quote/zip/06390", params={"state": "NY"}).json
    assert fishers["town"] == "Fishers Island"
    assert fishers["state_name"] == "New York"
    assert fishers["problem"] is None
    austin = client.get("/quote/zip/78745", params={"state": "NY"}).json
    assert austin["town"] == "Austin"
    assert austin["problem"] == "78745 is in Texas, not New York"
    assert client.get("/quote/zip/00000", params={"state": "NY"}).json["town"] is None
    assert client.get("/quote/zip/1234", params={"state": "NY"}).status == 422


# --- in chromium ------------------------------------------------------------------------------


def _error_of(page: Page, label: str, scope: Any = None) -> Any:
    field = (scope or page).get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = str(field.get_attribute("aria-describedby")).split()
    return page.locator(f"#{described[-1]}")


def test_a_zip_of_another_state_is_stopped_at_the_field_and_a_good_one_shows_its_town(
    page: Page,
) -> None:
    start(page, "Home, renters or condo insurance", "NY")
    page.get_by_label("What do you want to insure?").select_option("HO3")
    zip_field = page.get_by_label("ZIP code")
    zip_field.fill("78745")
    expect(_error_of(page, "ZIP code")).to_have_text("78745 is in Texas, not New York.")
    zip_field.fill("06390")
    expect(page.locator(".town")).to_have_text("Fishers Island, New York")
    expect(zip_field).not_to_have_attribute("aria-invalid", "true")
    zip_field.fill("00501")
    expect(page.locator(".town")).to_have_text("Holtsville, New York")


def test_a_fifteen_year_old_and_a_future_birth_date_are_stopped_at_their_fields(
    page: Page,
) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("0")
    next_step(page, "Drivers")
    driver = items(page, "drivers").nth(0)
    effective = page.locator("#quote-form").get_attribute("data-today") or ""
    year = int(effective[:4])
    driver.get_by_label("Date of birth").fill(f"{year - 15}-01-01")
    driver.get_by_label("Gender").select_option("male")
    driver.get_by_label("Marital status").select_option("single")
    driver.get_by_label("Date first licensed").fill(f"{year - 1}-01-02")
    page.get_by_role("button", name="Next").click()
    expect(_error_of(page, "Licence", driver)).to_contain_text(
        "A 15-year-old cannot hold a full or provisional licence in Texas: the youngest age is 16. Allowed: a learner's permit, for a driver under 16."
    )
    expect(page.get_by_role("heading", name=re.compile(": Drivers$"))).to_be_visible()
    shot(page, "form-errors-young-driver")
    driver.get_by_label("Date of birth").fill(f"{year + 2}-01-01")
    page.get_by_role("button", name="Next").click()
    expect(_error_of(page, "Date of birth", driver)).to_contain_text("is after the effective date")
    expect(driver.get_by_label("Date first licensed")).not_to_have_attribute("aria-invalid", "true")
    assert not ENGINE_WORDS.search(page.content())


def test_two_applicants_and_an_unborn_child_are_stopped_at_their_fields(page: Page) -> None:
    start(page, "Health insurance", "TX")
    page.get_by_label("ZIP code").fill("78745")
    expect(page.locator(".town")).to_have_text("Austin, Texas")
    me = items(page, "members").nth(0)
    me.get_by_label("Who", exact=True).select_option("self")
    me.get_by_label("Date of birth").fill("1984-05-20")
    page.get_by_role("button", name="Add person").click()
    twin = items(page, "members").nth(1)
    twin.get_by_label("Who", exact=True).select_option("self")
    twin.get_by_label("Date of birth").fill("1986-05-20")
    page.get_by_role("button", name="Add person").click()
    child = items(page, "members").nth(2)
    child.get_by_label("Who", exact=True).select_option("child")
    child.get_by_label("Date of birth").fill("2099-08-01")
    page.get_by_role("button", name="Next").click()
    expect(_error_of(page, "Who", twin)).to_contain_text(
        "2 members are 'self'; a household has one"
    )
    expect(_error_of(page, "Date of birth", child)).to_contain_text("is after the effective date")
    assert not ENGINE_WORDS.search(page.content())


def test_a_worksheet_line_that_took_a_default_says_so_in_words(client: Client) -> None:
    risk = example("auto")
    for vehicle in risk["vehicles"]:
        vehicle["garaging_zip"] = "75001"
    ref = client.post("/comparisons", risk).json["ref"]
    page = client.get(f"/c/{ref}").text
    assert (
        "territory: zip=75001 (not listed: the table&#39;s default for the rest of the state)"
        in page
    )
    assert "[?]" not in page


# --- why this price: a summary in dollars first, the full worksheet folded below --------------


def _summaries(page_html: str) -> dict[str, tuple[list[Decimal], Decimal, Decimal]]:
    """Each card's summary: the amounts of its lines, the price a year it states, the card's."""
    tree = html.fromstring(page_html)
    out = {}
    for card in tree.cssselect("#cards > li.card"):
        found = card.cssselect(".why .summary-lines")
        if not found:
            continue
        rows = found[0].cssselect("tr:not(.sum) td.amount")
        lines = [_amount(td.text_content().replace("+", "").replace("−", "-")) for td in rows]
        stated = _amount(found[0].cssselect("tr.sum td.amount")[0].text_content())
        out[card.get("data-carrier")] = (lines, stated, Decimal(card.get("data-price")))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_summary_adds_up_to_the_price_a_year(client: Client, name: str) -> None:
    ref = client.post("/comparisons", example(name)).json["ref"]
    stored = client.get(f"/comparisons/{ref}").json
    summaries = _summaries(client.get(f"/c/{ref}").text)
    # Every quote priced from a manual explains itself.
    assert set(summaries) == {a["carrier"] for a in stored["quotes"]}
    for carrier, (lines, stated, price) in summaries.items():
        assert sum(lines) == stated == price, carrier
        assert 2 <= len(lines) <= 6, carrier  # starting price, up to three facts, others, fees


def test_why_this_price_opens_with_dollars_a_year_and_folds_the_worksheet(
    page: Page, web: Server
) -> None:
    made = Client(web.url).post("/comparisons", example("auto_young_driver"))
    page.goto(f"{web.url}/c/{made.json['ref']}")
    card = page.locator("#cards > li.card[data-carrier='harborview']")
    card.get_by_text("Why this price").click()
    summary = card.locator(".price-summary")
    expect(summary).to_be_visible()
    record = summary.locator("tr.effect", has_text="Driving record")
    expect(record).to_contain_text("points 3")
    expect(record.locator("td")).to_have_text(re.compile(r"^\+\$\d{1,3}(,\d{3})*\.\d\d$"))
    # The trace is there for agents, folded: its tables are not shown until asked for.
    expect(card.locator("table.worksheet").first).to_be_hidden()
    card.get_by_text("The full worksheet, step by step").click()
    expect(card.locator("table.worksheet").first).to_be_visible()
    amounts = [
        _amount(t.replace("+", "").replace("−", "-"))
        for t in summary.locator("tr:not(.sum) td.amount").all_text_contents()
    ]
    assert sum(amounts) == _amount(summary.locator("tr.sum td.amount").inner_text())
    shot(page, "why-this-price")


# --- tips as ideas; declines beside the quotes, with what would turn them round -----------------


def test_each_idea_once_with_its_range_and_what_will_happen_anyway_as_information(
    client: Client,
) -> None:
    ref = client.post("/comparisons", example("auto")).json["ref"]
    tree = html.fromstring(client.get(f"/c/{ref}").text)
    ideas = [" ".join(li.text_content().split()) for li in tree.cssselect(".tips li")]
    heads = [li.cssselect("strong")[0].text_content() for li in tree.cssselect(".tips li")]
    assert len(heads) == len(set(heads)), heads
    paying = next(i for i in ideas if i.startswith("Paying the whole term up front"))
    assert re.search(r"save \$[\d,]+\.\d\d to \$[\d,]+\.\d\d a year \(", paying), paying
    collision = next(i for i in ideas if "collision deductible" in i)
    assert "you pay up to $500 more of each collision claim yourself" in collision
    bundle = next(i for i in ideas if i.startswith("Bundling"))
    assert "that policy's own price comes on top" in bundle
    # What the other policy costs: a renters policy rated as an example, with what it assumes.
    assert re.search(
        r"The other policy, for example a renters policy for \$30,000 of belongings at ZIP code "
        r"78745, costs \$[\d,]+\.\d\d a year with Pinnacle National",
        bundle,
    ), bundle
    # The ticket ageing off is no way to save today: it is told as information.
    assert not any("stops counting" in i for i in ideas)
    coming = " ".join(tree.cssselect(".coming")[0].text_content().split())
    assert (
        "Your minor speeding of September 14, 2025 stops counting on September 14, 2028" in coming
    )
    # Declines sit with the quotes: before the ideas on the page.
    order = [
        e.get("id") for e in tree.iter() if e.get("id") in ("cards", "declines-title", "tips-title")
    ]
    assert order == ["cards", "declines-title", "tips-title"]


def test_a_decline_a_changed_answer_turns_round_says_so(page: Page, web: Server) -> None:
    made = Client(web.url).post("/comparisons", example("life"))
    page.goto(f"{web.url}/c/{made.json['ref']}")
    lakeshore = page.locator(".declines li", has_text="Lakeshore")
    expect(lakeshore).to_contain_text(
        re.compile(r"would quote a face amount of \$1,000,000: \$[\d,]+\.\d\d a year")
    )


# --- the flow: the browser's Back between steps, no lost click, edit my answers ----------------


def _heading(page: Page, title: str) -> Any:
    return page.get_by_role("heading", name=re.compile(f": {title}$"))


def test_the_browsers_back_and_forward_move_between_the_form_steps(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("84")
    next_step(page, "Drivers")
    items(page, "drivers").nth(0).get_by_label("Date of birth").fill("1981-04-17")
    page.go_back()
    expect(_heading(page, "Your policy")).to_be_visible()
    expect(page.get_by_label("Months of continuous")).to_have_value("84")
    page.go_forward()
    expect(_heading(page, "Drivers")).to_be_visible()
    expect(items(page, "drivers").nth(0).get_by_label("Date of birth")).to_have_value("1981-04-17")
    # The form's own Back button is the same move: one browser Back after it leaves the form.
    page.get_by_role("button", name="Back").click()
    expect(_heading(page, "Your policy")).to_be_visible()
    assert page.url.endswith("#step-1")


def test_a_next_click_is_not_lost_when_a_message_goes_as_the_field_is_left(page: Page) -> None:
    start(page, "Car insurance", "TX")
    months = page.get_by_label("Months of continuous")
    months.fill("")
    page.get_by_role("button", name="Next").click()
    expect(months).to_have_attribute("aria-invalid", "true")
    # Corrected, and Next pressed at once: the press leaves the field, whose message would go and
    # move the button from under the pointer before the release. It stays where it was pressed.
    months.fill("84")
    button = page.get_by_role("button", name="Next")
    pressed_at = button.bounding_box()
    button.dispatch_event("pointerdown")
    months.evaluate("el => el.dispatchEvent(new Event('change', { bubbles: true }))")
    assert button.bounding_box() == pressed_at
    button.dispatch_event("pointerup")
    button.click()
    expect(_heading(page, "Drivers")).to_be_visible()


def test_edit_my_answers_from_the_results_opens_the_form_filled_in(page: Page, web: Server) -> None:
    made = Client(web.url).post("/comparisons", example("auto"))
    page.goto(f"{web.url}/c/{made.json['ref']}")
    page.get_by_role("link", name="Edit my answers").click()
    page.locator("#quote-form[data-ready]").wait_for()
    expect(_heading(page, "Your policy")).to_be_visible()
    expect(page.get_by_label("Months of continuous")).to_have_value("84")
    next_step(page, "Drivers")
    driver = items(page, "drivers").nth(1)
    expect(driver.get_by_label("Date of birth")).to_have_value("1983-09-30")
    next_step(page, "Vehicles")
    expect(items(page, "vehicles").nth(1).get_by_label("Miles a year")).to_have_value("23000")


# --- the results page: cheapest first on screen, a tray that stays, a chart that fits -----------


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (375, 667)])
def test_the_cheapest_quote_is_above_the_fold_and_the_tray_stays_on_screen(
    browser: Any, web: Server, width: int, height: int
) -> None:
    made = Client(web.url).post("/comparisons", example("auto"))
    context = browser.new_context(base_url=web.url, viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"/c/{made.json['ref']}")
        first = page.locator("#cards > li.card").first
        price = first.locator(".price")
        box = price.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= height, "the cheapest price is below the fold"
        tray_at = page.locator(".tray").bounding_box()
        assert tray_at is not None
        assert box["y"] + box["height"] <= tray_at["y"], "the tray hides the cheapest price"
        # The chart comes after the quotes.
        chart = page.locator(".chart-panel").bounding_box()
        assert chart is not None
        assert chart["y"] > box["y"]
        # The compare tray is on screen at the top of the list and half way down it.
        tray = page.locator(".tray")
        for scroll in (0, 1500):
            page.evaluate(f"window.scrollTo(0, {scroll})")
            at = tray.bounding_box()
            assert at is not None
            assert at["y"] >= 0, scroll
            assert at["y"] + at["height"] <= height + 1, scroll
        first.get_by_label("Compare").check()
        expect(tray).to_contain_text("1 picked")
        shot(page, f"results-fold-{width}")
    finally:
        context.close()


def test_on_a_phone_the_charts_labels_fit_and_money_has_separators(
    browser: Any, web: Server
) -> None:
    made = Client(web.url).post("/comparisons", example("auto"))
    context = browser.new_context(base_url=web.url, viewport={"width": 375, "height": 667})
    page = context.new_page()
    try:
        page.goto(f"/c/{made.json['ref']}")
        page.locator(".chart-panel").scroll_into_view_if_needed()
        fit = page.evaluate(
            """() => {
              const chart = Chart.getChart('price-chart');
              const y = chart.scales.y;
              return { axis: y.width, canvas: chart.width,
                       labels: chart.data.labels.map((l) => [].concat(l)) };
            }"""
        )
        assert fit["axis"] < fit["canvas"] / 2, fit
        assert all(len(line) <= 14 or " " not in line for lab in fit["labels"] for line in lab)
        text = page.locator("main").inner_text()
        assert not re.search(r"\$\d{4,}", text), "money without thousands separators"
        assert re.search(r"cover from [A-Z][a-z]+ \d{1,2}, \d{4}", text)
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "a date in another format"
        shot(page, "results-chart-phone")
    finally:
        context.close()


# --- facts shoppers do not know: a VIN read offline, a symbol looked up, each fact's source ------

RAV4_VIN = "2T3P1RFV1NW123456"  # a 2022 Toyota, its check digit right


def test_a_vin_is_read_offline_and_a_blank_symbol_is_looked_up(client: Client) -> None:
    said = client.get(f"/quote/vin/{RAV4_VIN}", params={"effective": "2026-12-01"}).json
    assert said == {"vin": RAV4_VIN, "year": 2022, "maker": "Toyota", "problem": None}
    wrong = client.get("/quote/vin/2T3P1RFV2NW123456").json
    assert wrong["problem"].startswith("is not a valid VIN: its check digit")
    risk = example("auto")
    risk["vehicles"][0]["vin"] = RAV4_VIN
    del risk["vehicles"][0]["symbol"]
    del risk["vehicles"][0]["make"]
    made = client.post("/comparisons", risk)
    assert made.status == 201, made.text
    page = " ".join(
        html.fromstring(client.get(f"/c/{made.json['ref']}").text).text_content().split()
    )
    # Each card's worksheet says which facts were not asked, and where they came from.
    assert "Not asked: vehicle 1 make Toyota, looked up for you" in page
    assert "vehicle 1 rating symbol 12, looked up for you" in page
    assert "symbol: symbol=12" in page or "vehicle symbol 12" in page
    # The full worksheet keeps each fact's source too, for agents and regulators.
    tree = html.fromstring(client.get(f"/c/{made.json['ref']}").text)
    inputs = tree.cssselect("#cards > li.card")[0].cssselect("table.inputs")[0]
    rows = [
        " · ".join(c.text_content().strip() for c in r.cssselect("th, td"))
        for r in inputs.cssselect("tbody tr")
    ]
    assert (
        rows[0]
        == "vehicle 1 make · Toyota · looked up for you (the shipped sample vehicle table, or the VIN)"
    )
    assert rows[-1] == "Every other fact ·  · asked: as you answered"
    # A VIN of another year or maker than the answers is stopped at those fields.
    risk["vehicles"][0]["model_year"] = 2019
    risk["vehicles"][0]["make"] = "Honda"
    found = {e["field"]: e["problem"] for e in client.post("/quote/check", risk).json["errors"]}
    assert found["vehicles[0].model_year"] == "the VIN is of a 2022 vehicle"
    assert found["vehicles[0].make"] == "the VIN is of a Toyota"


def test_in_the_form_a_vin_fills_the_year_and_make_and_a_bad_one_is_told(page: Page) -> None:
    start(page, "Car insurance", "TX")
    page.get_by_label("Months of continuous").fill("84")
    next_step(page, "Drivers")
    driver = items(page, "drivers").nth(0)
    driver.get_by_label("Date of birth").fill("1981-04-17")
    driver.get_by_label("Gender").select_option("male")
    driver.get_by_label("Marital status").select_option("married")
    driver.get_by_label("Date first licensed").fill("1997-06-02")
    next_step(page, "Vehicles")
    vehicle = items(page, "vehicles").nth(0)
    vehicle.get_by_label("VIN (optional)").fill("2T3P1RFV2NW123456")
    expect(_error_of(page, "VIN (optional)", vehicle)).to_contain_text("check digit")
    vehicle.get_by_label("VIN (optional)").fill(RAV4_VIN)
    expect(vehicle.locator(".town").first).to_have_text("2022 Toyota")
    expect(vehicle.get_by_label("Model year")).to_have_value("2022")
    expect(vehicle.get_by_label("Make (optional)")).to_have_value("Toyota")
    vehicle.get_by_label("Model (optional)").fill("RAV4")
    vehicle.get_by_label("Main use").select_option("commute")
    vehicle.get_by_label("Miles a year").fill("12000")
    vehicle.get_by_label("ZIP code").fill("78745")
    # No symbol given: it is looked up, and the step goes on.
    next_step(page, "Coverage")


def test_a_homes_protection_coast_and_rebuild_cost_come_from_its_zip_and_size(page: Page) -> None:
    start(page, "Home, renters or condo insurance", "TX")
    page.get_by_label("What do you want to insure?").select_option("HO3")
    page.get_by_label("ZIP code").fill("78745")
    page.get_by_label("Walls").select_option("frame")
    page.get_by_label("Year built").fill("2004")
    page.get_by_label("Year the roof was put on").fill("2016")
    page.get_by_label("Living area (square feet)").fill("2200")
    page.get_by_label("Build quality").select_option("standard")
    next_step(page, "Cover")
    # No rebuild cost, no protection class, no distance to the coast: all found for the shopper.
    page.get_by_label("Value of your belongings ($)").fill("160000")
    next_step(page, "History and discounts")
    page.get_by_role("button", name="Get my quotes").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"), timeout=30_000)
    card = page.locator("#cards > li.card").first
    card.get_by_text("Why this price").click()
    said = card.locator(".sources")
    expect(said).to_contain_text("fire protection class 3, looked up for you")
    expect(said).to_contain_text("miles to the coast 148.8, looked up for you")
    # 2,200 square feet of standard wood frame in Texas, at the sample costs: $314,000.
    expect(said).to_contain_text(
        "cost to rebuild $314,000, estimated for you: change it in your answers"
    )
    page.get_by_role("link", name="Edit my answers").click()
    page.locator("#quote-form[data-ready]").wait_for()
    next_step(page, "Cover")
    expect(page.get_by_label("Cost to rebuild the home ($)")).to_have_value("314000")


def test_a_family_of_four_sees_its_price_after_the_premium_tax_credit(page: Page) -> None:
    start(page, "Health insurance", "TX")
    page.get_by_label("ZIP code").fill("78745")
    people = [("self", "1982-03-10"), ("spouse", "1984-08-22"), ("child", "2013-06-05")]
    people.append(("child", "2016-01-19"))
    for i, (who, born) in enumerate(people):
        if i:
            page.get_by_role("button", name="Add person").click()
        member = items(page, "members").nth(i)
        member.get_by_label("Who", exact=True).select_option(who)
        member.get_by_label("Date of birth").fill(born)
    page.get_by_label("Household income for the year ($)").fill("65000")
    next_step(page, "Plan")
    page.get_by_label("Metal tier").select_option("silver")
    page.get_by_role("button", name="Get my quotes").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"), timeout=30_000)
    panel = page.locator(".credit")
    expect(panel).to_contain_text(
        re.compile(r"\$[\d,]+\.\d\d a year \(\$[\d,]+\.\d\d a month\) off")
    )
    panel.get_by_text("How it is worked out").click()
    expect(panel).to_contain_text("Household of 4 with $65,000 income: 202.18% of the 2025")
    expect(panel).to_contain_text("6.68% of your income, $4,342.00 a year")
    expect(panel).to_contain_text("IRS Rev. Proc. 2025-25")
    first = page.locator("#cards > li.card").first
    after = first.locator(".after-credit")
    expect(after).to_contain_text("a month after your premium tax credit")
    full = _amount(first.get_attribute("data-price") or "")
    said = re.search(r"\$([\d,]+\.\d\d) a year, full price \$([\d,]+\.\d\d)", after.inner_text())
    assert said is not None
    assert _amount(said[2]) == full
    assert _amount(said[1]) < full
    shot(page, "health-tax-credit")


def test_life_health_answers_put_each_carrier_in_its_own_class_said_with_the_quote(
    page: Page,
) -> None:
    start(page, "Term life insurance", "TX")
    page.get_by_label("Date of birth").fill("1991-03-14")
    page.get_by_label("Sex at birth").select_option("male")
    page.get_by_label("Height (inches)").fill("70")
    page.get_by_label("Weight (pounds)").fill("190")
    next_step(page, "Cover")
    page.get_by_label("Amount paid on death ($)").fill("1000000")
    page.get_by_label("Term", exact=True).select_option("20")
    page.get_by_role("button", name="Get my quotes").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"), timeout=30_000)
    card = page.locator("#cards > li.card[data-carrier='meridian-life']")
    card.get_by_text("Why this price").click()
    details = card.locator(".details")
    expect(details).to_contain_text("Underwriting class")
    expect(details).to_contain_text("preferred")
    expect(details).to_contain_text("body mass index over 26.0")
