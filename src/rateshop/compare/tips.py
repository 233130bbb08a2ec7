"""Savings tips: for the cheapest quotes, re-rate priced variants of the risk.

Every tip is a real re-rating with the same carrier's connector, never an estimate: "save $X a
year by raising your collision deductible to $1,000". A variant that the carrier declines, or
that saves less than a dollar, is not offered.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from rateshop.compare.connectors import Connector
from rateshop.compare.outcomes import LiveQuote
from rateshop.compare.service import DEFAULT_DEADLINE, Comparison, annual
from rateshop.errors import RateshopError, RiskError
from rateshop.rating.quote import Quote, cents
from rateshop.risk.problems import read_risk

Risk = dict[str, Any]
# A variant: from the risk, a description and the changed risk, or None when it does not apply.
Variant = Callable[[Risk], tuple[str, Risk] | None]
LOOKBACK_MONTHS = 36
COUNTED = {
    "minor_speeding",
    "major_speeding",
    "other_minor",
    "major_violation",
    "at_fault_accident",
    "dwi",
}


def day_words(day: dt.date) -> str:
    """A date as shoppers read it everywhere rateshop writes one: ``September 14, 2028``."""
    return f"{day:%B} {day.day}, {day.year}"


def _changed(risk: Risk, **fields: Any) -> Risk:
    out = copy.deepcopy(risk)
    out.update(fields)
    return out


def pay_in_full(risk: Risk) -> tuple[str, Risk] | None:
    if risk.get("payment_plan", "installments") == "paid_in_full":
        return None
    return "paying the whole term up front", _changed(risk, payment_plan="paid_in_full")


def bundle(risk: Risk) -> tuple[str, Risk] | None:
    if risk.get("multi_policy"):
        return None
    other = "a home or renters" if risk.get("line") == "auto" else "an auto"
    return (
        f"bundling with {other} policy from the same carrier"
        " (that policy's own price comes on top of this one)",
        _changed(risk, multi_policy=True),
    )


def _higher_deductible(coverage: str, ladder: Sequence[int], label: str) -> Variant:
    def variant(risk: Risk) -> tuple[str, Risk] | None:
        chosen = (risk.get("coverages") or {}).get(coverage)
        if not isinstance(chosen, dict) or chosen.get("deductible") not in ladder:
            return None
        i = list(ladder).index(chosen["deductible"])
        if i + 1 >= len(ladder):
            return None
        out = copy.deepcopy(risk)
        out["coverages"][coverage]["deductible"] = ladder[i + 1]
        now, higher = chosen["deductible"], ladder[i + 1]
        return (
            f"raising your {label} deductible from ${now:,} to ${higher:,}"
            f" (you pay up to ${higher - now:,} more of each {label} claim yourself)",
            out,
        )

    return variant


def home_deductible(risk: Risk) -> tuple[str, Risk] | None:
    ladder = [500, 1000, 2500, 5000]
    current = risk.get("deductible", 1000)
    if current not in ladder or current == ladder[-1]:
        return None
    higher = ladder[ladder.index(current) + 1]
    return (
        f"raising your deductible from ${current:,} to ${higher:,}"
        f" (you pay up to ${higher - current:,} more of each claim yourself)",
        _changed(risk, deductible=higher),
    )


def drop_physical_damage_on_old_cars(risk: Risk) -> tuple[str, Risk] | None:
    covs = risk.get("coverages") or {}
    if "COLL" not in covs and "COMP" not in covs:
        return None
    year = int(str(risk.get("effective_date", "2000"))[:4])
    vehicles = risk.get("vehicles") or []
    if not vehicles or any(
        year - int(Decimal(str(v.get("model_year", year)))) < 12 for v in vehicles
    ):
        return None
    out = copy.deepcopy(risk)
    out["coverages"] = {k: v for k, v in covs.items() if k not in ("COLL", "COMP")}
    return "dropping collision and comprehensive (every vehicle is 12 or more years old)", out


def drop_med_with_pip(risk: Risk) -> tuple[str, Risk] | None:
    covs = risk.get("coverages") or {}
    if "MED" not in covs or "PIP" not in covs:
        return None
    out = copy.deepcopy(risk)
    del out["coverages"]["MED"]
    return "dropping medical payments (personal injury protection already pays medical bills)", out


def record_ages_off(risk: Risk) -> tuple[str, Risk] | None:
    """Re-quote on the day the most recent counted incident leaves the 36-month look-back."""
    try:
        effective = dt.date.fromisoformat(str(risk["effective_date"]))
    except (KeyError, ValueError):
        return None
    latest: dt.date | None = None
    what = ""
    for driver in risk.get("drivers") or []:
        for incident in driver.get("incidents") or []:
            try:
                when = dt.date.fromisoformat(str(incident["date"]))
            except (KeyError, ValueError):
                continue
            ages_off = _add_months(when, LOOKBACK_MONTHS)
            if (
                incident.get("kind") in COUNTED
                and ages_off > effective
                and (latest is None or ages_off > latest)
            ):
                latest = ages_off
                what = f"your {str(incident['kind']).replace('_', ' ')} of {day_words(when)}"
    if latest is None:
        return None
    return (
        f"{what} stops counting on {day_words(latest)}: the price should drop then",
        _changed(risk, effective_date=latest.isoformat()),
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def pay_annually(risk: Risk) -> tuple[str, Risk] | None:
    if risk.get("payment_mode", "annual") != "monthly":
        return None
    return "paying once a year instead of monthly", _changed(risk, payment_mode="annual")


def lower_metal_tier(risk: Risk) -> tuple[str, Risk] | None:
    tiers = ["bronze", "silver", "gold", "platinum"]
    tier = risk.get("metal_tier")
    if tier not in tiers or tier == "bronze":
        return None
    lower = tiers[tiers.index(tier) - 1]
    return (
        f"choosing a {lower} plan instead of {tier} (higher deductible and out-of-pocket costs)",
        _changed(risk, metal_tier=lower),
    )


FACE_AMOUNTS = (250_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000, 5_000_000)
TERMS = (10, 15, 20, 30)


def _other_face_amounts(risk: Risk) -> list[tuple[str, Risk]]:
    face = risk.get("face_amount")
    return [
        (f"a face amount of ${amount:,}", _changed(risk, face_amount=amount))
        for amount in FACE_AMOUNTS
        if isinstance(face, int) and amount > face
    ]


def _other_terms(risk: Risk) -> list[tuple[str, Risk]]:
    term = risk.get("term_years")
    return [
        (f"a {years}-year term", _changed(risk, term_years=years))
        for years in sorted(TERMS, key=lambda y: abs(y - int(term or 0)))
        if years != term
    ]


def _record_ages_off(risk: Risk) -> list[tuple[str, Risk]]:
    made = record_ages_off(risk)
    if made is None:
        return []
    on = dt.date.fromisoformat(str(made[1]["effective_date"]))
    return [(f"a policy starting on {day_words(on)}, when your record has aged off", made[1])]


# Changed answers that can turn a decline into a quote, nearest first, per line: what the
# shopper could choose (a face amount, a term), or a date their record ages off.
OTHER_ANSWERS: dict[str, list[Callable[[Risk], list[tuple[str, Risk]]]]] = {
    "auto": [_record_ages_off],
    "life": [_other_face_amounts, _other_terms],
}


@dataclass
class WouldQuote:
    """A carrier that declined, and the changed answer it would quote instead, at its price."""

    carrier: str
    carrier_name: str
    text: str
    price_per_year: Decimal


async def would_quote(
    line: str,
    state: str,
    declined: Sequence[tuple[str, str]],
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    deadline: float = DEFAULT_DEADLINE,
) -> list[WouldQuote]:
    """For each declined ``(carrier, name)``, the first changed answer it quotes, re-rated.

    Each candidate answer is a real re-rating with the carrier's own connector (only those that
    ``may_requote``), as a tip is; a carrier none of them turns round is left out.
    """
    by_carrier = {c.carrier: c for c in connectors if c.may_requote}
    candidates = [c for make in OTHER_ANSWERS.get(line, []) for c in make(dict(risk))]

    async def first(carrier: str, name: str) -> WouldQuote | None:
        conn = by_carrier[carrier]
        for text, changed in candidates:
            on = dt.date.fromisoformat(str(changed["effective_date"]))
            try:
                got = await asyncio.wait_for(conn.quote_nearest(changed, line, state, on), deadline)
            except (RateshopError, TimeoutError):
                continue
            if isinstance(got.answer, Quote | LiveQuote) and not got.substitutions:
                return WouldQuote(carrier, name, text, got.answer.per_year)
        return None

    found = await asyncio.gather(*(first(c, n) for c, n in declined if c in by_carrier))
    return [w for w in found if w is not None]


# What the other policy of a bundle costs, for an auto shopper whose home facts are not asked: a
# renters policy for this many dollars of belongings, kept at the first vehicle's ZIP code.
RENTERS_BELONGINGS = 30_000


@dataclass(frozen=True)
class OtherPolicy:
    """What a bundle's other policy costs at each carrier, for the example it describes."""

    text: str
    per_year: dict[str, Decimal]


