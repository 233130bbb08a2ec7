"""The agents' console: the comparisons they made, searched; notes, re-quote and export of each."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rateshop.errors import RateshopError
from rateshop.risk.questions import LINES
from rateshop.services import comparisons as service
from rateshop.services.agency.desk import DeskDep
from rateshop.services.agency.differences import differences
from rateshop.services.runtime import RuntimeDep
from rateshop.store.accounts import InvalidAccount, Search, User
from rateshop.store.errors import ComparisonNotFound
from rateshop.web import views
from rateshop.web.accounts import AccountsDep, StaffDep
from rateshop.web.pages import render
from rateshop.web.questions import LINE_NAMES

router = APIRouter(include_in_schema=False, prefix="/console")


def _not_yours(request: Request) -> HTMLResponse:
    return render(
        request,
        "message.html",
        status=404,
        title="Not found",
        message="None of your comparisons has this reference.",
        back="/console",
    )


@router.get("", response_class=HTMLResponse)
def console(
    request: Request,
    user: StaffDep,
    users: AccountsDep,
    rt: RuntimeDep,
    line: Annotated[str, Query()] = "",
    state: Annotated[str, Query()] = "",
    ref: Annotated[str, Query(max_length=64)] = "",
    day: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """The comparisons this user made, newest first, filtered by line, state, reference and day."""
    problems: dict[str, str] = {}
    when: dt.date | None = None
    if day:
        try:
            when = dt.date.fromisoformat(day)
        except ValueError:
            problems["day"] = "Enter a date like 2026-03-01."
    if line and line not in LINES:
        problems["line"] = f"Choose one of {', '.join(LINES)}."
    if state and state.upper() not in rt.states:
        problems["state"] = "Choose a state from the list."
    search = Search(line=line, state=state, ref=ref.strip(), day=when)
    found = [] if problems else users.comparisons(user, search)
    return render(
        request,
        "console/list.html",
        status=422 if problems else 200,
        found=found,
        search={"line": line, "state": state.upper(), "ref": ref, "day": day},
        problems=problems,
        lines=[(name, LINE_NAMES.get(name, name)) for name in LINES],
        states=sorted(rt.states),
        line_names=LINE_NAMES,
    )


def _page(request: Request, user: User, ref: str, rt: RuntimeDep, users: AccountsDep,
          status: int = 200, **extra: Any) -> HTMLResponse:  # fmt: skip
    stored = rt.store.get(ref)
    before = extra.get("requoted_from", "")
    changes = None
    if before and users.made_by(before, user):
        changes = differences(rt.store.get(before), stored, rt.library)
    return render(
        request,
        "console/comparison.html",
        changes=changes,
        status=status,
        view=views.results(stored, rt.library),
        stored=stored,
        line_name=LINE_NAMES.get(stored.line, stored.line),
        notes=users.notes(ref),
        **{"note": "", "note_problem": "", "requoted_from": "", "moved_from": "", **extra},
    )


@router.get("/c/{ref}", response_class=HTMLResponse)
def comparison(
    request: Request,
    ref: str,
    user: StaffDep,
    users: AccountsDep,
    rt: RuntimeDep,
    requoted_from: Annotated[str, Query(max_length=64)] = "",
    moved_from: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """One of this user's comparisons: its quotes in short, notes, re-quote and export."""
    if not users.made_by(ref, user):
        return _not_yours(request)
    try:
        return _page(
            request, user, ref, rt, users, requoted_from=requoted_from, moved_from=moved_from
        )
    except ComparisonNotFound:
        return _not_yours(request)


@router.post("/c/{ref}/notes", response_class=HTMLResponse)
def add_note(
    request: Request,
    ref: str,
    user: StaffDep,
    users: AccountsDep,
    rt: RuntimeDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Add a note; an empty or over-long one is sent back with the reason beside the field."""
    if not users.made_by(ref, user):
        return _not_yours(request)
    try:
        users.add_note(ref, user, text)
    except InvalidAccount:
        return _page(
            request,
            user,
            ref,
            rt,
            users,
            status=422,
            note=text,
            note_problem="Write a note of 1 to 5000 characters.",
        )
    return RedirectResponse(f"/console/c/{ref}#notes", status_code=303)


@router.post("/c/{ref}/requote", response_class=HTMLResponse)
async def requote(
    request: Request,
    ref: str,
    user: StaffDep,
    users: AccountsDep,
    rt: RuntimeDep,
    desk: DeskDep,
) -> Response:
    """Compare the stored risk again with the manuals in force on its start date.

    The start date stays as stored; one already past moves to today (a policy cannot start in the
    past) and the page says so. The answers are a new comparison, made by this user, with the notes
    of the one before; the page then shows its link and what changed, carrier by carrier.
    """
    if not await run_in_threadpool(users.made_by, ref, user):
        return _not_yours(request)
    stored = await run_in_threadpool(rt.store.get, ref)
    try:
        new_ref, start = await service.compare_again(rt, stored)
    except RateshopError as exc:
        # The market no longer reads this risk (a question changed, a line withdrawn): say why.
        return render(
            request,
            "message.html",
            status=422,
            title="Cannot re-quote",
            message=f"The carriers cannot quote this risk today: {exc}",
            back=f"/console/c/{ref}",
        )
    await run_in_threadpool(users.link, new_ref, user)
    # The notes are the agent's knowledge of the customer: they follow the re-quote.
    await run_in_threadpool(desk.agencies.copy_comparison_notes, ref, new_ref)
    moved = "" if start == stored.effective else f"&moved_from={stored.effective.isoformat()}"
    return RedirectResponse(f"/console/c/{new_ref}?requoted_from={ref}{moved}", status_code=303)


@router.get("/c/{ref}/export")
def export(
    request: Request, ref: str, user: StaffDep, users: AccountsDep, rt: RuntimeDep
) -> Response:
    """All that is kept about the comparison, as a JSON file (contact details stay encrypted)."""
    if not users.made_by(ref, user):
        return _not_yours(request)
    try:
        data = rt.store.export(ref)
    except ComparisonNotFound:
        return _not_yours(request)
    return Response(
        json.dumps(data, indent=2, default=str),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="rateshop-{data.get("line", "comparison")}.json"',
            "Cache-Control": "no-store",
        },
    )
