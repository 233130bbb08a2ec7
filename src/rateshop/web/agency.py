"""The agency's pages: lead inbox and assignment, clients, edit and re-rate, renewals, proposals,
exports and the audit log. Each view reads the form, calls :mod:`rateshop.services.agency`, renders.

A member of no agency is refused (403); another agent's or agency's client, lead or comparison is
"not found" (404), as one that does not exist: the pages never tell which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rateshop.errors import RiskError
from rateshop.services.agency import Desk, clients as client_service, documents, leads, renewals
from rateshop.services.agency.answers import answers
from rateshop.services.agency.desk import DeskDep
from rateshop.services.agency.rerate import explain, rerate
from rateshop.services.runtime import Runtime, RuntimeDep
from rateshop.store.accounts import Accounts
from rateshop.store.agency_records import ClientSearch, Identity, Member, Scope
from rateshop.store.errors import (
    AgencyStoreError,
    ComparisonNotFound,
    InvalidAgencyData,
    NotAMember,
)
from rateshop.web import views
from rateshop.web.accounts import AccountsDep, Forbidden, StaffDep
from rateshop.web.pages import render
from rateshop.web.questions import LINE_NAMES

router = APIRouter(include_in_schema=False, prefix="/agency")
T = TypeVar("T")


def member(user: StaffDep, agencies: DeskDep) -> Member:
    """The logged-in user's place in their agency; users of no agency are refused."""
    try:
        return agencies.member(user.id)
    except NotAMember as exc:
        raise Forbidden("Only the members of an agency may open the agency's pages.") from exc


MemberDep = Annotated[Member, Depends(member)]


def _missing(request: Request) -> HTMLResponse:
    return render(
        request,
        "message.html",
        status=404,
        title="Not found",
        message="None of your clients or leads has this reference.",
        back="/agency",
    )


def _found(request: Request, get: Callable[[], T]) -> T | HTMLResponse:
    """``get()``, or the not-found page when it names nothing this member may see."""
    try:
        return get()
    except (AgencyStoreError, ComparisonNotFound) as exc:
        if isinstance(exc, InvalidAgencyData):
            raise
        return _missing(request)


def _change_client(
    request: Request,
    client_id: int,
    who: Member,
    agencies: Desk,
    change: Callable[[], object],
    problem: str,
    then: str,
) -> Response:
    """Make ``change`` to a client the member may see, then go to ``then`` on its page; a value
    it refuses shows the client's page again with ``problem``, one it may not see the not-found
    page."""
    try:
        done = _found(request, change)
    except InvalidAgencyData:
        return _client_page(request, client_id, who, agencies, problem=problem)
    if isinstance(done, HTMLResponse):
        return done
    return RedirectResponse(f"/agency/clients/{client_id}{then}", status_code=303)


@router.get("", response_class=HTMLResponse)
def home(request: Request, who: MemberDep, agencies: DeskDep) -> HTMLResponse:
    """The lead inbox: an admin's shows every lead and assigns them, an agent's their own."""
    return render(
        request,
        "agency/home.html",
        who=who,
        leads=leads.inbox(agencies, who),
        members=agencies.agencies.members(who.agency.id) if who.is_admin else [],
        counts=agencies.leads.counts(who.agency.id),
        line_names=LINE_NAMES,
    )


@router.post("/leads/{lead_id}/assign")
def assign(
    request: Request,
    lead_id: int,
    who: MemberDep,
    agencies: DeskDep,
    agent: Annotated[int, Form()],
) -> Response:
    """An admin gives the lead to an agent; it becomes that agent's client."""
    if not who.is_admin:
        raise Forbidden("Only the agency's admins assign leads.")
    client = _found(request, lambda: leads.assign(agencies, who, lead_id, agent))
    if isinstance(client, HTMLResponse):
        return client
    return RedirectResponse(f"/agency?assigned={client.reference}", status_code=303)


