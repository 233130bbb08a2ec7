"""The results page's view of a stored comparison: order, CSV, chart data, side-by-side picks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import rateshop
from api.apikit import example
from rateshop.compare.default import market_registry
from rateshop.store.records import StoredAnswer, StoredComparison
from rateshop.web import views

LIBRARY = market_registry().library


def stored(name: str) -> StoredComparison:
    """A real comparison of ``examples/<name>.json`` against the shipped market, as stored."""
    risk = example(name)
    data = rateshop.compare_risk(risk).to_dict()
    answers = tuple(
        StoredAnswer(kind, a["carrier"], None, None, None, None, None, a)
        for kind, key in (("quote", "quotes"), ("decline", "declines"), ("error", "errors"))
        for a in data[key]
    )
    return StoredComparison(
        "ref",
        dt.datetime.now(dt.UTC),
        data["line"],
        data["state"],
        dt.date.fromisoformat(data["effective"]),
        risk,
        answers,
    )


def test_cards_cheapest_first_with_the_stored_prices() -> None:
    comparison = stored("auto")
    view = views.results(comparison, LIBRARY)
    assert [c.per_year for c in view.cards] == sorted(c.per_year for c in view.cards)
    by_carrier = {a.carrier: a.body["quote"] for a in comparison.of_kind("quote")}
    for card in view.cards:
        assert card.total == Decimal(by_carrier[card.carrier]["total"])
        assert card.monthly == Decimal(by_carrier[card.carrier]["monthly"])
        assert card.worksheet, "every quote explains itself"
    assert [name for name, _ in view.declines] == [
        a.body["carrier_name"] for a in comparison.of_kind("decline")
    ]


def test_quotes_stored_without_worksheets_are_explained_again_to_the_cent() -> None:
    comparison = stored("auto")
    full = views.results(comparison, LIBRARY)
    lean_answers = tuple(
        StoredAnswer(
            a.kind, a.carrier, None, None, None, None, None,
            {**a.body, "quote": {k: v for k, v in a.body["quote"].items() if k != "worksheet"}},
        )
        if a.kind == "quote"
        else a
        for a in comparison.answers
    )  # fmt: skip
    lean = StoredComparison(
        "ref", comparison.created_at, comparison.line, comparison.state, comparison.effective,
        comparison.risk, lean_answers,
    )  # fmt: skip
    again = views.results(lean, LIBRARY)
    assert [c.worksheet for c in again.cards] == [c.worksheet for c in full.cards]
    assert [c.discount_off for c in again.cards] == [c.discount_off for c in full.cards]


def test_csv_has_a_row_per_carrier() -> None:
    view = views.results(stored("auto"), LIBRARY)
    rows = list(csv.DictReader(io.StringIO(views.to_csv(view))))
    quotes = [r for r in rows if r["outcome"] == "quote"]
    declines = [r for r in rows if r["outcome"] == "decline"]
    assert [Decimal(r["per_year"]) for r in quotes] == [c.per_year for c in view.cards]
    assert [r["rank"] for r in quotes] == [str(i) for i in range(1, len(quotes) + 1)]
    assert len(declines) == len(view.declines)
    assert all(r["reasons"] for r in declines)


def test_chart_data_cannot_close_its_script_element() -> None:
    view = views.results(stored("life"), LIBRARY)
    view.cards[0].name = "Evil </script><script>alert(1)</script>"
    text = view.chart()
    assert "</script" not in text
    assert json.loads(text)["labels"][0] == view.cards[0].name


def test_pick_keeps_the_order_asked_and_drops_unknown_carriers() -> None:
    view = views.results(stored("home"), LIBRARY)
    ids = [c.carrier for c in view.cards]
    picked = views.pick(view.cards, [ids[1], "no-such-carrier", ids[0], ids[1]])
    assert [c.carrier for c in picked] == [ids[1], ids[0]]
