"""Comparisons: check the risk, ask every carrier, keep the answers, stream them (for the API and the
pages alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi.concurrency import run_in_threadpool

from rateshop.answers import body_of
from rateshop.compare.connectors import Connector
from rateshop.compare.market import RATING_ORDER
from rateshop.compare.nearest import fit
from rateshop.compare.ranking import Ranking, Standing, present
from rateshop.compare.replay import check_replay, requote, worksheet_of
from rateshop.compare.service import (
    Answer,
    Comparison,
    collect,
    compare_async,
    request_facts,
    stream,
)
from rateshop.compare.subsidy import Credit, household_credit
from rateshop.compare.tips import (
    Base,
    Idea,
    OtherPolicy,
    Tip,
    WouldQuote,
    ideas,
    other_policy,
    tips_from,
    would_quote,
)
from rateshop.errors import (
    FieldProblem,
    InvalidParameter,
    ManualNotFound,
    RiskError,
    UnknownCarrier,
)
from rateshop.rating.library import not_in_force
from rateshop.rating.plan import Plan
from rateshop.rating.prepare import validate_risk
from rateshop.risk.problems import read_risk
from rateshop.services import consent
from rateshop.services.contact import ContactRequest
from rateshop.services.runtime import Keys, Runtime
from rateshop.store.records import StoredComparison

Facts = tuple[str, str, dt.date]


def carriers_for(rt: Runtime, risk: Mapping[str, Any]) -> tuple[Facts, list[Connector]]:
    """The request's line, state and date, and the carriers to ask.

    Raises :class:`RiskError` when no carrier could answer: none writes the line in the state,
    none has a manual in force on the date (and no live carrier writes it), or every one finds
    the risk malformed (a value the question set allows but no carrier offers). A live carrier
    reads the risk itself: it counts as reading it unless its connector can tell, without asking
    the carrier, that its request cannot carry the risk. A risk some carrier can read goes ahead;
    the others answer with an error in the comparison.
    """
    facts = request_facts(risk)
    line, state, effective = facts
    connectors = rt.registry.asked(line, state)
    live = [c for c in connectors if rt.registry.is_live(c.carrier)]
    plans = rt.library.in_force(line, state, effective)
    if not plans and not live:
        here = [
            e.identity
            for e in rt.library.entries()
            if (e.identity.line, e.identity.state) == facts[:2]
        ]
        raise RiskError([not_in_force(here, line, state, effective)])
    _check_readable(plans, live, risk)
    return facts, connectors


async def carriers_for_async(rt: Runtime, risk: Mapping[str, Any]) -> tuple[Facts, list[Connector]]:
    """:func:`carriers_for` from the event loop: on a worker thread when a manual in force must
    be compiled first (tens of milliseconds each, on a new server's first requests), so other
    requests go on meanwhile; at once when every one is compiled already.
    """
    line, state, effective = request_facts(risk)
    if rt.library.ready(line, state, effective):
        return carriers_for(rt, risk)
    return await run_in_threadpool(carriers_for, rt, risk)


def _check_readable(
    plans: Iterable[Plan], live: Iterable[Connector], risk: Mapping[str, Any]
) -> None:
    # The first carrier that reads the risk ends the check, so a good risk costs one validation.
    # Options a carrier does not offer are read as the nearest it does, as the comparison will.
    problems: dict[FieldProblem, None] = {}
    for plan in plans:
        try:
            validate_risk(plan, fit(plan.manual, risk).risk)
        except RiskError as exc:
            problems.update(dict.fromkeys(exc.problems))
        else:
            return
    for conn in live:
        check = getattr(conn, "check_risk", None)
        if check is None:
            return  # it cannot say before it is asked: it may read the risk
        try:
            check(risk)
        except RiskError as exc:
            problems.update(dict.fromkeys(exc.problems))
        else:
            return
    raise RiskError(list(problems))


def worksheet_url(ref: str, carrier: str) -> str:
    """Where one quote's worksheet is given on demand."""
    return f"/comparisons/{ref}/quotes/{carrier}/worksheet"


def _with_links(ref: str, answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # New dicts: the answers may be the very data just stored or streamed.
    return [
        {**a, "quote": {**a["quote"], "worksheet_url": worksheet_url(ref, a["carrier"])}}
        for a in answers
    ]


def _with_worksheets(
    rt: Runtime, risk: Mapping[str, Any], answers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    return [
        {**a, "quote": {**a["quote"], "worksheet": worksheet_of(rt.library, risk, a)}}
        for a in answers
    ]


class View:
    """How a comparison is shown: the ranking and the filters asked for, checked against the market,
    and whether each quote carries its worksheet (``worksheets``) or only the link to it."""

    def __init__(
        self,
        rt: Runtime,
        by: Ranking,
        group: str | None,
        min_rating: str | None,
        worksheets: bool = False,
    ) -> None:
        if group is not None:
            groups = sorted({c.group for c in rt.market.carriers.values()})
            if group.casefold() not in {g.casefold() for g in groups}:
                problem = f"{group!r} is not a group of the market"
                raise InvalidParameter(FieldProblem("group", problem, ", ".join(groups)))
        if min_rating is not None and min_rating not in RATING_ORDER:
            problem = f"{min_rating!r} is not a financial-strength rating"
            raise InvalidParameter(FieldProblem("min_rating", problem, ", ".join(RATING_ORDER)))
        self.rt, self.by, self.group, self.min_rating = rt, by, group, min_rating
        self.worksheets = worksheets

    def show(
        self, ref: str, comparison: Mapping[str, Any], risk: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The comparison (JSON data) filtered and ranked, with its reference first; each quote
        with the link to its worksheet, and with the worksheet itself when asked for.

        Making worksheets rates the quotes again (see :func:`worksheet_of`): call it off the loop.
        """
        shown = present(comparison, self.by, group=self.group, min_rating=self.min_rating)
        quotes = _with_links(ref, shown["quotes"])
        if self.worksheets:
            quotes = _with_worksheets(self.rt, risk, quotes)
        return {"ref": ref, **shown, "quotes": quotes}


async def compare_and_store(rt: Runtime, risk: Mapping[str, Any], view: View) -> dict[str, Any]:
    """Compare ``risk`` against every carrier, store the comparison whole, return it with its ref.

    The whole comparison is stored; the answer shows it as ``view`` asks.
    """
    _, connectors = await carriers_for_async(rt, risk)
    comparison = await compare_async(risk, connectors, rt.market, rt.settings.compare_deadline)
    # Serialised once, for the store and the answer alike.
    data = comparison.to_dict()
    keys = Keys.new()
    await rt.save(comparison, risk, data, keys)
    if view.worksheets:
        shown = await run_in_threadpool(view.show, keys.ref, data, risk)
    else:
        shown = view.show(keys.ref, data, risk)
    return {**shown, "owner_key": keys.owner_key}


async def compare_again(rt: Runtime, stored: StoredComparison) -> tuple[str, dt.date]:
    """Compare a stored risk again with the manuals in force on its start date, and store it; the
    new comparison's reference and the start date used.

    The start date stays as stored; one already past moves to today (a policy cannot start in the
    past). A risk the question set no longer reads, or no carrier can read, is a
    :class:`RiskError` naming each field.
    """
    start = max(stored.effective, dt.date.today())
    risk = read_risk({**stored.risk, "effective_date": start.isoformat()})
    _, connectors = carriers_for(rt, risk)
    comparison = await compare_async(risk, connectors, rt.market, rt.settings.compare_deadline)
    return await rt.save(comparison, risk), start


def fetch(rt: Runtime, ref: str, view: View) -> dict[str, Any]:
    """A stored comparison, shown as ``view`` asks."""
    stored = rt.store.get(ref)
    return view.show(ref, stored.to_dict(), stored.risk)


def worksheet(rt: Runtime, ref: str, carrier: str) -> dict[str, Any]:
    """One stored quote's worksheet: the one kept with it, or made again with its exact manual
    version and given only if that gives the stored price (see :func:`worksheet_of`).

    Raises :class:`UnknownCarrier` when ``carrier`` has no quote in the comparison.
    """
    stored = rt.store.get(ref)
    found = [a.body for a in stored.of_kind("quote") if a.carrier == carrier]
    if not found:
        raise UnknownCarrier(carrier, f"no quote from {carrier!r} in this comparison")
    [body] = found
    quote = body["quote"]
    return {
        "ref": ref,
        "carrier": carrier,
        "carrier_name": body["carrier_name"],
        "manual": quote.get("manual"),
        "total": quote["total"],
        "made_again": "worksheet" not in quote and quote.get("manual") is not None,
        "worksheet": worksheet_of(rt.library, stored.risk, body),
    }


async def savings_tips(rt: Runtime, ref: str, top: int) -> dict[str, Any]:
    """Priced savings tips for the ``top`` cheapest quotes of a stored comparison.

    Each tip is the stored risk with one thing changed, re-rated by the same carrier.
    """
    stored = await run_in_threadpool(rt.store.get, ref)
    found = await tips_for(rt, stored, top)
    return {
        "ref": ref,
        "line": stored.line,
        "state": stored.state,
        "tips": [t.to_dict() for t in found],
    }


async def tips_for(rt: Runtime, stored: StoredComparison, top: int) -> list[Tip]:
    """The tips of :func:`savings_tips`, priced against the quotes ``stored`` holds.

    A live carrier is asked again only when its connector may be (see ``may_requote``), within the
    comparison's deadline.
    """
    quotes = sorted((a.body for a in stored.of_kind("quote")), key=lambda b: Standing.of(b).yearly)
    bases = [Base(b["carrier"], b["carrier_name"], Standing.of(b).yearly) for b in quotes[:top]]
    connectors = rt.registry.connectors(stored.line, stored.state)
    return await tips_from(
        stored.line, stored.state, bases, stored.risk, connectors, rt.settings.compare_deadline
    )


@dataclass(frozen=True)
class Prospects:
    """What a stored comparison can lead to beyond its quotes, each priced by the carriers."""

    would_quote: list[WouldQuote]  # carriers that declined, and what would make them quote
    ideas: list[Idea]  # ways to pay less, each with its range across the cheapest quotes
    other_policy: OtherPolicy | None  # the home policy a bundling discount asks for
    credit: Credit | None  # a household's premium tax credit, where the line has one


async def prospects(rt: Runtime, stored: StoredComparison, top: int) -> Prospects:
    """The :class:`Prospects` of ``stored``, tips priced for its ``top`` cheapest quotes."""
    declined = [
        (a.body["carrier"], a.body.get("carrier_name") or a.body["carrier"])
        for a in stored.of_kind("decline")
    ]
    deadline = rt.settings.compare_deadline
    connectors = rt.registry.connectors(stored.line, stored.state)
    turned = await would_quote(
        stored.line, stored.state, declined, stored.risk, connectors, deadline
    )
    found_ideas = ideas(await tips_for(rt, stored, top))
    bundling = next((i for i in found_ideas if i.text.startswith("bundling")), None)
    other = None
    if bundling is not None and stored.line == "auto":
        other = await other_policy(
            stored.state,
            stored.risk,
            [t.carrier for t in bundling.tips],
            rt.registry.connectors("home", stored.state),
            deadline,
        )
    credit = await household_credit(stored.state, stored.risk, connectors, deadline)
    return Prospects(turned, found_ideas, other, credit)


def replay_stored(rt: Runtime, ref: str) -> dict[str, Any]:
    """Every stored quote and decline rated again with its exact manual version, and compared.

    A live carrier's answer replays as stored, and says so: rateshop cannot re-rate it locally.
    """
    stored = rt.store.get(ref)
    checks = [
        check_replay(rt.library, stored.risk, a.body)
        for a in stored.answers
        if a.kind in ("quote", "decline")
    ]
    return {
        "ref": ref,
        "same": all(c.same for c in checks),
        "answers": [c.to_dict() for c in checks],
    }


def requote_stored(rt: Runtime, ref: str, on: dt.date) -> dict[str, Any]:
    """Every stored quote and decline re-rated with the manual in force on ``on``, with what changed.

    Raises :class:`InvalidParameter` when no manual of the comparison's line and state is in force
    on ``on``; a carrier with no version then is reported on its own answer.
    """
    stored = rt.store.get(ref)
    if not rt.library.in_force(stored.line, stored.state, on):
        first = min(
            (
                e.identity.effective
                for e in rt.library.entries()
                if (e.identity.line, e.identity.state) == (stored.line, stored.state)
            ),
            default=None,
        )
        problem = f"no {stored.line} manual in {stored.state} is in force on {on.isoformat()}"
        allowed = f"from {first.isoformat()}" if first else None
        raise InvalidParameter(FieldProblem("on", problem, allowed))
    answers: list[dict[str, Any]] = []
    for answer in stored.answers:
        if answer.kind in ("quote", "decline") and answer.manual_hash is None:
            problem = f"{answer.carrier} is a live carrier: compare again to ask it, rateshop cannot re-rate its answer"
            answers.append({"carrier": answer.carrier, "problem": problem})
            continue
        if answer.manual_hash is None:
            continue
        try:
            answers.append(requote(rt.library, stored.risk, answer.manual_hash, on).to_dict())
        except ManualNotFound as exc:
            answers.append({"carrier": answer.carrier, "problem": str(exc)})
    return {"ref": ref, "on": on.isoformat(), "answers": answers}


Event = tuple[str, dict[str, Any]]
"""One event of a streamed comparison: its name (``answer``, ``done`` or ``error``) and its data."""


async def checked_stream(
    rt: Runtime, risk: Mapping[str, Any], keys: Keys | None = None
) -> AsyncIterator[Event]:
    """The events of comparing ``risk`` and storing it (see :func:`stream_and_store`).

    The risk is checked here, before the first event, so one that no carrier can read is still a
    plain 422 rather than an ``error`` event. ``keys`` are the reference and owner key the
    comparison will be stored under (new ones by default), for a caller that must know them
    before the stream starts.
    """
    facts, connectors = await carriers_for_async(rt, risk)
    return stream_and_store(rt, risk, facts, connectors, keys or Keys.new())


async def stream_and_store(
    rt: Runtime, risk: Mapping[str, Any], facts: Facts, connectors: list[Connector], keys: Keys
) -> AsyncIterator[Event]:
    """An ``answer`` event per carrier as it answers, then ``done`` with the stored ref and ranking.

    The response is under way by then, so a failure becomes a last ``error`` event with the status
    and body a plain request would have had. A client that leaves cancels this generator where it
    waits, so a comparison is stored only if every answer came while the client was there (it
    may leave during the save itself, a few milliseconds: then a comparison is kept that nobody
    holds the reference of, until the retention purge).
    """
    answers: list[Answer] = []
    made: dict[int, dict[str, Any]] = {}  # each answer made into data once: sent, then stored
    try:
        async for answer in stream(risk, connectors, rt.market, rt.settings.compare_deadline):
            answers.append(answer)
            data = made[id(answer)] = answer.to_dict()
            if answer.quote is not None:
                # The link holds once the comparison is stored, at ``done``.
                data = _with_links(keys.ref, [data])[0]
            yield "answer", data
        comparison = collect(facts, answers)
        await rt.save(comparison, risk, comparison.to_dict(made=made), keys)
        yield "done", done(keys, comparison)
    except Exception as exc:
        status, body = body_of(exc)
        yield "error", {"status": status, **body.model_dump(exclude_none=True)}


def done(keys: Keys, comparison: Comparison) -> dict[str, Any]:
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
                "like_for_like": answer.like_for_like,
            }
        )
    return {
        "ref": keys.ref,
        "owner_key": keys.owner_key,
        "line": comparison.line,
        "state": comparison.state,
        "effective": comparison.effective.isoformat(),
        "ranking": ranking,
        "quotes": len(comparison.quotes),
        "declines": len(comparison.declines),
        "errors": len(comparison.errors),
    }


def record_contact(
    rt: Runtime, ref: str, request: ContactRequest, owner_key: str
) -> dict[str, Any]:
    """Keep the shopper's consent to give their details to one carrier, the details encrypted.

    Only the holder of the comparison's owner key may consent, to the wording in force.
    """
    consent.check_version(request.consent_version)
    carrier = rt.market.get(request.carrier)
    words = consent.wording(carrier.name if carrier else request.carrier)
    recorded = rt.store.record_contact(
        ref,
        request.carrier,
        request.contact.fields(),
        owner_key=owner_key,
        wording=words,
        consent_version=request.consent_version,
    )
    return {"ref": ref, **recorded.to_dict()}
