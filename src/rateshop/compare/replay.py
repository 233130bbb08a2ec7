"""Replay a stored quote with the exact manual version it used, or re-quote it with today's.

A replay must give the stored answer to the cent (same manual content hash, same risk, fitted to
the options that version offers as the comparison did): :func:`check_replay` does it for a stored
answer and names whatever differs. A re-quote rates the same risk with the version in force on a
new date and says what changed: the manual version, the premium, and each worksheet step whose
factor or amount moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.compare.nearest import Substitution, fit
from rateshop.errors import ManualNotFound, WorksheetUnavailable
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate


@dataclass(frozen=True)
class Rated:
    """A manual's answer for the nearest cover it offers, with each option it had to change."""

    answer: Quote | Decline
    substitutions: tuple[Substitution, ...] = ()


def _offer(plan: Plan, risk: Mapping[str, Any]) -> Rated:
    fitted = fit(plan.manual, risk)
    return Rated(rate(plan, fitted.risk), fitted.substitutions)


def replay(library: Library, risk: Mapping[str, Any], content_hash: str) -> Rated:
    """Rate ``risk`` again with the exact manual version identified by ``content_hash``.

    Raises :class:`~rateshop.errors.ManualNotFound` when that version is no longer in the library.
    """
    return _offer(library.by_hash(content_hash), risk)


def as_stored(offer: Rated, worksheet: bool = True) -> dict[str, Any]:
    """The parts of a comparison's answer (JSON data) that rating gives: what a replay must match."""
    return {
        "like_for_like": not offer.substitutions,
        "substitutions": [s.to_dict() for s in offer.substitutions],
        offer.answer.kind: offer.answer.to_dict(worksheet),
    }


