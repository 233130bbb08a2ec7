"""Replay, re-quote, savings tips and the household optimiser, on the shipped market."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from typing import Any

import pytest

from paths import ROOT
from rateshop.compare.bundle import household
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.replay import replay, requote
from rateshop.compare.service import compare
from rateshop.compare.tips import ideas, other_policy, tips, would_quote
from rateshop.errors import ManualNotFound
from rateshop.rating.quote import Quote
from samples import sample_library, sample_market

LIBRARY = sample_library()
MARKET = sample_market()


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return data


def connectors(line: str, state: str) -> list[Any]:
    return list(manual_connectors(LIBRARY, line, state))


def test_replay_gives_the_stored_answer_to_the_cent() -> None:
    risk = example("auto")
    result = compare(risk, connectors("auto", "TX"), MARKET)
    for answer in result.quotes:
        assert answer.quote is not None
        again = replay(LIBRARY, risk, answer.quote.manual.content_hash)
        assert isinstance(again.answer, Quote)
        assert again.answer.to_dict() == answer.quote.to_dict()
        assert again.substitutions == answer.substitutions == ()


def test_replay_of_a_version_that_is_gone_is_a_clear_error() -> None:
    with pytest.raises(ManualNotFound, match="no longer in the library"):
        replay(LIBRARY, example("auto"), "0" * 64)


def test_requote_with_the_new_version_says_what_changed() -> None:
    risk = example("auto")
    risk["effective_date"] = "2026-03-01"  # the January version of pinnacle-national is in force
    old = LIBRARY.select("pinnacle-national", "auto", "TX", dt.date(2026, 3, 1))
    result = requote(LIBRARY, risk, old.manual.content_hash, dt.date(2026, 8, 1))
    assert result.version_changed
    assert result.premium_change is not None
    assert result.premium_change > 0  # base rates went up 6% on 2026-07-01
    assert any(c.address.endswith(".base") for c in result.changes)


def test_every_tip_is_a_real_cheaper_rerating() -> None:
    for name in ("auto", "home", "life_older", "health"):
        risk = example(name)
        conns = connectors(risk["line"], risk["state"])
        result = compare(risk, conns, MARKET)
        found = tips(result, risk, conns)
        assert found, name
        by_carrier = {c.carrier: c for c in conns}
        for tip in found:
            again = compare(tip.variant, [by_carrier[tip.carrier]], MARKET)
            assert again.quotes[0].quote is not None
            assert again.quotes[0].quote.per_year == tip.price_per_year
            assert tip.saving_per_year >= 1


def test_no_tip_when_nothing_can_change() -> None:
    risk = example("life")  # annual payment already, no other lever
    conns = connectors("life", "TX")
    assert tips(compare(risk, conns, MARKET), risk, conns) == []


def test_household_bundle_is_never_dearer_than_single_picks() -> None:
    auto, home = example("auto_ny"), example("home_ny")
    home["multi_policy"] = False
    result = household([auto, home], connectors, MARKET)
    assert result.best_total <= result.singles_total
    carriers = [p.carrier for p in result.best]
    for pick in result.best:
        assert pick.bundled == (carriers.count(pick.carrier) > 1)


def test_household_finds_a_bundle_that_beats_two_cheapest_carriers() -> None:
    auto, home = example("auto_ny"), example("home_ny")
    home["multi_policy"] = False
    result = household([auto, home], connectors, MARKET)
    # compute the best mix by brute force independently
    prices: dict[tuple[str, str, bool], Any] = {}
    for risk in (auto, home):
        for conn in connectors(risk["line"], "NY"):
            for bundled in (False, True):
                variant = copy.deepcopy(risk)
                variant["multi_policy"] = bundled
                got = compare(variant, [conn], MARKET).quotes
                if got:
                    assert got[0].quote is not None
                    prices[(risk["line"], conn.carrier, bundled)] = got[0].quote.per_year
    best = min(
        (prices[("auto", a, a == h)] + prices[("home", h, a == h)], a, h)
        for (line_a, a, ba) in prices
        for (line_h, h, bh) in prices
        if line_a == "auto" and line_h == "home" and not ba and not bh
    )
    assert result.best_total == best[0]


def test_tips_are_ideas_with_their_range_across_carriers() -> None:
    risk = example("auto")
    conns = connectors("auto", "TX")
    found = tips(compare(risk, conns, MARKET), risk, conns, top=5)
    grouped = ideas(found)
    texts = [i.text for i in grouped]
    assert len(texts) == len(set(texts)) < len(found)  # one idea, several carriers
    for idea in grouped:
        assert {t.text for t in idea.tips} == {idea.text}
        assert idea.low <= idea.high
    deductible = next(i for i in grouped if "collision deductible" in i.text)
    assert "you pay up to $500 more of each collision claim yourself" in deductible.text
    # The speeding ticket ageing off is information after every idea the shopper can act on.
    ageing = [i for i in grouped if "stops counting" in i.text]
    assert ageing
    assert all(not i.actionable for i in ageing)
    assert grouped[-1].text == ageing[-1].text
    assert all(i.actionable for i in grouped[: -len(ageing)])


def test_a_decline_a_larger_face_amount_turns_into_a_quote_says_so() -> None:
    risk = example("life")
    conns = connectors("life", "TX")
    result = compare(risk, conns, MARKET)
    declined = [(a.carrier, a.carrier_name) for a in result.declines]
    assert "lakeshore-life" in dict(declined)
    turned = asyncio.run(would_quote("life", "TX", declined, risk, conns))
    lakeshore = next(w for w in turned if w.carrier == "lakeshore-life")
    assert lakeshore.text == "a face amount of $1,000,000"
    own = [c for c in conns if c.carrier == "lakeshore-life"]
    again = compare({**risk, "face_amount": 1_000_000}, own, MARKET)
    assert again.quotes[0].quote is not None
    assert again.quotes[0].quote.per_year == lakeshore.price_per_year


def test_a_bundles_other_policy_is_priced_as_a_stated_example() -> None:
    risk = example("auto")
    home = connectors("home", "TX")
    got = asyncio.run(other_policy("TX", risk, [c.carrier for c in home], home))
    assert got is not None
    assert got.text == "a renters policy for $30,000 of belongings at ZIP code 78745"
    assert got.per_year
    assert all(price > 0 for price in got.per_year.values())
    assert asyncio.run(other_policy("TX", example("home"), ["lone-star"], home)) is None
