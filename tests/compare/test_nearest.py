"""Like-for-like: options a carrier does not offer are quoted at the nearest it does, and say so."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from rateshop.compare.bundle import household
from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import RATING_ORDER, rating_rank
from rateshop.compare.nearest import Fitted, Keys, Substitution, fit, fit_many, nearest
from rateshop.compare.ranking import RANKINGS, present
from rateshop.compare.replay import check_replay, requote
from rateshop.compare.service import Comparison, compare
from rateshop.compare.tips import tips
from rateshop.errors import RiskError
from rateshop.rating.library import Library, load_plan
from rateshop.rating.quote import Quote
from rateshop.rating.single import rate
from samples import sample_library, sample_market

LIBRARY = sample_library()
MARKET = sample_market()
TX = dt.date(2026, 12, 1)
BELOW_TX = "below the legal minimum in TX (30/60/25); quoted at the minimum"


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return data


def auto_tx(**coverages: Any) -> dict[str, Any]:
    risk = example("auto")
    risk["coverages"].update(coverages)
    return risk


def spec(carrier: str, line: str, state: str, coverage: str | None, option: str) -> Any:
    manual = LIBRARY.select(carrier, line, state, TX).manual
    return manual.coverages[coverage].options[option] if coverage else manual.inputs[option]


@pytest.mark.parametrize(
    ("coverage", "option", "asked", "quoted"),
    [
        ("PD", "limit", 15, 25),  # below the lowest offered
        ("PD", "limit", 75, 100),  # halfway: a tie goes to the higher limit
        ("PD", "limit", 60, 50),
        ("BI", "limit", "15/30", "30/60"),
        ("BI", "limit", "25/50", "30/60"),
        ("BI", "limit", "300/600", "250/500"),
        ("PIP", "limit", 50000, 10000),
        ("COMP", "deductible", 750, 500),  # halfway: a tie goes to the lower deductible
        ("COLL", "deductible", 2000, 1000),
        ("PD", "limit", "lots", None),  # not an amount: nothing is nearest
        ("PD", "limit", True, None),
    ],
)
def test_nearest_offered_value_from_the_manuals_own_list(
    coverage: str, option: str, asked: Any, quoted: Any
) -> None:
    assert nearest(spec("harborview", "auto", "TX", coverage, option), asked) == quoted


def test_a_home_deductible_between_two_offered_goes_to_the_lower() -> None:
    assert nearest(spec("keystone-home", "home", "TX", None, "deductible"), 750) == 500
    assert nearest(spec("keystone-home", "home", "TX", None, "liability_limit"), 200000) == 300000


def test_fit_leaves_an_offered_risk_untouched_and_uncopied() -> None:
    risk = example("auto")
    fitted = fit(LIBRARY.select("pinnacle-direct", "auto", "TX", TX).manual, risk)
    assert fitted.risk is risk
    assert fitted.substitutions == ()


def test_every_carrier_quotes_the_nearest_limits_it_offers_and_says_so() -> None:
    asked = auto_tx(PD={"limit": 15}, PIP={"limit": 50000})
    result = compare(asked, manual_connectors(LIBRARY, "auto", "TX"), MARKET)
    assert result.errors == []  # before, every carrier answered "not offered"
    assert len(result.quotes) >= 3
    expected = (
        Substitution("coverages.PD.limit", 15, 25, BELOW_TX),
        Substitution("coverages.PIP.limit", 50000, 10000),
    )
    offered = auto_tx(PD={"limit": 25}, PIP={"limit": 10000})
    for answer in result.quotes:
        assert answer.quote is not None
        assert answer.substitutions == expected
        assert not answer.like_for_like
        # The price is the carrier's own price for the cover it offers, to the cent.
        strict = rate(LIBRARY.select(answer.carrier, "auto", "TX", TX), offered)
        assert isinstance(strict, Quote)
        assert answer.quote.to_dict() == strict.to_dict()
        data = answer.to_dict(worksheet=False)
        assert data["like_for_like"] is False
        assert data["substitutions"] == [
            {"field": "coverages.PD.limit", "asked": 15, "quoted": 25, "note": BELOW_TX},
            {"field": "coverages.PIP.limit", "asked": 50000, "quoted": 10000},
        ]


def test_a_coverage_the_carrier_does_not_write_is_left_out_and_recorded() -> None:
    risk = example("auto_ny")
    risk["coverages"]["MED"] = {"limit": 1000}  # no New York auto manual offers medical payments
    result = compare(risk, manual_connectors(LIBRARY, "auto", "NY"), MARKET)
    assert result.errors == []
    assert result.quotes
    for answer in result.quotes:
        assert Substitution("coverages.MED", {"limit": 1000}, None) in answer.substitutions
        assert answer.quote is not None
        assert "MED" not in {c.id for c in answer.quote.components}


def narrowed_market(tmp_path: Path) -> Library:
    """The shipped library with one carrier's Texas auto manual selling only a $1,000 collision deductible."""
    shutil.copytree(ROOT / "manuals" / "pinnacle-direct", tmp_path / "pinnacle-direct")
    path = tmp_path / "pinnacle-direct" / "auto-tx-2026-01-01" / "manual.yaml"
    text = path.read_text()
    old = (
        "COLL: {label: Collision, per: vehicles, options: {deductible: "
        "{values: [250, 500, 1000], default: 500}}}"
    )
    assert old in text
    path.write_text(
        text.replace(old, old.replace("[250, 500, 1000], default: 500", "[1000], default: 1000"))
    )
    library = Library()
    for plan in LIBRARY:
        if plan.manual.identity.key != "pinnacle-direct/auto/TX@2026-01-01":
            library.add(plan)
    library.add(load_plan(path.parent))
    return library