async def other_policy(
    state: str,
    risk: Mapping[str, Any],
    carriers: Sequence[str],
    home_connectors: Sequence[Connector],
    deadline: float = DEFAULT_DEADLINE,
) -> OtherPolicy | None:
    """The price a year, bundled, of a renters policy at each of ``carriers`` for an auto risk.

    A real rating of an example policy (its belongings and ZIP code said with it), so a bundle
    tip shows what the second policy costs beside what the bundle saves; None for other lines.
    """
    vehicles = risk.get("vehicles") or []
    if risk.get("line") != "auto" or not vehicles or not vehicles[0].get("garaging_zip"):
        return None
    zip_code = str(vehicles[0]["garaging_zip"])
    example = {
        "line": "home",
        "state": state,
        "effective_date": str(risk["effective_date"]),
        "form": "HO4",
        "zip": zip_code,
        "year_built": 2000,
        "coverage_c": RENTERS_BELONGINGS,
        "multi_policy": True,
    }
    try:
        renters = read_risk(example)
    except RiskError:
        return None
    on = dt.date.fromisoformat(str(risk["effective_date"]))
    by_carrier = {c.carrier: c for c in home_connectors if c.may_requote}

    async def price(carrier: str) -> tuple[str, Decimal] | None:
        try:
            got = await asyncio.wait_for(
                by_carrier[carrier].quote_nearest(renters, "home", state, on), deadline
            )
        except (RateshopError, TimeoutError):
            return None
        if isinstance(got.answer, Quote | LiveQuote):
            return carrier, got.answer.per_year
        return None

    found = await asyncio.gather(*(price(c) for c in carriers if c in by_carrier))
    text = f"a renters policy for ${RENTERS_BELONGINGS:,} of belongings at ZIP code {zip_code}"
    return OtherPolicy(text, dict(p for p in found if p is not None))


