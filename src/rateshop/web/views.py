"""A stored comparison as the results pages show it: quote cards, worksheets in words, chart, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.compare.market import rating_rank
from rateshop.compare.ranking import Standing, order
from rateshop.compare.replay import worksheet_if_any
from rateshop.compare.service import failure_words
from rateshop.rating.library import Library
from rateshop.rating.steps import STEP_WORDS
from rateshop.rating.summary import PriceSummary, key_text, summarise
from rateshop.store.records import StoredComparison


@dataclass
class WorksheetRow:
    """One step of a premium in words: what was looked up, the factor or amount, the total after."""

    label: str
    looked_up: str
    operation: str
    total: str
    applied: bool
    note: str


@dataclass
class WorksheetPart:
    """The steps of one coverage of one unit (a vehicle, a peril, a household member)."""

    title: str
    rows: list[WorksheetRow]


@dataclass
class Card:
    """One carrier's quote as a card of the results page."""

    carrier: str
    name: str
    rating: str
    rating_rank: int
    group: str
    total: Decimal
    monthly: Decimal
    per_year: Decimal
    term_months: int
    premium: Decimal
    version: str
    components: list[tuple[str, Decimal]]
    fees: list[tuple[str, Decimal]]
    discounts: list[str]
    substitutions: list[str]
    # What the discounts took off once the carrier's caps applied ("20%", "15% to 20%"), and
    # whether a cap cut them: the sum of the listed rates is not what was applied then.
    discount_off: str = ""
    discount_capped: bool = False
    # Minimum premiums and other steps on the whole policy, beside the coverages.
    adjustments: list[tuple[str, Decimal]] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    worksheet: list[WorksheetPart] = field(default_factory=list)
    # What moved this price most, in dollars a year, from the worksheet (None: no worksheet).
    summary: PriceSummary | None = None
    # A live carrier's quote: its own reference, how long it holds, where to continue with it.
    live: bool = False
    quote_ref: str = ""
    valid_until: str = ""
    bridge_url: str = ""

    @property
    def lines(self) -> list[tuple[str, Decimal]]:
        """Every line of the price: coverages, policy adjustments, fees; they add up to the total."""
        return [*self.components, *self.adjustments, *self.fees]

    @property
    def like_for_like(self) -> bool:
        """Whether the carrier priced exactly the coverage asked for."""
        return not self.substitutions


@dataclass
class Results:
    """Everything the results page needs about one stored comparison."""

    ref: str
    line: str
    state: str
    effective: str
    cards: list[Card]
    declines: list[tuple[str, list[str]]]
    errors: list[tuple[str, str]]
    groups: list[str]
    ratings: list[str]
    # Facts rateshop looked up or estimated for the shopper: (fact, value, source) in words.
    sources: list[tuple[str, str, str]] = field(default_factory=list)

    def chart(self) -> str:
        """The price chart's data as JSON: carriers cheapest first, price per year."""
        data = json.dumps(
            {
                "labels": [c.name for c in self.cards],
                "values": [float(c.per_year) for c in self.cards],
            }
        )
        # It sits inside a <script> element: no "</script>" in a name may end that early.
        return data.replace("<", "\\u003c")


def _grouped(number: object) -> str:
    """A worksheet number with thousands separators and every decimal it has: ``2,436.000``."""
    if number in (None, ""):
        return ""
    return f"{Decimal(str(number)):,}"


def _worksheet(rows: Iterable[Mapping[str, Any]]) -> list[WorksheetPart]:
    parts: dict[tuple[str, str], WorksheetPart] = {}
    for row in rows:
        unit, component = str(row.get("unit") or ""), str(row.get("component") or "")
        title = " · ".join(p for p in (unit, component) if p) or "Policy"
        part = parts.setdefault((unit, component), WorksheetPart(title, []))
        kind = str(row.get("kind", ""))
        value = row.get("value")
        word = STEP_WORDS.get(kind, kind)
        operation = f"{word} {_grouped(value)}" if value not in (None, "") else word
        key = key_text(str(row.get("key") or ""))
        source = str(row.get("source") or "")
        looked_up = f"{source}: {key}" if key else source
        part.rows.append(
            WorksheetRow(
                label=str(row.get("label") or row.get("step") or ""),
                looked_up=looked_up,
                operation=operation,
                total=_grouped(row.get("total")),
                applied=bool(row.get("applied", True)),
                note=str(row.get("note") or ""),
            )
        )
    return list(parts.values())


def _substitutions(answer: Mapping[str, Any]) -> list[str]:
    """What the carrier quoted instead of what was asked, in words (empty: exactly as asked)."""
    found = answer.get("substitutions") or answer.get("quote", {}).get("substitutions") or []
    out = []
    for item in found:
        if isinstance(item, Mapping):
            what = str(item.get("field") or "").removeprefix("coverages.").replace(".", " ")
            out.append(f"{what} asked {item.get('asked')}, quoted {item.get('quoted')}".strip())
        else:
            out.append(str(item))
    return out


