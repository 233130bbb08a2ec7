"""What a live carrier's quoting service said, read off the wire and not yet checked.

Every wire format (JSON through a mapping, ACORD-style XML) is parsed into a :class:`CarrierReply`;
the connector then checks it (currency, sums, coverages asked) before it counts as a quote. Money
stays exact: amounts are :class:`~decimal.Decimal` as the carrier wrote them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, NamedTuple

from rateshop.compare.outcomes import CoveredAmount

ReplyStatus = Literal["quoted", "referred", "declined", "pending", "error"]

# One coverage as the carrier quoted it (code, premium, limit, deductible): the very object a
# checked quote then carries, so a reply's coverages are never copied.
CoverageAmount = CoveredAmount


class Summed(NamedTuple):
    """What a reader already added up while reading a quoted reply, so the checks need not again.

    ``premium`` is the sum of the coverages' premiums, ``parts`` adds the fees; ``negative``
    says each part below zero, in the words of the checks. A named tuple: one is made for every
    quoted answer, and a frozen dataclass costs several times as much to make.
    """

    premium: Decimal
    parts: Decimal
    negative: tuple[str, ...] = ()


class CarrierReply(NamedTuple):
    """One answer of a carrier's quoting service, as parsed from its wire format.

    ``status`` ``quoted`` carries ``total`` (the term premium with fees), ``coverages`` and ``fees``
    that should add up to it, the ``currency``, the ``term_months`` priced and the carrier's own
    ``quote_ref``; ``referred`` and ``declined`` carry ``messages``; ``pending`` carries the
    ``quote_ref`` to poll and ``retry_after`` seconds; ``error`` carries the carrier's ``messages``.
    ``summed`` is the coverages' and fees' sums when the reader made them (otherwise the checks
    add them up). An immutable record made for every answer, so a named tuple: it costs a
    fraction of a frozen dataclass of as many fields.
    """

    status: ReplyStatus
    quote_ref: str | None = None
    currency: str | None = None
    total: Decimal | None = None
    term_months: int | None = None
    coverages: tuple[CoverageAmount, ...] = ()
    fees: tuple[tuple[str, Decimal], ...] = ()
    valid_until: dt.date | None = None
    bridge_url: str | None = None
    messages: tuple[str, ...] = ()
    retry_after: float | None = None
    # Coverages asked that the carrier says it does not offer (so their absence is no fault).
    not_offered: tuple[str, ...] = ()
    summed: Summed | None = None