VARIANTS: dict[str, list[Variant]] = {
    "auto": [
        pay_in_full,
        bundle,
        _higher_deductible("COLL", [250, 500, 1000], "collision"),
        _higher_deductible("COMP", [100, 250, 500, 1000], "comprehensive"),
        drop_physical_damage_on_old_cars,
        drop_med_with_pip,
        record_ages_off,
    ],
    "home": [pay_in_full, bundle, home_deductible],
    "life": [pay_annually],
    "health": [lower_metal_tier],
}


# Variants that are no choice of the shopper's: what will happen anyway, told as information.
INFORMATION: frozenset[Variant] = frozenset({record_ages_off})


@dataclass
class Tip:
    """A priced way to pay less with one carrier (or, as information, a drop to come)."""

    carrier: str
    carrier_name: str
    text: str
    saving_per_year: Decimal
    price_per_year: Decimal
    variant: Risk
    # False: nothing the shopper can do today (a ticket ageing off), said as information.
    actionable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "carrier_name": self.carrier_name,
            "text": self.text,
            "saving_per_year": str(self.saving_per_year),
            "price_per_year": str(self.price_per_year),
        }


@dataclass(frozen=True)
class Base:
    """A quote tips start from: the carrier and its exact yearly price."""

    carrier: str
    carrier_name: str
    yearly: Fraction


