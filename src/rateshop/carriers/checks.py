"""A carrier's reply checked before it counts, then turned into the comparison's answer.

Every wire format ends here: a :class:`~rateshop.carriers.reply.CarrierReply` becomes a quote, a
decline, a referral, pending, or a failure. A quote counts only when it holds together: the
currency asked, a premium that is positive and not absurd, every coverage asked quoted (or said
not offered), coverages and fees that add up to the total. Otherwise the carrier's answer is
``invalid_response``, with what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeGuard

from rateshop.carriers.reply import CarrierReply
from rateshop.compare.connectors import Offer
from rateshop.compare.nearest import Substitution
from rateshop.compare.outcomes import (
    CoveredAmount,
    Failure,
    LiveDecline,
    LiveQuote,
    Pending,
    Referral,
)
from rateshop.rating.quote import Amount

# A year of cover above this is no premium a personal line is ever quoted: the reply is wrong.
ABSURD_YEARLY = Decimal(1_000_000)


def _problems(reply: CarrierReply, risk: Mapping[str, Any], currency: str) -> list[str]:
    problems = []
    if reply.currency != currency:
        problems.append(f"quoted in {reply.currency or 'no currency'}, not {currency}")
    if reply.total is None:
        problems.append("a quote without a total")
    elif reply.total <= 0:
        problems.append(f"a total of {reply.total} is not a price")
    if reply.term_months is None or not 1 <= reply.term_months <= 36:
        problems.append(f"a term of {reply.term_months} months")
    elif reply.total is not None and reply.total * 12 / reply.term_months > ABSURD_YEARLY:
        problems.append(f"a total of {reply.total} for {reply.term_months} months is absurd")
    # One pass over the parts: each checked and added up.
    parts = Decimal(0)
    quoted = set(reply.not_offered)
    for c in reply.coverages:
        if c.premium < 0:
            problems.append(f"coverage {c.code} has a negative premium {c.premium}")
        parts += c.premium
        quoted.add(c.code)
    for code, amount in reply.fees:
        if amount < 0:
            problems.append(f"fee {code} is negative ({amount})")
        parts += amount
    if reply.total is not None and parts != reply.total:
        problems.append(f"coverages and fees add up to {parts}, not the total {reply.total}")
    asked = risk.get("coverages")
    if _is_mapping(asked):
        missing = sorted(str(code) for code in asked if code not in quoted)
        if missing:
            problems.append(f"coverages asked but not quoted: {', '.join(missing)}")
    return problems


def _is_mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    # A risk is made of dicts: the exact type check spares the ABC's slower one.
    return type(value) is dict or isinstance(value, Mapping)


def _same(asked: Any, quoted: str | None) -> bool:
    return quoted is None or str(asked) == quoted


def substitutions(reply: CarrierReply, risk: Mapping[str, Any]) -> tuple[Substitution, ...]:
    """Each option asked that the carrier quoted differently, or a coverage it does not offer."""
    asked = risk.get("coverages")
    if not _is_mapping(asked):
        return ()
    out: list[Substitution] = []
    by_code = {c.code: c for c in reply.coverages}
    for code, options in asked.items():
        if code in reply.not_offered:
            out.append(Substitution(f"coverages.{code}", options, None))
            continue
        got = by_code.get(code)
        if got is None or not _is_mapping(options):
            continue
        if "limit" in options and not _same(options["limit"], got.limit):
            out.append(Substitution(f"coverages.{code}.limit", options["limit"], got.limit))
        if "deductible" in options and not _same(options["deductible"], got.deductible):
            out.append(
                Substitution(f"coverages.{code}.deductible", options["deductible"], got.deductible)
            )
    return tuple(out)


def outcome(
    reply: CarrierReply, carrier: str, risk: Mapping[str, Any], currency: str = "USD"
) -> Offer:
    """The comparison's answer for a carrier's reply, checked (see the module's docstring)."""
    said = tuple(reply.messages)
    if reply.status == "error":
        return Offer(Failure("carrier_error", "; ".join(said) or "the carrier answered an error"))
    if reply.status == "pending":
        if not reply.quote_ref:
            return Offer(Failure("invalid_response", "pending without a quote reference to poll"))
        return Offer(Pending(reply.quote_ref, reply.retry_after, "; ".join(said)))
    if reply.status == "referred":
        return Offer(Referral(said or ("referred to an underwriter",), reply.quote_ref))
    if reply.status == "declined":
        return Offer(LiveDecline(carrier, said or ("declined",), reply.quote_ref))
    problems = _problems(reply, risk, currency)
    if problems:
        return Offer(Failure("invalid_response", "; ".join(problems)))
    assert reply.total is not None
    assert reply.term_months is not None
    assert reply.currency is not None
    premium = Decimal(0)
    for c in reply.coverages:
        premium += c.premium
    quote = LiveQuote(
        carrier=carrier,
        currency=reply.currency,
        premium=premium,
        total=reply.total,
        term_months=reply.term_months,
        coverages=tuple(
            [CoveredAmount(c.code, c.premium, c.limit, c.deductible) for c in reply.coverages]
        ),
        fees=tuple([Amount(code, code.replace("_", " "), amount) for code, amount in reply.fees]),
        quote_ref=reply.quote_ref,
        valid_until=reply.valid_until,
        bridge_url=reply.bridge_url,
        messages=said,
    )
    return Offer(quote, substitutions(reply, risk))