@router.get("/clients", response_class=HTMLResponse)
def clients(
    request: Request,
    who: MemberDep,
    agencies: DeskDep,
    name: Annotated[str, Query(max_length=200)] = "",
    phone: Annotated[str, Query(max_length=40)] = "",
    email: Annotated[str, Query(max_length=254)] = "",
    reference: Annotated[str, Query(max_length=16)] = "",
    zip: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The member's clients, searched by name, phone, e-mail, reference or ZIP."""
    wanted = ClientSearch(name, phone, email, reference, zip)
    return render(
        request,
        "agency/clients.html",
        who=who,
        found=client_service.search(agencies, who, wanted),
        search=vars(wanted),
    )


@router.get("/clients/{client_id}", response_class=HTMLResponse)
def client(
    request: Request,
    client_id: int,
    who: MemberDep,
    agencies: DeskDep,
    contact: Annotated[str, Query(max_length=8)] = "",
) -> HTMLResponse:
    """A client's file; the contact details only when asked for (each view is audited)."""
    return _client_page(request, client_id, who, agencies, show_contact=contact == "show")


def _client_page(
    request: Request,
    client_id: int,
    who: Member,
    agencies: Desk,
    *,
    show_contact: bool = False,
    problem: str = "",
) -> HTMLResponse:
    """The client's file, with ``problem`` said above it (422) when a form of it was refused."""
    got = _found(request, lambda: client_service.open_file(agencies, who, client_id))
    if isinstance(got, HTMLResponse):
        return got
    identity = client_service.contact(agencies, who, client_id) if show_contact else None
    return render(
        request,
        "agency/client.html",
        status=422 if problem else 200,
        who=who,
        file=got,
        identity=identity,
        problem=problem,
        line_names=LINE_NAMES,
        today=dt.date.today().isoformat(),
    )


@router.post("/clients/{client_id}/notes")
def client_note(
    request: Request,
    client_id: int,
    who: MemberDep,
    agencies: DeskDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Add a note on the client."""
    return _change_client(
        request, client_id, who, agencies,
        lambda: client_service.add_note(agencies, who, client_id, text),
        "Write a note of 1 to 5000 characters.", "#notes",
    )  # fmt: skip


@router.post("/clients/{client_id}/contact")
def client_contact(
    request: Request,
    client_id: int,
    who: MemberDep,
    agencies: DeskDep,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    household: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Correct who the client is (audited)."""
    identity = Identity(name.strip(), email.strip(), phone.strip(), household.strip())
    return _change_client(
        request, client_id, who, agencies,
        lambda: client_service.update_contact(agencies, who, client_id, identity),
        "A client needs a name.", "?contact=show",
    )  # fmt: skip


@router.post("/clients/{client_id}/policies")
def client_policy(
    request: Request,
    client_id: int,
    who: MemberDep,
    agencies: DeskDep,
    carrier: Annotated[str, Form(max_length=64)] = "",
    premium: Annotated[str, Form(max_length=20)] = "",
    effective: Annotated[str, Form(max_length=10)] = "",
    expiry: Annotated[str, Form(max_length=10)] = "",
    comparison: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Record a policy sold to the client."""

    def record() -> object:
        try:
            starts, ends = dt.date.fromisoformat(effective), dt.date.fromisoformat(expiry)
            return client_service.add_policy(
                agencies, who, client_id, carrier.strip(), premium, starts, ends, comparison or None
            )
        except ValueError as exc:  # a date or an amount that does not read
            raise InvalidAgencyData(str(exc)) from exc

    problem = (
        "A policy needs its carrier, a yearly premium like 1234.50, and dates like "
        "2027-01-31 with the expiry after the start."
    )
    return _change_client(request, client_id, who, agencies, record, problem, "#policies")


@router.post("/clients/{client_id}/delete")
def client_delete(
    request: Request,
    client_id: int,
    who: MemberDep,
    agencies: DeskDep,
) -> Response:
    """Delete the client with their comparisons, policies and notes (audited)."""
    done = _found(request, lambda: client_service.delete(agencies, who, client_id))
    if isinstance(done, HTMLResponse):
        return done
    return RedirectResponse("/agency/clients?deleted=1", status_code=303)


def _download(name: str, data: bytes, media: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/clients/{client_id}/export.csv")
def export_csv(
    request: Request, client_id: int, who: MemberDep, agencies: DeskDep, rt: RuntimeDep
) -> Response:
    """The client's comparisons as CSV (audited)."""
    got = _found(request, lambda: documents.csv_export(rt, agencies, who, client_id))
    if isinstance(got, HTMLResponse):
        return got
    return _download(*got, "text/csv; charset=utf-8")


@router.get("/clients/{client_id}/export.xlsx")
def export_xlsx(
    request: Request, client_id: int, who: MemberDep, agencies: DeskDep, rt: RuntimeDep
) -> Response:
    """The client's comparisons as an Excel workbook (audited)."""
    got = _found(request, lambda: documents.xlsx_export(rt, agencies, who, client_id))
    if isinstance(got, HTMLResponse):
        return got
    return _download(*got, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _comparison_page(
    request: Request, ref: str, who: Member, agencies: Desk, rt: Runtime, users: Accounts
) -> HTMLResponse:
    filed = _found(request, lambda: agencies.agencies.client_of(Scope.of(who), ref))
    if isinstance(filed, HTMLResponse):
        return filed
    stored = rt.store.get(ref)
    return render(
        request,
        "agency/comparison.html",
        who=who,
        client=filed,
        view=views.results(stored, rt.library),
        stored=stored,
        line_name=LINE_NAMES.get(stored.line, stored.line),
        changes=explain(rt, agencies, who, ref),
        notes=users.notes(ref),
    )


@router.get("/c/{ref}", response_class=HTMLResponse)
def comparison(
    request: Request,
    ref: str,
    who: MemberDep,
    agencies: DeskDep,
    rt: RuntimeDep,
    users: AccountsDep,
) -> HTMLResponse:
    """A client's comparison: quotes, what changed since the one before, proposal, re-rate."""
    return _comparison_page(request, ref, who, agencies, rt, users)


@router.get("/c/{ref}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, ref: str, who: MemberDep, agencies: DeskDep, rt: RuntimeDep
) -> HTMLResponse:
    """The comparison's answers, each a field the agent may change before re-rating."""
    filed = _found(request, lambda: agencies.agencies.client_of(Scope.of(who), ref))
    if isinstance(filed, HTMLResponse):
        return filed
    stored = rt.store.get(ref)
    return render(
        request,
        "agency/edit.html",
        ref=ref,
        client=filed,
        stored=stored,
        fields=answers(stored.risk),
        values={},
        problems={},
        line_name=LINE_NAMES.get(stored.line, stored.line),
    )


@router.post("/c/{ref}/edit", response_class=HTMLResponse)
async def edit(
    request: Request, ref: str, who: MemberDep, agencies: DeskDep, rt: RuntimeDep
) -> Response:
    """Re-rate with the answers changed; the new comparison shows what moved."""
    form = await request.form()
    filed = await run_in_threadpool(
        _found, request, lambda: agencies.agencies.client_of(Scope.of(who), ref)
    )
    if isinstance(filed, HTMLResponse):
        return filed
    stored = await run_in_threadpool(rt.store.get, ref)
    before = {a.path: a.value for a in answers(stored.risk)}
    edits = {
        path: str(form[f"a:{path}"])
        for path in before
        if f"a:{path}" in form and str(form[f"a:{path}"]).strip() != before[path]
    }
    try:
        new_ref = await rerate(rt, agencies, who, ref, edits)
    except AgencyStoreError:
        return _missing(request)
    except RiskError as exc:
        return render(
            request,
            "agency/edit.html",
            status=422,
            ref=ref,
            client=filed,
            stored=stored,
            fields=answers(stored.risk),
            values={p: str(form.get(f"a:{p}", "")) for p in before},
            problems={p.field: p.problem for p in exc.problems},
            line_name=LINE_NAMES.get(stored.line, stored.line),
        )
    return RedirectResponse(f"/agency/c/{new_ref}#changes", status_code=303)


@router.get("/c/{ref}/proposal.pdf")
def proposal(
    request: Request,
    ref: str,
    who: MemberDep,
    agencies: DeskDep,
    rt: RuntimeDep,
    carrier: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI reads the default, never mutates it
) -> Response:
    """A PDF proposal of the chosen quotes (the cheapest few if none are chosen), audited."""
    try:
        got = _found(request, lambda: documents.proposal_pdf(rt, agencies, who, ref, carrier))
    except InvalidAgencyData:
        return render(
            request,
            "message.html",
            status=422,
            title="Nothing to propose",
            message="None of the quotes chosen is in this comparison: tick at least one quote.",
            back=f"/agency/c/{ref}",
        )
    if isinstance(got, HTMLResponse):
        return got
    return _download(*got, "application/pdf")


@router.get("/renewals", response_class=HTMLResponse)
def renewal_list(
    request: Request,
    who: MemberDep,
    agencies: DeskDep,
    days: Annotated[int, Query(ge=1, le=366)] = renewals.DEFAULT_DAYS,
) -> HTMLResponse:
    """Policies expiring within ``days``, with the latest re-rating and whether it found cheaper."""
    return render(
        request,
        "agency/renewals.html",
        who=who,
        days=days,
        due=renewals.due(agencies, who, dt.date.today(), days),
    )


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, who: MemberDep, agencies: DeskDep) -> HTMLResponse:
    """The agency's audit log, for its admins."""
    if not who.is_admin:
        raise Forbidden("Only the agency's admins may read its audit log.")
    return render(
        request, "agency/audit.html", who=who, entries=agencies.book.audit_log(who.agency.id)
    )


@router.get("/new-client", response_class=HTMLResponse)
def new_client_form(request: Request, who: MemberDep) -> HTMLResponse:
    """A client entered by hand (one who walked in, rather than a lead)."""
    return render(request, "agency/new_client.html", who=who, values={}, problem="")


@router.post("/new-client", response_class=HTMLResponse)
def new_client(
    request: Request,
    who: MemberDep,
    agencies: DeskDep,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    household: Annotated[str, Form(max_length=2000)] = "",
    zip: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Create the client, held by the member who enters it."""
    try:
        made = client_service.create(agencies, who, Identity(name, email, phone, household), zip)
    except InvalidAgencyData as exc:
        values = {"name": name, "email": email, "phone": phone, "household": household, "zip": zip}
        return render(
            request, "agency/new_client.html", status=422, who=who, values=values, problem=str(exc)
        )
    return RedirectResponse(f"/agency/clients/{made.id}", status_code=303)