def test_like_for_like_ranking_puts_the_exact_cover_first(tmp_path: Path) -> None:
    library = narrowed_market(tmp_path)
    risk = example("auto")  # asks a $500 collision deductible
    result = compare(risk, manual_connectors(library, "auto", "TX"), MARKET)
    by_carrier = {a.carrier: a for a in result.quotes}
    narrowed = by_carrier["pinnacle-direct"]
    assert narrowed.substitutions == (Substitution("coverages.COLL.deductible", 500, 1000),)
    assert all(a.like_for_like for c, a in by_carrier.items() if c != "pinnacle-direct")

    like = result.like_for_like()
    assert like[-1].carrier == "pinnacle-direct"
    exact = [a.quote.yearly for a in like[:-1] if a.quote]
    assert exact == sorted(exact)
    assert sorted(result.quotes, key=lambda a: a.standing().yearly) == result.ranked("price")
    # Cheapest by price on thinner cover: the two rankings really differ.
    assert result.quotes[0].carrier == "pinnacle-direct"

    data = present(result.to_dict(worksheet=False), "like_for_like")
    assert [a["carrier"] for a in data["quotes"]] == [a.carrier for a in like]
    assert data["ranking"] == {
        "by": "like_for_like",
        "group": None,
        "min_rating": None,
        "like_for_like": len(like) - 1,
        "nearest_cover": 1,
    }


@pytest.mark.parametrize("by", RANKINGS)
def test_each_ranking_of_the_json_matches_the_comparison(by: Any) -> None:
    result = compare(example("home"), manual_connectors(LIBRARY, "home", "TX"), MARKET)
    data = present(result.to_dict(worksheet=False), by)
    assert [a["carrier"] for a in data["quotes"]] == [a.carrier for a in result.ranked(by)]


def test_rating_ranking_is_strongest_first_then_cheapest() -> None:
    result = compare(example("life"), manual_connectors(LIBRARY, "life", "TX"), MARKET)
    ranked = result.ranked("rating")
    ranks = [(rating_rank(a.rating), a.standing().yearly) for a in ranked]
    assert ranks == sorted(ranks)
    assert len({a.rating for a in ranked}) > 1


def test_filters_by_group_and_minimum_rating() -> None:
    result = compare(example("auto"), manual_connectors(LIBRARY, "auto", "TX"), MARKET)
    everyone = [a.carrier for a in (*result.quotes, *result.declines, *result.errors)]
    group = MARKET.carriers["pinnacle-direct"].group
    in_group = result.filtered(group=group.upper())
    assert isinstance(in_group, Comparison)
    kept = [a.carrier for a in (*in_group.quotes, *in_group.declines)]
    assert sorted(kept) == sorted(c for c in everyone if MARKET.carriers[c].group == group)
    assert len(kept) >= 2

    strong = result.filtered(min_rating="A")
    allowed = set(RATING_ORDER[: RATING_ORDER.index("A") + 1])
    kept = [a.carrier for a in (*strong.quotes, *strong.declines)]
    assert kept
    assert sorted(kept) == sorted(c for c in everyone if MARKET.carriers[c].rating in allowed)
    assert len(kept) < len(everyone)
    with pytest.raises(ValueError, match="not a rating"):
        result.filtered(min_rating="AAA")


def test_tips_for_a_carrier_quoted_on_nearest_cover() -> None:
    risk = auto_tx(PD={"limit": 15})
    conns = manual_connectors(LIBRARY, "auto", "TX")
    found = tips(compare(risk, conns, MARKET), risk, conns)
    assert found
    by_carrier = {c.carrier: c for c in conns}
    for tip in found:
        again = compare(tip.variant, [by_carrier[tip.carrier]], MARKET)
        assert again.quotes[0].quote is not None
        assert again.quotes[0].quote.per_year == tip.price_per_year


