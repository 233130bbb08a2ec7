"""What moved a price most, in dollars a year, read off its worksheet.

A worksheet runs each coverage of each unit from a starting rate through the manual's steps, with
the running total after every step. The summary replays that arithmetic exactly: every step, its
rounding and the minimum premiums as the manual has them, with some steps taken as neutral (a
factor of 1, an amount of 0) on every coverage and unit. The replay is checked first: with
nothing left out it must give back every running total of the worksheet to the last digit, or
there is no summary.

Facts a shopper can recognise are the steps that looked something up about the risk (a table's
row, a discount); the plan's constants (twelve months, the face amount in thousands) are not.
The price with every fact left out is where this carrier starts for this cover; the facts are
then put back one at a time in the manual's order, and each one's effect is what the price rose
or fell when it came back. Those effects are exact and add up, with the starting price and the
fees, to the price to the cent. (Factors multiply, so a step's effect depends on what came before
it: a discount after a surcharge takes off part of the surcharge too. The manual's order is the
order the carrier filed and a reader of the worksheet follows.)

It works on the worksheet as stored and served (:meth:`Quote.to_dict`), so a saved comparison
explains itself with the data it was priced with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

from rateshop.manual.limits import MAX_RUNNING_DECIMALS
from rateshop.manual.model import StepKind
from rateshop.rating.quote import cents
from rateshop.rating.steps import SPECS

# Digits a replayed running total may need: a manual's most decimals, and room for the whole part.
EXACT_DIGITS = MAX_RUNNING_DECIMALS + 40

# How many steps a summary names; the rest are added up in one line.
TOP = 3
POLICY = "policy"
# Steps whose factor or amount a shopper's answers chose, when they looked something up.
_FACT_KINDS = frozenset(kind.value for kind, spec in SPECS.items() if spec.fact)
# "age=41 [40-49]": a key, its value and the band it fell in, as the engine writes them.
_KEY = re.compile(r"(?P<key>[A-Za-z_][\w.]*)=(?P<value>[^\[]*?)(?: \[(?P<band>[^\]]*)\])?")

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Effect:
    """What one step of the manual did to the price, summed over coverages and units."""

    step: str
    label: str
    facts: tuple[str, ...]
    per_year: Decimal

    @property
    def words(self) -> str:
        """The step and what it looked up, in the manual's words (``Driving record: points 1``)."""
        return f"{self.label}: {'; '.join(self.facts)}" if self.facts else self.label


@dataclass(frozen=True)
class PriceSummary:
    """A price taken apart: where it starts, the facts that moved it most, the others, the fees.

    ``starting + sum(e.per_year for e in top) + others + fees == per_year`` exactly, to the cent.
    ``starts_from`` says what the starting rates were looked up by (an age, a plan).
    """

    per_year: Decimal
    starting: Decimal
    top: tuple[Effect, ...]
    others: Decimal
    fees: Decimal
    starts_from: tuple[str, ...]
    effects: tuple[Effect, ...]

    @property
    def parts(self) -> list[tuple[str, Decimal]]:
        """Every line of the summary in order, adding up to :attr:`per_year`."""
        return [
            ("Starting price for this cover", self.starting),
            *((e.words, e.per_year) for e in self.top),
            ("Your other answers", self.others),
            ("Fees", self.fees),
        ]


# How the engine marks a lookup that took its table's default, and how people are told it.
DEFAULTED = " (default)"
DEFAULT_WORDS = " (not listed: the table's default for the rest of the state)"


def key_text(key: str) -> str:
    """A worksheet key as a reader is shown it: a default said in words, never ``[?]``."""
    if key.endswith(DEFAULTED):
        return key.removesuffix(DEFAULTED).replace(" [?]", "") + DEFAULT_WORDS
    return key


def plain_key(text: str) -> str:
    """A worksheet key in words: ``age=41 [40-49], marital_status=married`` → ``age 41, marital status married``.

    The ``coverage`` key is left out (the step's coverage is not a fact about the shopper), and
    text that is not in the engine's ``key=value`` form (a manual's own labels) is kept.
    """
    words = []
    for part in key_text(text).split(", "):
        match = _KEY.fullmatch(part)
        if match is None:
            words.append(part)  # the manual's own words
            continue
        key = match["key"].rsplit(".", 1)[-1]
        if key != "coverage":
            words.append(f"{key} {match['value'].strip()}".replace("_", " "))
    return ", ".join(words)


