"""The household optimiser: the cheapest mix of carriers across lines, bundle discounts included.

Each line's risk is rated by every carrier twice — alone, and as part of a multi-policy bundle
(``multi_policy: true``, which the carrier's manual prices). A mix picks one carrier per line; a
carrier picked for two or more lines is priced at its bundled rate for each. Every mix is tried
(a household has at most four lines and a handful of carriers each), so the answer is exact.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.compare.connectors import Connector
from rateshop.compare.market import Market
from rateshop.compare.nearest import Substitution
from rateshop.compare.outcomes import LiveQuote
from rateshop.compare.service import DEFAULT_DEADLINE, request_facts
from rateshop.errors import FieldProblem, RateshopError, RiskError
from rateshop.rating.quote import Quote


@dataclass(frozen=True)
class Pick:
    """One line placed with one carrier, at its yearly price."""

    line: str
    carrier: str
    carrier_name: str
    price_per_year: Decimal
    bundled: bool
    substitutions: tuple[Substitution, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "carrier": self.carrier,
            "carrier_name": self.carrier_name,
            "price_per_year": str(self.price_per_year),
            "bundled": self.bundled,
            "like_for_like": not self.substitutions,
            "substitutions": [s.to_dict() for s in self.substitutions],
        }


@dataclass
class Household:
    """The cheapest mix beside the cheapest single-line picks."""

    best: list[Pick]
    singles: list[Pick]
    unplaced: list[str] = field(default_factory=list)

    @property
    def best_total(self) -> Decimal:
        return sum((p.price_per_year for p in self.best), Decimal(0))

    @property
    def singles_total(self) -> Decimal:
        return sum((p.price_per_year for p in self.singles), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "best": [p.to_dict() for p in self.best],
            "best_total_per_year": str(self.best_total),
            "singles": [p.to_dict() for p in self.singles],
            "singles_total_per_year": str(self.singles_total),
            "saving_per_year": str(self.singles_total - self.best_total),
            "unplaced": self.unplaced,
        }


Priced = tuple[Decimal, tuple[Substitution, ...]]


async def _price(
    conn: Connector, risk: Mapping[str, Any], bundled: bool, deadline: float
) -> Priced | None:
    # The nearest cover the carrier offers, as in a comparison; None when it does not quote.
    line, state, on = request_facts(risk)
    variant = dict(risk)
    variant["multi_policy"] = bundled or bool(risk.get("multi_policy"))
    try:
        offer = await asyncio.wait_for(conn.quote_nearest(variant, line, state, on), deadline)
    except (RateshopError, TimeoutError):
        return None
    if not isinstance(offer.answer, Quote | LiveQuote):
        return None
    return offer.answer.per_year, offer.substitutions


async def household_async(
    risks: Sequence[Mapping[str, Any]],
    connectors_for: Callable[[str, str], Sequence[Connector]],
    market: Market,
    deadline: float = DEFAULT_DEADLINE,
) -> Household:
    """Find the cheapest carrier for each line of a household, bundles considered.

    A carrier that does not answer within ``deadline`` seconds is left out of the mix.
    Raises :class:`~rateshop.errors.RiskError` when two risks are of the same line.
    """
    lines: list[str] = []
    offers: dict[str, dict[str, tuple[Priced | None, Priced | None]]] = {}
    for i, risk in enumerate(risks):
        line, state, _ = request_facts(risk)
        if line in offers:
            problem = f"a second {line} risk; a household has one risk per line"
            raise RiskError([FieldProblem(f"risks[{i}].line", problem, "one of each line")])
        lines.append(line)
        conns = list(connectors_for(line, state))
        prices = await asyncio.gather(
            *(_price(c, risk, b, deadline) for c in conns for b in (False, True))
        )
        offers[line] = {c.carrier: (prices[2 * j], prices[2 * j + 1]) for j, c in enumerate(conns)}

    def name(carrier: str) -> str:
        info = market.get(carrier)
        return info.name if info else carrier

    placed = [ln for ln in lines if any(alone is not None for alone, _ in offers[ln].values())]
    unplaced = [ln for ln in lines if ln not in placed]
    singles = []
    for ln in placed:
        carrier, cheapest = min(
            ((c, a) for c, (a, _) in offers[ln].items() if a is not None),
            key=lambda cp: (cp[1][0], cp[0]),
        )
        singles.append(Pick(ln, carrier, name(carrier), cheapest[0], False, cheapest[1]))
    best: list[Pick] = singles
    best_total = sum((p.price_per_year for p in singles), Decimal(0))
    choices = [[c for c, (alone, _) in offers[ln].items() if alone is not None] for ln in placed]
    for mix in itertools.product(*choices):
        counts = Counter(mix)
        picks = []
        for ln, carrier in zip(placed, mix, strict=True):
            alone, together = offers[ln][carrier]
            bundled = counts[carrier] > 1 and together is not None
            priced = together if bundled else alone
            assert priced is not None
            picks.append(Pick(ln, carrier, name(carrier), priced[0], bundled, priced[1]))
        total = sum((p.price_per_year for p in picks), Decimal(0))
        if total < best_total:
            best, best_total = picks, total
    return Household(best, singles, unplaced)


def household(
    risks: Sequence[Mapping[str, Any]],
    connectors_for: Callable[[str, str], Sequence[Connector]],
    market: Market,
) -> Household:
    """Blocking form of :func:`household_async`."""
    return asyncio.run(household_async(risks, connectors_for, market))


__all__ = ["Household", "Pick", "household", "household_async"]