def test_a_replay_of_a_substituted_answer_is_the_same_and_a_tampered_one_is_not() -> None:
    risk = auto_tx(PD={"limit": 15})
    result = compare(risk, manual_connectors(LIBRARY, "auto", "TX"), MARKET)
    for answer in (*result.quotes, *result.declines):
        check = check_replay(LIBRARY, risk, answer.to_dict())
        assert check.same, check.to_dict()
        assert check.stored_total == check.replayed_total
    stored = result.quotes[0].to_dict()
    tampered = copy.deepcopy(stored)
    tampered["quote"]["total"] = str(Decimal(tampered["quote"]["total"]) + Decimal("0.01"))
    check = check_replay(LIBRARY, risk, tampered)
    assert not check.same
    assert check.differences == ["quote.total"]
    forgotten = copy.deepcopy(stored)
    forgotten["substitutions"] = []
    assert check_replay(LIBRARY, risk, forgotten).differences == ["substitutions"]
    gone = copy.deepcopy(stored)
    gone["quote"]["manual"]["content_hash"] = "0" * 64
    check = check_replay(LIBRARY, risk, gone)
    assert not check.same
    assert check.problem is not None
    assert "no longer in the library" in check.problem


def test_requote_fits_each_version_and_reports_the_substitutions() -> None:
    risk = auto_tx(PD={"limit": 15})
    risk["effective_date"] = "2026-03-01"
    old = LIBRARY.select("pinnacle-national", "auto", "TX", dt.date(2026, 3, 1))
    result = requote(LIBRARY, risk, old.manual.content_hash, dt.date(2026, 8, 1))
    assert result.version_changed
    assert result.premium_change is not None
    assert result.premium_change > 0
    data = result.to_dict()
    assert (
        data["substitutions_before"]
        == data["substitutions_after"]
        == [{"field": "coverages.PD.limit", "asked": 15, "quoted": 25, "note": BELOW_TX}]
    )


def test_household_picks_record_the_nearest_cover() -> None:
    auto = auto_tx(PD={"limit": 15})
    home = example("home")
    result = household(
        [auto, home], lambda line, state: manual_connectors(LIBRARY, line, state), MARKET
    )
    assert result.unplaced == []  # the auto risk is placed although no carrier sells PD 15
    auto_pick = next(p for p in result.best if p.line == "auto")
    assert auto_pick.to_dict()["substitutions"] == [
        {"field": "coverages.PD.limit", "asked": 15, "quoted": 25, "note": BELOW_TX}
    ]
    assert next(p for p in result.best if p.line == "home").to_dict()["like_for_like"] is True


def test_a_strict_quote_still_refuses_an_option_not_offered() -> None:
    plan = LIBRARY.select("harborview", "auto", "TX", TX)
    with pytest.raises(RiskError, match="not offered"):
        rate(plan, auto_tx(PD={"limit": 15}))


def _fit_many_cases() -> list[dict[str, Any]]:
    """Risks whose cover the manuals offer, or not, in every form ``fit`` tells apart."""
    base = example("auto")
    covers: list[Any] = [
        None,
        {},
        {"BI": {"limit": "40/80"}, "PD": {"limit": 30}},
        {"BI": {"limit": "50/100"}, "PD": {"limit": 1}},
        {"BI": {"limit": "50/100"}, "PD": {"limit": "1"}},
        {"BI": {"limit": "50/100"}, "PD": {"limit": True}},
        {"BI": True, "PD": {"limit": 50}, "COLL": False, "COMP": None},
        {"BI": {"limit": "50/100"}, "PD": {"limit": 50}, "GAP": {"limit": 1}},
        {"BI": {"limit": "50/100"}, "PD": {"limit": 50}, "MED": {"limit": 1.5}},
        {"BI": {"limit": "20/40"}, "PD": {"limit": 10}, "PIP": {"limit": 2500}},
        {"PD": {"limit": 50}, "BI": {"limit": "50/100"}},
    ]
    out: list[dict[str, Any]] = []
    for cover in covers:
        for plan in ("installments", "paid_in_full", "weekly", 1):
            risk = copy.deepcopy(base)
            risk["payment_plan"] = plan
            if cover is None:
                risk.pop("coverages", None)
            else:
                risk["coverages"] = copy.deepcopy(cover)
            out.append(risk)
    own = copy.deepcopy(base)
    own["vehicles"][0]["coverages"] = {"COLL": {"deductible": 750}, "BI": {"limit": "50/100"}}
    out.append(own)
    return out


def test_fit_many_is_fit_of_each_risk() -> None:
    """Fitting once per distinct choice of cover gives each risk exactly its own fit."""
    cases = _fit_many_cases() * 2  # each choice again: the second fitted from the first's work
    for state in ("TX", "CA", "NY"):
        keys: Keys = {}  # shared by the state's manuals, as a market analysis shares them
        for plan in LIBRARY.in_force("auto", state, TX):
            done: dict[Any, Fitted] = {}  # kept from one call to the next, as chunks keep it
            fit_many(plan.manual, cases[::-1], None, done)
            many = fit_many(plan.manual, cases, keys, done)
            for risk, got in zip(cases, many, strict=True):
                want = fit(plan.manual, risk)
                assert got.risk == want.risk
                assert got.substitutions == want.substitutions
                if not want.substitutions:
                    assert got.risk is risk
