"""Comparisons through the API: check the risk, ask every carrier, keep the answers, stream them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from rateshop.api.comparisons.schemas import ContactRequest
from rateshop.api.errors import body_of
from rateshop.api.runtime import Runtime
from rateshop.compare.connectors import Connector, manual_connectors
from rateshop.compare.service import (
    Answer,
    Comparison,
    collect,
    compare_async,
    request_facts,
    stream,
)
from rateshop.errors import FieldProblem, RiskError
from rateshop.rating.plan import Plan
from rateshop.rating.prepare import validate_risk

Facts = tuple[str, str, dt.date]

CONSENT_WORDING = (
    "I agree that rateshop gives the contact details above to {carrier}, and to no one else, "
    "so that {carrier} can contact me about this quote."
)


def carriers_for(rt: Runtime, risk: Mapping[str, Any]) -> tuple[Facts, list[Connector]]:
    """The request's line, state and date, and the carriers to ask.

    Raises :class:`RiskError` when no carrier could answer: none writes the line in the state,
    none has a manual in force on the date, or every one finds the risk malformed (a value the
    question set allows but no carrier offers). A risk some carrier can read goes ahead; the others
    answer with an error in the comparison.
    """
    facts = request_facts(risk)
    line, state, effective = facts
    connectors: list[Connector] = [*manual_connectors(rt.library, line, state)]
    written = [p for p in rt.library if p.manual.identity.line == line]
    if not connectors:
        states = sorted({p.manual.identity.state for p in written})
        problem = f"no carrier of the market writes {line} in {state}"
        raise RiskError([FieldProblem("state", problem, ", ".join(states) or None)])
    plans = rt.library.in_force(line, state, effective)
    if not plans:
        first = min(
            p.manual.identity.effective for p in written if p.manual.identity.state == state
        )
        problem = f"no {line} manual in {state} is in force on {effective.isoformat()}"
        raise RiskError([FieldProblem("effective_date", problem, f"from {first.isoformat()}")])
    _check_readable(plans, risk)
    return facts, connectors


def _check_readable(plans: Iterable[Plan], risk: Mapping[str, Any]) -> None:
    # The first carrier that reads the risk ends the check, so a good risk costs one validation.
    problems: dict[FieldProblem, None] = {}
    for plan in plans:
        try:
            validate_risk(plan, risk)
        except RiskError as exc:
            problems.update(dict.fromkeys(exc.problems))
        else:
            return
    raise RiskError(list(problems))


async def compare_and_store(rt: Runtime, risk: Mapping[str, Any]) -> dict[str, Any]:
    """Compare ``risk`` against every carrier, store the comparison whole, return it with its ref."""
    _, connectors = carriers_for(rt, risk)
    comparison = await compare_async(risk, connectors, rt.market, rt.settings.compare_deadline)
    ref = await rt.save(comparison, risk)
    return {"ref": ref, **comparison.to_dict()}


def event(name: str, data: Mapping[str, Any]) -> bytes:
    """One Server-Sent Event; compact JSON never holds a raw newline, so one ``data`` line does."""
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def stream_and_store(
    rt: Runtime, risk: Mapping[str, Any], facts: Facts, connectors: list[Connector]
) -> AsyncIterator[bytes]:
    """An ``answer`` event per carrier as it answers, then ``done`` with the stored ref and ranking.

    The response is under way by then, so a failure becomes a last ``error`` event with the status
    and body a plain request would have had.
    """
    answers: list[Answer] = []
    try:
        async for answer in stream(risk, connectors, rt.market, rt.settings.compare_deadline):
            answers.append(answer)
            yield event("answer", answer.to_dict())
        comparison = collect(facts, answers)
        ref = await rt.save(comparison, risk)
        yield event("done", done(ref, comparison))
    except Exception as exc:
        status, body = body_of(exc)
        yield event("error", {"status": status, **body.model_dump(exclude_none=True)})


def done(ref: str, comparison: Comparison) -> dict[str, Any]:
    """The ``done`` event: the stored reference and the quotes in rank order (cheapest first)."""
    ranking = []
    for rank, answer in enumerate(comparison.quotes, start=1):
        assert answer.quote is not None
        ranking.append(
            {
                "rank": rank,
                "carrier": answer.carrier,
                "carrier_name": answer.carrier_name,
                "rating": answer.rating,
                "monthly": str(answer.quote.monthly),
                "per_year": str(answer.quote.per_year),
            }
        )
    return {
        "ref": ref,
        "line": comparison.line,
        "state": comparison.state,
        "effective": comparison.effective.isoformat(),
        "ranking": ranking,
        "quotes": len(comparison.quotes),
        "declines": len(comparison.declines),
        "errors": len(comparison.errors),
    }


def record_contact(rt: Runtime, ref: str, request: ContactRequest) -> dict[str, Any]:
    """Keep the shopper's consent to give their details to one carrier, the details encrypted."""
    carrier = rt.market.get(request.carrier)
    wording = request.wording or CONSENT_WORDING.format(
        carrier=carrier.name if carrier else request.carrier
    )
    consent = rt.store.record_contact(
        ref, request.carrier, request.contact.fields(), wording=wording
    )
    return {"ref": ref, **consent.to_dict()}
