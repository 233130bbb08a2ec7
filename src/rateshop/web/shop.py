"""The shoppers' pages: pick a line, answer its questions, watch quotes arrive, compare, save, contact."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import ValidationError

from rateshop.risk import places, vehicles
from rateshop.risk.problems import field_problem, read_risk
from rateshop.risk.questions import LINES, STATE_PATTERN, ZIP_PATTERN, Risk
from rateshop.services import catalog, comparisons as service, consent
from rateshop.services.comparisons import Event
from rateshop.services.contact import PATTERNS as CONTACT_PATTERNS, ContactDetails, ContactRequest
from rateshop.services.runtime import Keys, Runtime, RuntimeDep
from rateshop.store.errors import CarrierNotInComparison, ComparisonNotFound, OwnerKeyRejected
from rateshop.store.records import StoredComparison
from rateshop.web import views
from rateshop.web.accounts import accounts, current_user, link_stream
from rateshop.web.csrf import changes_nothing
from rateshop.web.pages import render
from rateshop.web.questions import FORMS, LINE_NAMES

router = APIRouter(include_in_schema=False)
# Tips are priced for this many of the cheapest quotes, each idea's range across them.
TIPS_FOR = 5
# The owner key of a comparison made in this browser: HTTP-only (no script reads it), sent only to
# that comparison's pages (its path) and only from this site (SameSite=Strict).
OWNER_COOKIE = "rateshop_owner"
NOT_OWNER = (
    "Only the browser that made this comparison can share contact details or delete it. "
    "Start a new comparison to be contacted by a carrier."
)


def not_found(request: Request, message: str) -> HTMLResponse:
    """The HTML 404 page."""
    return render(request, "message.html", status=404, title="Not found", message=message)


def _stored(
    request: Request, rt: Runtime, ref: str, *, consents: bool = False
) -> StoredComparison | HTMLResponse:
    """The comparison saved under ``ref``, or the page saying there is none."""
    try:
        return rt.store.get(ref, consents=consents)
    except ComparisonNotFound:
        return not_found(request, "No comparison has this link. It may have been deleted.")


@router.get("/", response_class=HTMLResponse)
def start(request: Request, rt: RuntimeDep) -> HTMLResponse:
    """Pick a line and a state."""
    lines = [(line.id, LINE_NAMES[line.id], line.states) for line in catalog.lines(rt)]
    states = {code: rules.name for code, rules in rt.states.items()}
    return render(request, "start.html", lines=lines, states=states)


@router.get("/quote/{line}", response_class=HTMLResponse)
def quote_form(
    request: Request,
    line: str,
    rt: RuntimeDep,
    state: Annotated[str, Query(min_length=2, max_length=2)] = "",
) -> HTMLResponse:
    """The multi-step form of ``line`` in ``state``."""
    return _form(request, rt, line, state.upper())


@router.get("/c/{ref}/edit", response_class=HTMLResponse)
def edit_answers(request: Request, ref: str, rt: RuntimeDep) -> HTMLResponse:
    """The form of a stored comparison with its answers filled in, to change and quote again."""
    stored = _stored(request, rt, ref)
    if isinstance(stored, HTMLResponse):
        return stored
    answers = views.form_answers(stored.risk)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    if answers.get("effective_date", "") < tomorrow:
        answers["effective_date"] = tomorrow  # cover cannot start in the past
    return _form(request, rt, stored.line, stored.state, answers)


def _form(
    request: Request, rt: Runtime, line: str, state: str, answers: dict[str, str] | None = None
) -> HTMLResponse:
    """The form page; ``answers`` (form field → value) fill it in over any kept in the browser."""
    if line not in LINES or state not in rt.states:
        return not_found(request, f"We do not quote {line!r} in {state or 'that state'!r}.")
    rules = rt.states[state]
    today = dt.date.today()
    options: dict[str, list[tuple[str, str]]] = {}
    required: set[str] = set()
    if line == "auto":
        offered = catalog.coverages(rt, "auto", state, today + dt.timedelta(days=1))
        for coverage in offered.coverages:
            for option in coverage.options:
                options[f"coverages.{coverage.id}.{option.name}"] = [
                    (str(v.value), _option_words(coverage.id, v.value)) for v in option.values
                ]
        required = {f"coverages.{c}" for c in rules.auto_required}
    return render(
        request,
        "quote.html",
        line=line,
        line_name=LINE_NAMES[line],
        state=state,
        state_name=rules.name,
        steps=FORMS[line],
        options=options,
        required_coverages=required,
        hidden={"gender"} if "gender" in rules.auto_forbidden_factors else set(),
        today=today.isoformat(),
        tomorrow=(today + dt.timedelta(days=1)).isoformat(),
        minimum=rules.auto_minimum,
        answers=answers,
    )


def _option_words(coverage: str, value: str | int) -> str:
    """An offered limit or deductible in words; a value of another shape is shown as it is."""
    text = str(value)
    if coverage in ("BI", "UM") and re.fullmatch(r"\d+/\d+", text):
        per_person, per_accident = text.split("/")
        return f"${per_person},000 per person / ${per_accident},000 per accident"
    if not text.isdigit():
        return text
    if coverage == "PD":
        return f"${text},000"
    return f"${int(text):,}"


@router.get("/quote/vin/{vin}")
def vin_facts(
    vin: Annotated[str, Path(max_length=17)],
    effective: Annotated[dt.date | None, Query()] = None,
) -> dict[str, Any]:
    """What a VIN says, read offline: its model year and maker, or its problem in words."""
    read = vehicles.decode(vin, effective or dt.date.today())
    if isinstance(read, vehicles.VinFacts):
        return {"vin": read.vin, "year": read.year, "maker": read.maker, "problem": None}
    return {"vin": vin, "year": None, "maker": None, "problem": read.problem}


@router.get("/quote/zip/{zip_code}")
def zip_place(
    zip_code: Annotated[str, Path(pattern=ZIP_PATTERN)],
    state: Annotated[str, Query(pattern=STATE_PATTERN)],
) -> dict[str, str | None]:
    """The town of a ZIP code, for the shopper to confirm, and what is wrong with it for ``state``.

    ``problem`` is the question set's own words (the same as a quote's check says at the field).
    """
    found = places.place(zip_code)
    wrong = places.in_state("zip", zip_code, state)
    return {
        "zip": zip_code,
        "town": found.town if found else None,
        "county": found.county if found else None,
        "state": found.state if found else None,
        "state_name": found.state_name if found else None,
        "problem": wrong[0].problem if wrong else None,
    }


@router.post("/quote/check")
@changes_nothing
def check(risk: Annotated[dict[str, Any], Body()], rt: RuntimeDep) -> dict[str, bool]:
    """Validate a risk (whole or as far as filled in) as every carrier would: 422 names each field.

    A risk half filled in is also checked across the fields of its parts that are done (a driver
    too young for a licence is told at the drivers' step, before the vehicles are given).
    """
    service.carriers_for(rt, read_risk(risk))
    return {"ok": True}


async def shopper_events(
    request: Request,
    risk: Risk,
    rt: RuntimeDep,
    response: Response,
) -> AsyncIterator[Event]:
    """The comparison's events for this browser, the risk checked before the stream starts (a risk
    no carrier can read is a plain 422); the browser keeps the comparison's owner key."""
    keys = Keys.new()
    events = await service.checked_stream(rt, risk.facts(), keys)
    user = current_user(request)
    if user is not None:
        # An agent or admin quoting for a customer: the comparison goes into their console.
        events = link_stream(accounts(request), user, events)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        OWNER_COOKIE,
        keys.owner_key,
        max_age=rt.settings.retention_days * 86400,
        path=f"/c/{keys.ref}",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return events


