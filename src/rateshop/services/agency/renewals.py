"""Renewals: policies nearing expiry, re-rated against today's market, flagged when another carrier
is cheaper for the same cover by more than a threshold.

"The same cover" is a like-for-like quote: a carrier that had to change an option the risk asked
for (the nearest limit it offers) is never flagged as the cheaper one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rateshop.errors import RateshopError
from rateshop.services.agency.platform import Desk, Platform
from rateshop.services.agency.rerate import rate
from rateshop.store.agency_records import Member, Renewal, RenewalCheck, Scope
from rateshop.store.records import to_cents

log = logging.getLogger(__name__)

DEFAULT_DAYS = 45
DEFAULT_THRESHOLD = Decimal("0.05")


def due(desk: Desk, member: Member, today: dt.date, days: int = DEFAULT_DAYS) -> list[Renewal]:
    """The member's policies (an admin's: the agency's) expiring within ``days`` of ``today``."""
    return desk.book.due(Scope.of(member), today, days)


@dataclass(frozen=True)
class Outcome:
    """One policy's renewal check, or why it could not be made."""

    renewal: Renewal
    check: RenewalCheck | None
    problem: str | None = None


def judge(
    policy_carrier: str,
    premium_cents: int,
    quotes: list[Mapping[str, Any]],
    threshold: Decimal,
) -> tuple[int | None, str | None, int | None, bool]:
    """(the policy's carrier now, the cheapest other carrier and its price, flagged) in cents a year.

    The price to beat is the policy's carrier's new like-for-like quote, or the premium paid when it
    no longer quotes the same cover; the cheapest other must be lower by more than ``threshold``.
    """
    like = [q for q in quotes if q.get("like_for_like") and "quote" in q]
    yearly = {str(q["carrier"]): to_cents(str(q["quote"]["per_year"])) for q in like}
    current = yearly.get(policy_carrier)
    others = sorted(
        (cents, carrier) for carrier, cents in yearly.items() if carrier != policy_carrier
    )
    if not others:
        return current, None, None, False
    best_cents, best_carrier = others[0]
    to_beat = current if current is not None else premium_cents
    flagged = Decimal(best_cents) < Decimal(to_beat) * (1 - threshold)
    return current, best_carrier, best_cents, flagged


async def check_renewals(
    platform: Platform,
    desk: Desk,
    today: dt.date,
    days: int = DEFAULT_DAYS,
    threshold: Decimal = DEFAULT_THRESHOLD,
) -> list[Outcome]:
    """Re-rate every policy expiring within ``days``, on its renewal date, and keep the result.

    Each policy is rated on the answers of the comparison it was sold from (else the client's
    latest), starting the day it expires; the new comparison is filed with the client.
    """
    outcomes = []
    for renewal in await asyncio.to_thread(desk.book.due, None, today, days):
        outcomes.append(await _check(platform, desk, renewal, threshold))
    return outcomes


async def _check(platform: Platform, desk: Desk, renewal: Renewal, threshold: Decimal) -> Outcome:
    policy, client = renewal.policy, renewal.client
    scope = Scope(client.agency_id, None)
    ref = policy.comparison_ref
    if ref is None:
        filed = await asyncio.to_thread(desk.agencies.comparisons, scope, client.id)
        ref = filed[0].ref if filed else None
    if ref is None:
        return Outcome(renewal, None, "the client has no comparison to re-rate")
    stored = await asyncio.to_thread(platform.store.get, ref)
    risk = {**stored.risk, "effective_date": policy.expiry.isoformat()}
    try:
        comparison = await rate(platform, risk)
    except RateshopError as exc:
        log.warning("renewal of policy %d not re-rated: %s", policy.id, exc)
        return Outcome(renewal, None, str(exc))
    new_ref = await platform.save(comparison, risk)
    await asyncio.to_thread(desk.agencies.add_comparison, scope, client.id, new_ref, ref)
    current, best_carrier, best_cents, flagged = judge(
        policy.carrier,
        policy.premium_cents,
        comparison.to_dict(worksheet=False)["quotes"],
        threshold,
    )
    check = RenewalCheck(
        policy.id, desk.agencies.clock(), new_ref, current, best_carrier, best_cents, flagged
    )
    await asyncio.to_thread(desk.book.record_check, check)
    return Outcome(renewal, check)
