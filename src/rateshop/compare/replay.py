"""Replay a stored quote with the exact manual version it used, or re-quote it with today's.

A replay must give the stored answer to the cent (same manual content hash, same risk). A
re-quote rates the same risk with the version in force on a new date and says what changed:
the manual version, the premium, and each worksheet step whose factor or amount moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rateshop.rating.library import Library
from rateshop.rating.quote import Decline, Quote
from rateshop.rating.single import rate


def replay(library: Library, risk: Mapping[str, Any], content_hash: str) -> Quote | Decline:
    """Rate ``risk`` again with the exact manual version identified by ``content_hash``."""
    return rate(library.by_hash(content_hash), risk)


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
    before = rate(old_plan, risk)
    after = rate(new_plan, moved)
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
    return Requote(ident.carrier, before, after, new_plan is not old_plan, changes)
