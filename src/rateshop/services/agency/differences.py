"""What changed between a comparison and its re-rating: the answers, and per carrier the price and
the worksheet factors that moved.

Both comparisons are read as stored; each quote's worksheet is the one kept with it or made again
with its exact manual version (:func:`rateshop.compare.replay.worksheet_of`), so any two comparisons
of the same line compare, whichever manual versions they used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.compare.replay import worksheet_if_any
from rateshop.rating.library import Library
from rateshop.services.agency.answers import answers, flat
from rateshop.store.records import StoredComparison


@dataclass(frozen=True)
class AnswerChange:
    """An answer the agent changed."""

    path: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class FactorMove:
    """A worksheet step whose key (what was looked up) or factor differs."""

    where: str
    label: str
    key_before: str | None
    key_after: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True)
class CarrierChange:
    """One carrier's yearly price before and after, and why it moved."""

    carrier: str
    name: str
    before: Decimal | None
    after: Decimal | None
    outcome_before: str
    outcome_after: str
    moves: list[FactorMove] = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        """Yearly price after minus before; None unless both are quotes."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def percent(self) -> Decimal | None:
        """The change as a percentage of the price before, to one decimal."""
        change = self.change
        if change is None or not self.before:
            return None
        return (change * 100 / self.before).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Differences:
    """A re-rating against the comparison it came from."""

    answers: list[AnswerChange]
    carriers: list[CarrierChange]


def _bodies(stored: StoredComparison) -> dict[str, Mapping[str, Any]]:
    return {a.carrier: a.body for a in stored.answers}


def _outcome(body: Mapping[str, Any] | None) -> str:
    if body is None:
        return "not asked"
    for kind in ("quote", "decline", "referral", "pending"):
        if kind in body:
            return kind
    return "error"


def _yearly(body: Mapping[str, Any] | None) -> Decimal | None:
    if body is None or "quote" not in body:
        return None
    return Decimal(str(body["quote"]["per_year"]))


def worksheet_lines(
    library: Library, stored: StoredComparison, body: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The worksheet of a stored answer (none for a decline, or one that cannot be made again)."""
    return (worksheet_if_any(library, stored.risk, body) if body is not None else None) or []


def _lines(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    return {(line.get("unit") or "", line["component"], line["step"]): line for line in rows}


def factor_moves(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[FactorMove]:
    """The steps of two worksheets whose key or factor differ, in the order rated after."""
    old, new = _lines(before), _lines(after)
    moves = []
    for address in [*new, *(a for a in old if a not in new)]:
        was, now = old.get(address, {}), new.get(address, {})
        if (was.get("key"), was.get("value")) == (now.get("key"), now.get("value")):
            continue
        unit, component, _ = address
        moves.append(
            FactorMove(
                where=" ".join(p for p in (unit, component) if p),
                label=str(now.get("label") or was.get("label") or address[2]),
                key_before=was.get("key"),
                key_after=now.get("key"),
                before=was.get("value"),
                after=now.get("value"),
            )
        )
    return moves


def differences(before: StoredComparison, after: StoredComparison, library: Library) -> Differences:
    """Answers changed, and each carrier's price change with the factors that moved (worksheets
    made again with ``library`` where they were stored without: call it off the event loop)."""
    old_answers, new_answers = flat(before.risk), flat(after.risk)
    labels = {a.path: a.label for a in answers(after.risk)}
    changed = [
        AnswerChange(path, labels.get(path, path), str(old_answers.get(path, "")), str(value))
        for path, value in new_answers.items()
        if old_answers.get(path) != value
    ]
    old, new = _bodies(before), _bodies(after)
    carriers = []
    for carrier in [*new, *(c for c in old if c not in new)]:
        was, now = old.get(carrier), new.get(carrier)
        carriers.append(
            CarrierChange(
                carrier=carrier,
                name=str((now or was or {}).get("carrier_name", carrier)),
                before=_yearly(was),
                after=_yearly(now),
                outcome_before=_outcome(was),
                outcome_after=_outcome(now),
                moves=factor_moves(
                    worksheet_lines(library, before, was), worksheet_lines(library, after, now)
                ),
            )
        )
    return Differences(changed, carriers)