async def tips_from(
    line: str,
    state: str,
    bases: Sequence[Base],
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    deadline: float = DEFAULT_DEADLINE,
) -> list[Tip]:
    """Re-rate each variant of ``risk`` that applies with the carrier of each of ``bases``.

    A carrier that does not offer an option of a variant quotes the nearest it does, as in the
    comparison, so a variant it cannot sell saves nothing and is not offered. Only carriers whose
    connector ``may_requote`` are asked (a live carrier's tip is a real answer of the carrier, never
    a guess), and every answer must come within ``deadline`` seconds: a late one is no tip.
    """
    by_carrier = {c.carrier: c for c in connectors if c.may_requote}
    base = dict(risk)
    jobs: list[tuple[Base, str, Any, Risk, bool]] = []
    for start in bases:
        conn = by_carrier.get(start.carrier)
        if conn is None:
            continue
        for variant in VARIANTS.get(line, []):
            try:
                made = variant(base)
            except (ValueError, TypeError, KeyError, ArithmeticError):
                continue  # a risk value the variant cannot read: no tip rather than a crash
            if made is None:
                continue
            text, changed = made
            on = dt.date.fromisoformat(str(changed["effective_date"]))
            asked = asyncio.wait_for(conn.quote_nearest(changed, line, state, on), deadline)
            jobs.append((start, text, asked, changed, variant not in INFORMATION))
    results = await asyncio.gather(*(job[2] for job in jobs), return_exceptions=True)
    out: list[Tip] = []
    for (start, text, _, changed, actionable), got in zip(jobs, results, strict=True):
        if isinstance(got, BaseException):
            if not isinstance(got, RateshopError | TimeoutError):
                raise got
            continue
        if not isinstance(got.answer, Quote | LiveQuote):
            continue
        before, after = start.yearly, got.answer.yearly
        if before - after >= 1:
            out.append(
                Tip(
                    start.carrier,
                    start.carrier_name,
                    text,
                    cents(before - after),
                    got.answer.per_year,
                    changed,
                    actionable,
                )
            )
    out.sort(key=lambda t: -t.saving_per_year)
    return out


@dataclass
class Idea:
    """One way to pay less, with what it saves at each carrier that prices it."""

    text: str
    actionable: bool
    tips: list[Tip]

    @property
    def low(self) -> Decimal:
        """The smallest saving a year among the carriers."""
        return min(t.saving_per_year for t in self.tips)

    @property
    def high(self) -> Decimal:
        """The largest saving a year among the carriers."""
        return max(t.saving_per_year for t in self.tips)


def ideas(found: Sequence[Tip]) -> list[Idea]:
    """Tips as ideas: one per change, with its range across carriers, largest saving first.

    The ideas a shopper can act on today come first; what happens anyway (a ticket ageing off)
    comes after them, as information.
    """
    grouped: dict[str, Idea] = {}
    for tip in found:
        idea = grouped.setdefault(tip.text, Idea(tip.text, tip.actionable, []))
        idea.tips.append(tip)
    for idea in grouped.values():
        idea.tips.sort(key=lambda t: (-t.saving_per_year, t.carrier_name))
    return sorted(grouped.values(), key=lambda i: (not i.actionable, -i.high, i.text))


async def tips_async(
    comparison: Comparison,
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    top: int = 3,
    deadline: float = DEFAULT_DEADLINE,
) -> list[Tip]:
    """Re-rate each applicable variant with each of the ``top`` cheapest carriers."""
    ranked = sorted(comparison.quotes, key=lambda a: (annual(a), a.carrier))
    bases = [Base(a.carrier, a.carrier_name, annual(a)) for a in ranked[:top]]
    return await tips_from(comparison.line, comparison.state, bases, risk, connectors, deadline)


def tips(
    comparison: Comparison, risk: Mapping[str, Any], connectors: Sequence[Connector], top: int = 3
) -> list[Tip]:
    """Blocking form of :func:`tips_async`."""
    return asyncio.run(tips_async(comparison, risk, connectors, top))