def worksheet_of(
    library: Library, risk: Mapping[str, Any], stored: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The worksheet of a stored quote (an answer as JSON data), as JSON-ready lines.

    One kept with the answer (a live carrier's own, or one stored before answers were lean) is
    given as kept. Otherwise the stored risk is rated again with the exact manual version the
    quote came from (its content hash), and the worksheet is given only if that rating gives the
    stored answer to the cent; else :class:`~rateshop.errors.WorksheetUnavailable`.
    """
    quote = stored.get("quote")
    if not isinstance(quote, Mapping):
        raise WorksheetUnavailable(f"{stored.get('carrier')} gave no quote in this comparison")
    kept = quote.get("worksheet")
    if isinstance(kept, list):
        return kept
    manual = quote.get("manual")
    if not isinstance(manual, Mapping):
        raise WorksheetUnavailable(
            f"{stored.get('carrier')} is a live carrier and sent no worksheet"
        )
    try:
        offer = replay(library, risk, str(manual["content_hash"]))
    except ManualNotFound as exc:
        raise WorksheetUnavailable(str(exc)) from exc
    # Every part rating gives must be as stored (links and the like added since are not rating's).
    again = offer.answer.to_dict(worksheet=False)
    if not isinstance(offer.answer, Quote) or any(quote.get(k) != v for k, v in again.items()):
        raise WorksheetUnavailable(
            f"rating {stored.get('carrier')}'s manual version {manual.get('version')} again no "
            "longer gives the stored price"
        )
    lines: list[dict[str, Any]] = offer.answer.worksheet.line_dicts()
    return lines


def worksheet_if_any(
    library: Library, risk: Mapping[str, Any], stored: Mapping[str, Any]
) -> list[dict[str, Any]] | None:
    """:func:`worksheet_of`, or None for an answer without a quote or whose worksheet cannot be
    made again exactly (for pages that show a quote with or without it)."""
    try:
        return worksheet_of(library, risk, stored)
    except WorksheetUnavailable:
        return None


@dataclass
class ReplayCheck:
    """One stored answer rated again with its manual version, and whether it came out the same."""

    carrier: str
    version: str
    content_hash: str
    stored_total: str | None
    replayed_total: str | None
    differences: list[str] = field(default_factory=list)
    problem: str | None = None
    as_stored: bool = False

    @property
    def same(self) -> bool:
        """Whether the replay gave the stored answer exactly, worksheet included."""
        return self.problem is None and not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "version": self.version,
            "content_hash": self.content_hash,
            "same": self.same,
            "stored_total": self.stored_total,
            "replayed_total": self.replayed_total,
            "differences": self.differences,
            "problem": self.problem,
            "as_stored": self.as_stored,
        }


def check_replay(
    library: Library, risk: Mapping[str, Any], stored: Mapping[str, Any]
) -> ReplayCheck:
    """Replay a stored quote or decline (an answer as JSON data) and compare it with what was kept.

    Every part rating gives is compared — the premium, each amount, the worksheet, the options
    substituted — and each part that differs is named (``quote.total``, ``substitutions`` …).
    A live carrier's answer (no manual) replays as stored, marked ``as_stored``: rateshop cannot
    re-rate it locally.
    """
    kind = "quote" if "quote" in stored else "decline"
    kept: Mapping[str, Any] = stored[kind]
    manual = kept["manual"]
    if manual is None:
        # A live carrier priced this itself: there is nothing to rate again, so it stands as kept.
        return ReplayCheck(
            carrier=str(stored["carrier"]),
            version="",
            content_hash="",
            stored_total=kept.get("total"),
            replayed_total=kept.get("total"),
            as_stored=True,
        )
    check = ReplayCheck(
        carrier=str(stored["carrier"]),
        version=str(manual["version"]),
        content_hash=str(manual["content_hash"]),
        stored_total=kept.get("total"),
        replayed_total=None,
    )
    try:
        offer = replay(library, risk, check.content_hash)
    except ManualNotFound as exc:
        check.problem = str(exc)
        return check
    again = as_stored(offer, worksheet="worksheet" in kept)
    if isinstance(offer.answer, Quote):
        check.replayed_total = str(offer.answer.total)
    for key in sorted({*again, *(k for k in stored if k in ("like_for_like", "substitutions"))}):
        before, after = stored.get(key), again.get(key)
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            check.differences += [
                f"{key}.{k}" for k in sorted({*before, *after}) if before.get(k) != after.get(k)
            ]
        elif before != after:
            check.differences.append(key)
    return check


@dataclass
class StepChange:
    """A worksheet step whose factor or amount differs between two versions."""

    address: str
    label: str
    before: Decimal | None
    after: Decimal | None


@dataclass
class Requote:
    """A stored quote re-rated with the manual in force on another date."""

    carrier: str
    before: Quote | Decline
    after: Quote | Decline
    version_changed: bool
    changes: list[StepChange] = field(default_factory=list)
    substituted_before: tuple[Substitution, ...] = ()
    substituted_after: tuple[Substitution, ...] = ()

    @property
    def premium_change(self) -> Decimal | None:
        """How much more (or less, negative) the total is now; None when either is a decline."""
        if isinstance(self.before, Quote) and isinstance(self.after, Quote):
            return self.after.total - self.before.total
        return None

    def to_dict(self) -> dict[str, Any]:
        change = self.premium_change
        return {
            "carrier": self.carrier,
            "before": self.before.to_dict(worksheet=False),
            "after": self.after.to_dict(worksheet=False),
            "version_changed": self.version_changed,
            "total_change": None if change is None else str(change),
            "substitutions_before": [s.to_dict() for s in self.substituted_before],
            "substitutions_after": [s.to_dict() for s in self.substituted_after],
            "changes": [
                {
                    "step": c.address,
                    "label": c.label,
                    "before": None if c.before is None else str(c.before),
                    "after": None if c.after is None else str(c.after),
                }
                for c in self.changes
            ],
        }


def _factors(answer: Quote | Decline) -> dict[str, tuple[str, Decimal | None]]:
    if not isinstance(answer, Quote):
        return {}
    out: dict[str, tuple[str, Decimal | None]] = {}
    for line in answer.worksheet.lines:
        address = f"{line.unit + ' ' if line.unit else ''}{line.component}.{line.step}"
        out[address] = (line.label, line.value if line.applied else None)
    return out


def requote(library: Library, risk: Mapping[str, Any], content_hash: str, on: dt.date) -> Requote:
    """Re-rate a stored quote with the version in force on ``on`` and explain the difference."""
    old_plan = library.by_hash(content_hash)
    ident = old_plan.manual.identity
    new_plan = library.select(ident.carrier, ident.line, ident.state, on)
    moved = dict(risk)
    moved["effective_date"] = on.isoformat()
    first, then = _offer(old_plan, risk), _offer(new_plan, moved)
    before, after = first.answer, then.answer
    old, new = _factors(before), _factors(after)
    changes = [
        StepChange(
            addr,
            (new.get(addr) or old[addr])[0],
            old.get(addr, ("", None))[1],
            new.get(addr, ("", None))[1],
        )
        for addr in sorted(old.keys() | new.keys())
        if old.get(addr, ("", None))[1] != new.get(addr, ("", None))[1]
    ]
    return Requote(
        ident.carrier,
        before,
        after,
        new_plan is not old_plan,
        changes,
        first.substitutions,
        then.substitutions,
    )