def _components(quote: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """The coverages of a price; one premium rated per person is shown person by person."""
    components = quote.get("components", [])
    units = quote.get("units") or []
    if len(components) == 1 and len(units) > 1:
        return [
            (f"{c['label']}, {u['unit']}", Decimal(c["amount"]))
            for u in units
            for c in u.get("components", [])
        ]
    return [(c["label"], Decimal(c["amount"])) for c in components]


def card(answer: Mapping[str, Any]) -> Card:
    """A stored quote answer as a card."""
    quote = answer["quote"]
    off, capped = _discount_off(quote.get("worksheet") or [])
    return Card(
        carrier=answer["carrier"],
        name=answer.get("carrier_name") or answer["carrier"],
        rating=answer.get("rating", ""),
        rating_rank=rating_rank(answer.get("rating", "")),
        group=answer.get("group", ""),
        total=Decimal(quote["total"]),
        monthly=Decimal(quote["monthly"]),
        per_year=Decimal(quote["per_year"]),
        term_months=int(quote.get("term_months") or 12),
        premium=Decimal(quote["premium"]),
        version=(quote.get("manual") or {}).get("version", ""),
        components=_components(quote),
        fees=[(f["label"], Decimal(f["amount"])) for f in quote.get("fees", [])],
        adjustments=[(a["label"], Decimal(a["amount"])) for a in quote.get("adjustments", [])],
        discounts=_discounts(quote.get("discounts", []), with_rates=not capped),
        discount_off=off,
        discount_capped=capped,
        details=[(d["label"], str(d["value"])) for d in quote.get("details", [])],
        substitutions=_substitutions(answer),
        worksheet=_worksheet(quote.get("worksheet") or []),
        summary=summarise(quote),
        live=quote.get("source") == "live",
        quote_ref=str(quote.get("quote_ref") or ""),
        valid_until=str(quote.get("valid_until") or ""),
        bridge_url=str(quote.get("bridge_url") or ""),
    )


# What the page says when a comparison breaks off after it started.
BROKEN_OFF = "We could not finish the comparison. Please try again in a moment."


def no_price(answer: Mapping[str, Any]) -> str:
    """Why a carrier in the comparison gave no price, in words: referred, pending or failed."""
    if answer.get("status") == "referred":
        said = "; ".join((answer.get("referral") or {}).get("messages") or [])
        return f"referred your request to an underwriter{': ' + said if said else ''}"
    if answer.get("status") == "pending":
        ref = (answer.get("pending") or {}).get("quote_ref", "")
        return f"will answer later (its reference {ref})"
    return failure_words((answer.get("error") or {}).get("kind"))


def shopper_event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data of one event of a comparison (``answer``, ``done`` or ``error``) as a shopper's page
    may see it.

    A failed answer says its kind in words instead of the carrier's or the engine's message, and a
    comparison that broke off says so plainly (its incident number kept, for support).
    """
    if name == "answer":
        if not isinstance(data.get("error"), dict):
            return data
        return {**data, "error": {"kind": data["error"].get("kind"), "message": no_price(data)}}
    if name == "error":
        return {
            **{k: v for k, v in data.items() if k in ("status", "incident")},
            "message": BROKEN_OFF,
        }
    return data


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _discount_off(rows: Iterable[Mapping[str, Any]]) -> tuple[str, bool]:
    """What the discount steps of a worksheet took off after caps, and whether a cap applied.

    Each discount step multiplies by the factor left once its groups are capped (0.80: 20% off);
    coverages can differ (a discount for some of them only), so the answer may be a range.
    """
    offs: set[Decimal] = set()
    capped = False
    for row in rows:
        if row.get("kind") != "discount" or not row.get("applied", True):
            continue
        if row.get("value") in (None, ""):
            continue
        offs.add(1 - Decimal(str(row["value"])))
        capped = capped or "capped at" in str(row.get("note") or "")
    offs.discard(Decimal(0))
    if not offs:
        return "", False
    low, high = min(offs), max(offs)
    text = _percent(low) if low == high else f"{_percent(low)} to {_percent(high)}"
    return text, capped


def _discounts(items: Iterable[Mapping[str, Any]], with_rates: bool = True) -> list[str]:
    """Each discount once (a manual applies it per coverage and unit), with its rate in percent.

    Without ``with_rates`` (a cap cut them) the labels alone: their rates would not add up to
    what was taken off.
    """
    seen: dict[str, None] = {}
    for item in items:
        label = str(item.get("label") or item.get("id") or "")
        rate = item.get("rate")
        if with_rates and rate not in (None, ""):
            label = f"{label} {_percent(Decimal(str(rate)))}"
        seen.setdefault(label)
    return list(seen)


def _explained(
    library: Library, stored: StoredComparison, answer: dict[str, Any]
) -> dict[str, Any]:
    """A stored quote with its worksheet, made again from its exact manual version when it was
    stored without one; a quote whose worksheet cannot be made again is shown without it."""
    lines = worksheet_if_any(library, stored.risk, answer)
    return answer if lines is None else {**answer, "quote": {**answer["quote"], "worksheet": lines}}


def results(stored: StoredComparison, library: Library) -> Results:
    """The results page's view of ``stored``: quotes cheapest first, declines, errors.

    Quotes are stored without worksheets; each is made again here from the quote's exact manual
    version in ``library`` (rating: call it off the event loop).
    """
    data = stored.to_dict()
    # The API's own price ranking, so the page and the API list quotes in one order.
    by_price = order("price")
    quotes = sorted(data["quotes"], key=lambda a: by_price(Standing.of(a)))
    cards = [card(_explained(library, stored, a)) for a in quotes]
    declines = [
        (a.get("carrier_name") or a["carrier"], list(a["decline"].get("reasons", [])))
        for a in data["declines"]
    ]
    errors = [(a.get("carrier_name") or a["carrier"], no_price(a)) for a in data["errors"]]
    return Results(
        ref=stored.ref,
        line=stored.line,
        state=stored.state,
        effective=stored.effective.isoformat(),
        cards=cards,
        declines=declines,
        errors=errors,
        groups=sorted({c.group for c in cards if c.group}),
        ratings=sorted({c.rating for c in cards if c.rating}, key=rating_rank),
        sources=fact_sources(stored.risk),
    )


# Where a fact came from, in words, by what the risk's ``sources`` says.
SOURCE_WORDS = {
    "looked up": "looked up for you (the shipped sample vehicle table, or the VIN)",
    "estimated": "estimated for you: change it in your answers if you know better",
}


# The facts rateshop finds for a shopper, in words, and how their values are written.
FACT_WORDS = {
    "symbol": "rating symbol",
    "make": "make",
    "protection_class": "fire protection class",
    "distance_to_coast_miles": "miles to the coast",
    "coverage_a": "cost to rebuild",
}
DOLLAR_FACTS = frozenset({"coverage_a"})


def fact_sources(risk: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Each fact of ``risk`` that was not asked: its name and value in words, and its source."""
    out = []
    for path, source in (risk.get("sources") or {}).items():
        node: Any = risk
        for part in re.findall(r"[^.\[\]]+", str(path)):
            node = node[int(part)] if part.isdigit() and isinstance(node, list) else node.get(part)
            if node is None:
                break
        if node is None:
            continue
        *where, name = str(path).split(".")
        unit = " ".join(
            re.sub(r"(\w+)s\[(\d+)\]", lambda m: f"{m[1]} {int(m[2]) + 1}", w) for w in where
        )
        what = " ".join(p for p in (unit, FACT_WORDS.get(name, name.replace("_", " "))) if p)
        value = f"${int(node):,}" if name in DOLLAR_FACTS else str(node)
        out.append((what, value, SOURCE_WORDS.get(source, source)))
    return out


def pick(cards: Sequence[Card], carriers: Sequence[str]) -> list[Card]:
    """The cards of ``carriers`` in the order asked (unknown ids left out)."""
    by_id = {c.carrier: c for c in cards}
    return [by_id[c] for c in dict.fromkeys(carriers) if c in by_id]


def to_csv(view: Results) -> str:
    """The comparison as CSV: one row per carrier (quotes cheapest first, then declines, errors)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "rank",
            "carrier",
            "rating",
            "group",
            "outcome",
            "total_for_term",
            "term_months",
            "monthly",
            "per_year",
            "manual_version",
            "coverage_as_asked",
            "reasons",
        ]
    )
    for rank, c in enumerate(view.cards, start=1):
        writer.writerow(
            [
                rank,
                c.name,
                c.rating,
                c.group,
                "quote",
                c.total,
                c.term_months,
                c.monthly,
                c.per_year,
                c.version,
                "yes" if c.like_for_like else "no",
                "; ".join(c.substitutions),
            ]
        )
    for name, reasons in view.declines:
        writer.writerow(["", name, "", "", "decline", "", "", "", "", "", "", "; ".join(reasons)])
    for name, message in view.errors:
        writer.writerow(["", name, "", "", "error", "", "", "", "", "", "", message])
    return out.getvalue()


def form_answers(risk: Mapping[str, Any]) -> dict[str, str]:
    """A stored risk as the quote form names its fields: ``drivers[0].incidents[1].date`` → text.

    The form keeps every answer as text (``true``/``false`` for yes and no), as the browser does.
    """
    out: dict[str, str] = {}

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(inner, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(inner, f"{name}[{i}]")
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif value is not None:
            out[name] = str(value)

    walk({k: v for k, v in risk.items() if k not in ("line", "state")}, "")
    return out
