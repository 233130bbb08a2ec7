"""Edit and re-rate: a client's answers changed, rated again, filed after the comparison before.

The start date stays as stored unless the agent changes it: a re-rating never moves it silently.
The new comparison keeps the notes of the one it came from and names it, so the differences (see
:mod:`.differences`) can always be shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from rateshop.compare.service import Comparison, compare_async, request_facts
from rateshop.errors import FieldProblem, RiskError
from rateshop.risk.problems import read_risk
from rateshop.services.agency.answers import changed
from rateshop.services.agency.differences import Differences, differences
from rateshop.services.agency.platform import Desk, Platform
from rateshop.store.agency_records import ClientComparison, Member, Scope


async def rate(platform: Platform, risk: Mapping[str, Any]) -> Comparison:
    """Compare ``risk`` with every carrier writing its line in its state, on its start date.

    :class:`RiskError` on the start date when no carrier's manual is in force then (and no live
    carrier is asked), rather than a comparison of errors only.
    """
    line, state, effective = request_facts(risk)
    connectors = platform.registry.asked(line, state)
    live = any(platform.registry.is_live(c.carrier) for c in connectors)
    if not live and not platform.library.in_force(line, state, effective):
        problem = f"no {line} manual in {state} is in force on {effective.isoformat()}"
        raise RiskError([FieldProblem("effective_date", problem)])
    return await compare_async(
        risk, connectors, platform.market, platform.settings.compare_deadline
    )


async def rerate(
    platform: Platform, desk: Desk, member: Member, ref: str, edits: Mapping[str, str]
) -> str:
    """Rate the client's comparison ``ref`` again with ``edits`` (answers by path); the new ref.

    Only a member who may see the comparison's client may; the answers are checked against the
    question set as a new request would be.
    """
    scope = Scope.of(member)
    client = await asyncio.to_thread(desk.agencies.client_of, scope, ref)
    stored = await asyncio.to_thread(platform.store.get, ref)
    risk = read_risk(changed(stored.risk, edits))
    comparison = await rate(platform, risk)
    new_ref = await platform.save(comparison, risk)
    await asyncio.to_thread(desk.agencies.add_comparison, scope, client.id, new_ref, ref)
    await asyncio.to_thread(desk.agencies.copy_comparison_notes, ref, new_ref)
    return new_ref


def previous_of(desk: Desk, member: Member, ref: str) -> ClientComparison:
    """The client's comparison ``ref`` as filed (with the one it re-rated, if any)."""
    scope = Scope.of(member)
    client = desk.agencies.client_of(scope, ref)
    return next(c for c in desk.agencies.comparisons(scope, client.id) if c.ref == ref)


def explain(platform: Platform, desk: Desk, member: Member, ref: str) -> Differences | None:
    """What changed from the comparison ``ref`` was re-rated from; None for a first comparison."""
    filed = previous_of(desk, member, ref)
    if filed.previous_ref is None:
        return None
    return differences(
        platform.store.get(filed.previous_ref), platform.store.get(ref), platform.library
    )
