"""A set of compiled manuals, indexed by carrier, line and state, with their versions by date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rateshop.errors import ManualError, ManualNotFound, Problem
from rateshop.manual.loader import find_manuals, load_manual
from rateshop.rating.plan import Plan, compile_manual


def load_plan(path: Path | str) -> Plan:
    """Load, check and compile the manual in ``path``."""
    return compile_manual(load_manual(path))


@dataclass
class Library:
    """Compiled manuals: every version of every carrier/line/state found under some folders."""

    plans: list[Plan] = field(default_factory=list)
    failures: dict[str, list[Problem]] = field(default_factory=dict)

    @classmethod
    def load(cls, *roots: Path | str, strict: bool = True) -> Library:
        """Load every manual under ``roots``; with ``strict`` any broken manual raises."""
        lib = cls()
        for root in roots:
            for folder in find_manuals(root):
                try:
                    lib.add(load_plan(folder))
                except ManualError as exc:
                    lib.failures[str(folder)] = exc.problems
        if strict and lib.failures:
            raise ManualError([p for probs in lib.failures.values() for p in probs])
        return lib

    def add(self, plan: Plan) -> None:
        """Add a compiled manual; two versions may not share carrier, line, state and date."""
        for other in self.plans:
            if other.key == plan.key:
                raise ManualError(
                    [
                        Problem(
                            plan.manual.file,
                            None,
                            f"{plan.key} is also defined in {other.manual.file}",
                        )
                    ]
                )
        self.plans.append(plan)
        self.plans.sort(key=lambda p: (p.manual.identity.carrier, p.manual.identity.line,
                                       p.manual.identity.state, p.manual.identity.effective))  # fmt: skip

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)

    def by_hash(self, content_hash: str) -> Plan:
        """The exact manual version with this content hash (for replaying a stored quote)."""
        for p in self.plans:
            if p.manual.content_hash == content_hash:
                return p
        raise ManualNotFound(f"the manual version {content_hash[:12]}… is no longer in the library")

    def versions(self, carrier: str, line: str, state: str) -> list[Plan]:
        """Every version for one carrier/line/state, oldest first."""
        return [
            p
            for p in self.plans
            if (p.manual.identity.carrier, p.manual.identity.line, p.manual.identity.state)
            == (carrier, line, state.upper())
        ]

    def select(self, carrier: str, line: str, state: str, as_of: dt.date) -> Plan:
        """The version in force on ``as_of``: the latest effective on or before it, unexpired."""
        chosen: Plan | None = None
        for p in self.versions(carrier, line, state):
            ident = p.manual.identity
            if ident.effective <= as_of and (ident.expires is None or as_of < ident.expires):
                chosen = p
        if chosen is None:
            have = ", ".join(
                p.manual.identity.effective.isoformat() for p in self.versions(carrier, line, state)
            )
            raise ManualNotFound(
                f"no {line} manual of {carrier} in {state} is in force on {as_of.isoformat()}"
                + (f"; versions start {have}" if have else "")
            )
        return chosen

    def in_force(self, line: str, state: str, as_of: dt.date) -> list[Plan]:
        """For each carrier writing ``line`` in ``state``, the version in force on ``as_of``."""
        carriers = sorted({p.manual.identity.carrier for p in self.plans
                           if p.manual.identity.line == line and p.manual.identity.state == state.upper()})  # fmt: skip
        out = []
        for carrier in carriers:
            try:
                out.append(self.select(carrier, line, state, as_of))
            except ManualNotFound:
                continue
        return out


def latest(plans: Iterable[Plan]) -> Plan:
    """The most recent version among ``plans``."""
    return max(plans, key=lambda p: p.manual.identity.effective)