@router.post("/quote/stream", response_class=EventSourceResponse)
async def stream(
    events: Annotated[AsyncIterator[Event], Depends(shopper_events)],
) -> AsyncIterator[ServerSentEvent]:
    """Compare the risk, each carrier's answer streamed as it arrives (as ``/comparisons/stream``),
    with no carrier's or engine's message in them (see the API for those)."""
    async for name, data in events:
        said = json.dumps(
            views.shopper_event(name, data), separators=(",", ":"), ensure_ascii=False
        )
        yield ServerSentEvent(event=name, raw_data=said)


@router.get("/c/{ref}", response_class=HTMLResponse)
async def results(request: Request, ref: str, rt: RuntimeDep) -> HTMLResponse:
    """A stored comparison: quote cards, sort and filter, worksheets, declines, tips, chart."""
    stored = await run_in_threadpool(_stored, request, rt, ref, consents=True)
    if isinstance(stored, HTMLResponse):
        return stored
    view = await run_in_threadpool(views.results, stored, rt.library)
    more = await service.prospects(rt, stored, TIPS_FOR)
    contacted = {c.carrier for c in stored.contacts}
    just = request.query_params.get("contacted", "")
    carrier = rt.market.get(just) if just in contacted else None
    return render(
        request,
        "results.html",
        owner=OWNER_COOKIE in request.cookies,
        view=view,
        line_name=LINE_NAMES.get(view.line, view.line),
        ideas=more.ideas,
        other_policy=more.other_policy,
        would_quote={w.carrier_name: w for w in more.would_quote},
        credit=more.credit,
        carrier_names={c.carrier: c.name for c in view.cards},
        contacted=contacted,
        just_contacted=carrier.name if carrier else None,
        links={c.carrier: info.link for c in view.cards if (info := rt.market.get(c.carrier))},
    )