def _facts(rows: Sequence[Row], discounts: Iterable[str]) -> tuple[str, ...]:
    """What a step looked up, each once; said per unit when the units' facts differ."""
    if any(row.get("kind") == "discount" for row in rows):
        return tuple(dict.fromkeys(discounts))
    per_unit: dict[str, dict[str, None]] = {}
    for row in rows:
        if row.get("key"):
            fact = plain_key(str(row["key"]))
            if fact:
                per_unit.setdefault(str(row.get("unit") or ""), {})[fact] = None
    sets = list(per_unit.values())
    if len(sets) <= 1 or all(list(s) == list(sets[0]) for s in sets):
        return tuple(sets[0]) if sets else ()
    return tuple(
        f"{unit}: {', '.join(facts)}" if unit else ", ".join(facts)
        for unit, facts in per_unit.items()
    )


def _step(row: Row, running: Decimal, left_out: bool) -> Decimal:
    """The running total after ``row`` from ``running``, rounded as the worksheet shows it."""
    kind = str(row.get("kind"))
    value = row.get("value")
    out = running
    # (a kind this code does not know changes nothing)
    if value not in (None, "") and row.get("applied", True) and not left_out and kind in SPECS:
        out = SPECS[StepKind(kind)].replay(running, Decimal(str(value)))
    exponent = Decimal(str(row["total"])).as_tuple().exponent
    assert isinstance(exponent, int)
    return out.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)


def _replay(rows: Sequence[Row], left_out: frozenset[str]) -> tuple[Decimal, bool]:
    """The premium the worksheet gives with the steps ``left_out`` taken as neutral everywhere.

    Also whether every running total came out as the worksheet has it (meaningful with nothing
    left out: the proof that the replay is the manual's arithmetic).
    """
    running: dict[tuple[Any, str], Decimal] = {}
    same = True
    # Exact: a chain of unrounded factors carries many more digits than Decimal's default 28
    # (a manual's running total may hold up to 150 decimals, rateshop.manual.limits).
    with localcontext(Context(prec=EXACT_DIGITS)):
        for row in rows:
            chain = (row.get("unit"), str(row.get("component")))
            if chain not in running:
                start = Decimal(0)
                if chain == (None, POLICY):
                    start = sum((t for c, t in running.items() if c != chain), Decimal(0))
                running[chain] = start
            running[chain] = _step(row, running[chain], row.get("step") in left_out)
            same = same and running[chain] == Decimal(str(row["total"]))
    if (None, POLICY) in running:
        return running[None, POLICY], same
    return sum(running.values(), Decimal(0)), same


def summarise(quote: Mapping[str, Any], top: int = TOP) -> PriceSummary | None:
    """The price of ``quote`` (as :meth:`Quote.to_dict` gives it) taken apart, or None.

    None for a quote without a worksheet (a live carrier's own price), or one whose worksheet
    the replay does not give back exactly.
    """
    rows: list[Row] = list(quote.get("worksheet") or [])
    if not rows:
        return None
    premium, same = _replay(rows, frozenset())
    if not same or premium != Decimal(str(quote["premium"])):
        return None
    per_term = Fraction(12, int(quote.get("term_months") or 12))

    def yearly(amount: Decimal) -> Decimal:
        return cents(Fraction(amount) * per_term)

    by_step: dict[str, list[Row]] = {}
    for row in rows:
        looked_up = row.get("key") or row.get("kind") == "discount"
        if row.get("kind") in _FACT_KINDS and row.get("applied", True) and looked_up:
            by_step.setdefault(str(row.get("step")), []).append(row)
    discounts = [str(d.get("label")) for d in quote.get("discounts") or []]
    left = frozenset(by_step)
    before, _ = _replay(rows, left)
    effects = []
    for step, step_rows in by_step.items():  # the manual's order: first seen, first applied
        left -= {step}
        after, _ = _replay(rows, left)
        if after != before:
            label = str(step_rows[0].get("label") or step)
            effects.append(
                Effect(step, label, _facts(step_rows, discounts), yearly(after - before))
            )
        before = after
    starting, _ = _replay(rows, frozenset(by_step))
    fees = sum((Decimal(str(f["amount"])) for f in quote.get("fees") or []), Decimal(0))
    shown = tuple(sorted(effects, key=lambda e: -abs(e.per_year))[:top])
    per_year = Decimal(str(quote["per_year"]))
    start, fees_yearly = yearly(starting), yearly(fees)
    # The other facts' effects, exact; as a remainder so cent rounding of a term other than 6 or
    # 12 months can never make the lines miss the price.
    others = per_year - start - fees_yearly - sum((e.per_year for e in shown), Decimal(0))
    starts = _facts([r for r in rows if r.get("kind") == "start"], ())
    return PriceSummary(per_year, start, shown, others, fees_yearly, starts, tuple(effects))
