"""The sandbox carrier's own JSON format: how its quoting service reads a request and answers.

This is a carrier's format, not rateshop's risk JSON: a ``product`` code, the policy's facts in a
``policy`` object (the person's in ``applicant``), camelCase names, lists of ``drivers``,
``vehicles``, ``claims`` or ``members``, coverages as a list of ``{code, limit, deductible}``, and
``meta`` about the sender (ignored).
rateshop's ``http`` connector reaches it through a mapping file, as it would a real carrier
(see ``docs/carriers.md``). The sandbox turns a request back into a risk to rate it with a manual.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rateshop.carriers.reply import CarrierReply, CoverageAmount, ReplyStatus
from rateshop.compare.nearest import Substitution
from rateshop.rating.quote import Decline, Quote

PRODUCTS = {
    "PERSONAL_AUTO": "auto",
    "HOMEOWNERS": "home",
    "TERM_LIFE": "life",
    "INDIVIDUAL_HEALTH": "health",
}
LINE_PRODUCTS = {line: product for product, line in PRODUCTS.items()}
STATUSES: dict[str, ReplyStatus] = {
    "QUOTED": "quoted",
    "REFERRED": "referred",
    "DECLINED": "declined",
    "PENDING": "pending",
    "ERROR": "error",
}

_UPPER = re.compile(r"[A-Z]")


def snake(name: str) -> str:
    """``effectiveDate`` → ``effective_date`` (the reverse of a mapping's ``camel``)."""
    return _UPPER.sub(lambda m: "_" + m.group(0).lower(), name)


def camel(name: str) -> str:
    """``effective_date`` → ``effectiveDate``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snaked(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {snake(str(k)): _snaked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snaked(v) for v in value]
    return value


class WireError(ValueError):
    """A request the sandbox carrier cannot read (answered 400 with the reason)."""


def read_request(body: Any) -> dict[str, Any]:
    """A request in the sandbox carrier's format, as a rateshop risk to rate."""
    if not isinstance(body, Mapping):
        raise WireError("the request is not a JSON object")
    product = body.get("product")
    if product not in PRODUCTS:
        raise WireError(f"unknown product {product!r}; one of {', '.join(PRODUCTS)}")
    risk: dict[str, Any] = {"line": PRODUCTS[product]}
    for part in ("policy", "applicant"):
        facts = body.get(part) or {}
        if not isinstance(facts, Mapping):
            raise WireError(f"{part} is not an object")
        risk.update(_snaked(facts))
    for key, value in body.items():
        if key in ("product", "policy", "applicant", "coverages", "meta"):
            continue
        risk[snake(key)] = _snaked(value)
    coverages = body.get("coverages")
    if coverages is not None:
        if not isinstance(coverages, list):
            raise WireError("coverages is not a list")
        risk["coverages"] = {
            str(c["code"]): {snake(k): v for k, v in c.items() if k != "code" and v is not None}
            for c in coverages
            if isinstance(c, Mapping) and "code" in c
        }
    return risk


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def quoted(
    answer: Quote,
    quote_id: str,
    risk: Mapping[str, Any],
    substitutions: tuple[Substitution, ...],
    link: str,
    valid_until: dt.date,
) -> dict[str, Any]:
    """A manual's quote as the sandbox carrier answers it: its premium parts, fees and cover."""
    asked = risk.get("coverages") or {}
    fitted: dict[str, dict[str, Any]] = {code: dict(c) for code, c in asked.items()}
    not_offered = []
    for s in substitutions:
        parts = s.field.split(".")
        if len(parts) == 3 and parts[0] == "coverages" and parts[1] in fitted:
            fitted[parts[1]][parts[2]] = s.quoted
        elif len(parts) == 2 and parts[0] == "coverages" and s.quoted is None:
            not_offered.append(parts[1])
    coverages = []
    for c in answer.components:
        cover = fitted.get(c.id, {})
        coverages.append(
            {
                "code": c.id,
                "description": c.label,
                "limit": None if cover.get("limit") is None else str(cover["limit"]),
                "deductible": None if cover.get("deductible") is None else str(cover["deductible"]),
                "premium": _money(c.amount),
            }
        )
    fees = [{"code": f.id, "description": f.label, "amount": _money(f.amount)} for f in answer.fees]
    # A policy-level adjustment is a part of the premium the carrier names on its own.
    coverages += [
        {"code": a.id, "description": a.label, "limit": None, "deductible": None,
         "premium": _money(a.amount)}
        for a in answer.adjustments
    ]  # fmt: skip
    return {
        "quote": {
            "status": "QUOTED",
            "quoteNumber": quote_id,
            "currency": "USD",
            "termMonths": answer.term_months,
            "premium": {"total": _money(answer.total), "coverages": coverages, "fees": fees},
            "notOffered": not_offered,
            "validUntil": valid_until.isoformat(),
            "bridgeUrl": f"{link}/{quote_id}",
            "messages": [],
        }
    }


def declined(answer: Decline, quote_id: str) -> dict[str, Any]:
    """A manual's decline as the sandbox carrier answers it."""
    return {
        "quote": {
            "status": "DECLINED",
            "quoteNumber": quote_id,
            "messages": [{"code": "INELIGIBLE", "text": r} for r in answer.reasons],
        }
    }


def status_only(status: str, quote_id: str, *messages: str) -> dict[str, Any]:
    """An answer with a status and messages only (pending, referred, error)."""
    return {
        "quote": {
            "status": status,
            "quoteNumber": quote_id,
            "messages": [{"code": status, "text": m} for m in messages],
        }
    }


def as_reply(answer: Mapping[str, Any], retry_after: float | None = None) -> CarrierReply:
    """An answer of this format as a :class:`CarrierReply` (to be written in another format)."""
    quote = answer["quote"]
    status = STATUSES[quote["status"]]
    premium = quote.get("premium") or {}
    valid = quote.get("validUntil")
    return CarrierReply(
        status=status,
        quote_ref=quote.get("quoteNumber"),
        currency=quote.get("currency"),
        total=None if "total" not in premium else Decimal(premium["total"]),
        term_months=quote.get("termMonths"),
        coverages=tuple(
            CoverageAmount(c["code"], Decimal(c["premium"]), c.get("limit"), c.get("deductible"))
            for c in premium.get("coverages", [])
        ),
        fees=tuple((f["code"], Decimal(f["amount"])) for f in premium.get("fees", [])),
        valid_until=None if valid is None else dt.date.fromisoformat(valid),
        bridge_url=quote.get("bridgeUrl"),
        messages=tuple(m["text"] for m in quote.get("messages", [])),
        retry_after=retry_after,
        not_offered=tuple(quote.get("notOffered", [])),
    )