@router.get("/c/{ref}/compare", response_class=HTMLResponse)
def side_by_side(
    request: Request,
    ref: str,
    rt: RuntimeDep,
    carrier: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> HTMLResponse:
    """Two or three quotes side by side: price, coverages, fees, discounts."""
    stored = _stored(request, rt, ref)
    if isinstance(stored, HTMLResponse):
        return stored
    view = views.results(stored, rt.library)
    chosen = views.pick(view.cards, carrier)
    if not 2 <= len(chosen) <= 3:
        return render(
            request,
            "message.html",
            status=422,
            title="Pick two or three quotes",
            message="Tick two or three quotes on the results page to compare them side by side.",
            back=f"/c/{ref}",
        )
    labels = list(dict.fromkeys(label for c in chosen for label, _ in c.components))
    return render(
        request,
        "compare.html",
        view=view,
        chosen=chosen,
        labels=labels,
        adjustment_labels=list(dict.fromkeys(lb for c in chosen for lb, _ in c.adjustments)),
        line_name=LINE_NAMES.get(view.line, view.line),
    )


@router.get("/c/{ref}/csv")
def download_csv(request: Request, ref: str, rt: RuntimeDep) -> Response:
    """The comparison as a CSV file."""
    stored = _stored(request, rt, ref)
    if isinstance(stored, HTMLResponse):
        return stored
    return Response(
        views.to_csv(views.results(stored, rt.library)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rateshop-{stored.line}.csv"'},
    )


@router.get("/c/{ref}/contact/{carrier}", response_class=HTMLResponse)
def contact_form(request: Request, ref: str, carrier: str, rt: RuntimeDep) -> HTMLResponse:
    """Contact details for ONE carrier, with the consent wording shown in full."""
    stored = _stored(request, rt, ref)
    if isinstance(stored, HTMLResponse):
        return stored
    info = rt.market.get(carrier)
    if info is None or carrier not in {a.carrier for a in stored.of_kind("quote")}:
        return not_found(request, "This carrier did not quote in this comparison.")
    if OWNER_COOKIE not in request.cookies:
        return not_owner(request, ref)
    return render(
        request,
        "contact.html",
        ref=ref,
        carrier=info,
        wording=consent.wording(info.name),
        consent_version=consent.CURRENT,
        values={},
        problems={},
    )


@router.post("/c/{ref}/contact/{carrier}", response_class=HTMLResponse)
def contact(
    request: Request,
    ref: str,
    carrier: str,
    rt: RuntimeDep,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    agreed: Annotated[str, Form(alias="consent")] = "",
    consent_version: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Keep the consent and the encrypted details; only this carrier is ever given them."""
    info = rt.market.get(carrier)
    if info is None:
        return not_found(request, "No such carrier.")
    owner_key = request.cookies.get(OWNER_COOKIE)
    if owner_key is None:
        return not_owner(request, ref)
    values = {"name": name, "email": email, "phone": phone}
    problems: dict[str, str] = {}
    if agreed != "yes":
        problems["consent"] = "Tick the box to agree, or go back: nothing is shared without it."
    elif consent_version != consent.CURRENT:
        problems["consent"] = "The wording has changed since this page was shown: read it again."
    contact = {k: v for k, v in values.items() if v}
    problems.update(contact_problems(contact))
    if problems:
        return render(
            request,
            "contact.html",
            status=422,
            ref=ref,
            carrier=info,
            wording=consent.wording(info.name),
            consent_version=consent.CURRENT,
            values=values,
            problems=problems,
        )
    request_body = ContactRequest.model_validate(
        {
            "carrier": carrier,
            "contact": contact,
            "consent": True,
            "consent_version": consent.CURRENT,
        }
    )
    try:
        service.record_contact(rt, ref, request_body, owner_key)
    except ComparisonNotFound:
        return not_found(request, "No comparison has this link. It may have been deleted.")
    except CarrierNotInComparison:
        return not_found(request, "This carrier did not quote in this comparison.")
    except OwnerKeyRejected:
        return not_owner(request, ref)
    return RedirectResponse(f"/c/{ref}?contacted={carrier}#contact", status_code=303)


@router.post("/c/{ref}/delete", response_class=HTMLResponse)
def delete(request: Request, ref: str, rt: RuntimeDep) -> HTMLResponse:
    """Delete the comparison with its answers and any contact details, for the browser that made it."""
    owner_key = request.cookies.get(OWNER_COOKIE)
    if owner_key is None:
        return not_owner(request, ref)
    try:
        rt.store.delete(ref, owner_key=owner_key)
    except ComparisonNotFound:
        return not_found(request, "No comparison has this link. It may have been deleted.")
    except OwnerKeyRejected:
        return not_owner(request, ref)
    page = render(
        request,
        "message.html",
        title="Comparison deleted",
        message="The comparison, its quotes and any contact details given with it are deleted.",
    )
    page.delete_cookie(OWNER_COOKIE, path=f"/c/{ref}")
    return page


def not_owner(request: Request, ref: str) -> HTMLResponse:
    """The page refusing an action only the comparison's maker may take."""
    return render(
        request,
        "message.html",
        status=403,
        title="Not your comparison",
        message=NOT_OWNER,
        back=f"/c/{ref}",
    )


REACHABLE = "Give an e-mail address or a phone number."
CONTACT_WORDS = {
    "name": "Enter your name (up to 200 characters).",
    "email": "Enter an e-mail address like name@example.org.",
    "phone": "Enter a phone number of at least 7 digits, like +1 512 555 0100.",
}


def contact_problems(details: Mapping[str, str]) -> dict[str, str]:
    """The contact details checked as the API checks them, each problem by its form field in the
    shopper's words (the field read from pydantic's error as the API's 422 reads it)."""
    try:
        ContactDetails.model_validate(details)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            field = field_problem(error, CONTACT_PATTERNS).field
            if field in CONTACT_WORDS:
                problems.setdefault(field, CONTACT_WORDS[field])
            else:  # the details as a whole: neither an e-mail address nor a phone number
                problems.setdefault("email", REACHABLE)
        return problems
    return {}
