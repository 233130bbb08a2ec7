"""A carrier's reply checked before it counts, then turned into the comparison's answer.

Every wire format ends here: a :class:`~rateshop.carriers.reply.CarrierReply` becomes a quote, a
decline, a referral, pending, or a failure. A quote counts only when it holds together: the
currency asked, a premium that is positive and not absurd, every coverage asked quoted (or said
not offered), coverages and fees that add up to the total. Otherwise the carrier's answer is
``invalid_response``, with what was wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple, TypeGuard

from rateshop.carriers.reply import CarrierReply, CoverageAmount, Summed
from rateshop.compare.connectors import Offer
from rateshop.compare.nearest import Substitution
from rateshop.compare.outcomes import (
    Failure,
    FeeAmount,
    LiveDecline,
    Pending,
    Referral,
    live_quote,
)

# A year of cover above this is no premium a personal line is ever quoted: the reply is wrong.
ABSURD_YEARLY = Decimal(1_000_000)
# Twelve times the absurd total of each term (1-36 months): a term's total x 12 is compared to it.
_ABSURD = [ABSURD_YEARLY * term for term in range(37)]
_ZERO = Decimal(0)
# A named tuple made from a tuple of its fields, without its ``__new__`` binding them by name.
_tuple_new = tuple.__new__


def _problems(
    reply: CarrierReply,
    summed: Summed,
    asked: tuple[_Asked, ...],
    by_code: Mapping[str, CoverageAmount],
    currency: str,
) -> list[str]:
    problems = []
    total = reply.total
    if reply.currency != currency:
        problems.append(f"quoted in {reply.currency or 'no currency'}, not {currency}")
    if total is None:
        problems.append("a quote without a total")
    elif total <= _ZERO:
        problems.append(f"a total of {total} is not a price")
    term = reply.term_months
    if term is None or not 1 <= term <= 36:
        problems.append(f"a term of {term} months")
    elif total is not None and total * 12 > _ABSURD[term]:
        problems.append(f"a total of {total} for {term} months is absurd")
    problems += summed.negative
    if total is not None and summed.parts != total:
        problems.append(f"coverages and fees add up to {summed.parts}, not the total {total}")
    if asked:
        not_offered = reply.not_offered
        missing = [a.code for a in asked if a.code not in by_code and a.code not in not_offered]
        if missing:
            problems.append(f"coverages asked but not quoted: {', '.join(sorted(missing))}")
    return problems


def summed(reply: CarrierReply) -> Summed:
    """The reply's coverages and fees added up: as its reader did while reading, or now."""
    if reply.summed is not None:
        return reply.summed
    premium, negative = Decimal(0), []
    for c in reply.coverages:
        if c.premium < 0:
            negative.append(f"coverage {c.code} has a negative premium {c.premium}")
        premium += c.premium
    parts = premium
    for code, amount in reply.fees:
        if amount < 0:
            negative.append(f"fee {code} is negative ({amount})")
        parts += amount
    return Summed(premium, parts, tuple(negative))


def _is_mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    # A risk is made of dicts: the exact type check spares the ABC's slower one.
    return type(value) is dict or isinstance(value, Mapping)


_ABSENT = object()


class _Asked(NamedTuple):
    """One coverage of the risk as asked: its options, and the limit and deductible as text."""

    code: str
    options: Any
    limit: Any  # as asked, or _ABSENT
    limit_text: str
    deductible: Any
    deductible_text: str


# A comparison asks every carrier about one risk: its coverages are read once for them all.
_ASKED: dict[int, tuple[Mapping[str, Any], tuple[_Asked, ...]]] = {}


def _asked(risk: Mapping[str, Any]) -> tuple[_Asked, ...]:
    """The risk's coverages as asked (none when it has no object of them)."""
    found = _ASKED.get(id(risk))
    if found is not None and found[0] is risk:
        return found[1]
    coverages = risk.get("coverages")
    asked: list[_Asked] = []
    if _is_mapping(coverages):
        for code, options in coverages.items():
            limit = deductible = _ABSENT
            if _is_mapping(options):
                limit = options.get("limit", _ABSENT)
                deductible = options.get("deductible", _ABSENT)
            asked.append(_Asked(str(code), options, limit, str(limit), deductible, str(deductible)))
    made = tuple(asked)
    _ASKED[id(risk)] = (risk, made)  # the risk is held, so its id cannot be reused meanwhile
    if len(_ASKED) > 64:
        _ASKED.pop(next(iter(_ASKED)))
    return made


def substitutions(reply: CarrierReply, risk: Mapping[str, Any]) -> tuple[Substitution, ...]:
    """Each option asked that the carrier quoted differently, or a coverage it does not offer."""
    asked = _asked(risk)
    if not asked:
        return ()
    return _changed(reply, asked, {c.code: c for c in reply.coverages})


def _changed(
    reply: CarrierReply, asked: tuple[_Asked, ...], by_code: Mapping[str, CoverageAmount]
) -> tuple[Substitution, ...]:
    out: list[Substitution] = []
    not_offered = reply.not_offered
    for a in asked:
        if a.code in not_offered:
            out.append(Substitution(f"coverages.{a.code}", a.options, None))
            continue
        got = by_code.get(a.code)
        if got is None:
            continue
        # An option the carrier does not say back is taken as quoted as asked.
        quoted = got.limit
        if a.limit is not _ABSENT and quoted is not None and quoted != a.limit_text:
            out.append(Substitution(f"coverages.{a.code}.limit", a.limit, quoted))
        quoted = got.deductible
        if a.deductible is not _ABSENT and quoted is not None and quoted != a.deductible_text:
            out.append(Substitution(f"coverages.{a.code}.deductible", a.deductible, quoted))
    return tuple(out) if out else ()


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
    sums = summed(reply)
    asked = _asked(risk)
    # The coverages quoted by code, found once for both the checks and the substitutions.
    by_code = {c.code: c for c in reply.coverages} if asked else {}
    problems = _problems(reply, sums, asked, by_code, currency)
    if problems:
        return Offer(Failure("invalid_response", "; ".join(problems)))
    assert reply.total is not None
    assert reply.term_months is not None
    assert reply.currency is not None
    quote = live_quote(
        carrier,
        reply.currency,
        sums.premium,
        reply.total,
        reply.term_months,
        reply.coverages,
        tuple([_tuple_new(FeeAmount, (code, _label(code), amount)) for code, amount in reply.fees]),
        reply.quote_ref,
        reply.valid_until,
        reply.bridge_url,
        None,
        said,
    )
    return Offer(quote, _changed(reply, asked, by_code) if asked else ())


@functools.lru_cache(maxsize=1024)
def _label(code: str) -> str:
    # A fee's label when the carrier gives none: its code in words (carriers have few fees).
    return code.replace("_", " ")
