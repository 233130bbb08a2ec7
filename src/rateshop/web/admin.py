"""The admins' pages: carriers and their manual versions, uploading a version, diffs, and how the
live carriers are doing.

An upload is judged from its headers before its body is read: the session must be an admin's and
the request must come from this site, so nobody else can make the server take in megabytes. The
body is then read up to :data:`MAX_UPLOAD_BYTES` (by its Content-Length, and counted as it streams
in, for a chunked body) and parsed; only then is the form's CSRF token checked as on every form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from rateshop.carriers.health import FAILURE_KINDS, OUTCOMES
from rateshop.errors import ManualNotFound
from rateshop.manual.model import Identity
from rateshop.services.carrier_health import report as health_report
from rateshop.services.manual_diff import NotComparable, compare_versions
from rateshop.services.manual_upload import MAX_ZIP_BYTES, UploadRejected, install
from rateshop.services.market import publish
from rateshop.services.runtime import Runtime, RuntimeDep
from rateshop.store.errors import UploadExists
from rateshop.web.accounts import AdminDep
from rateshop.web.csrf import check_csrf
from rateshop.web.pages import render

router = APIRouter(include_in_schema=False, prefix="/admin")

# The .zip and the form's few fields around it.
MAX_UPLOAD_BYTES = MAX_ZIP_BYTES + 64 * 1024


class BodyTooLarge(UploadRejected):
    """The request's body is larger than an upload may be."""

    def __init__(self) -> None:
        super().__init__([f"the upload is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB"])


@dataclass(frozen=True)
class Version:
    """One manual version as the admin page lists it: its identity and content hash."""

    identity: Identity
    content_hash: str


def _versions(rt: Runtime) -> dict[str, dict[str, list[Version]]]:
    """Each carrier's versions by ``line/state``, oldest first, listed without compiling any
    (a content hash is read from the manual's files once, then kept in the index)."""
    out: dict[str, dict[str, list[Version]]] = {carrier: {} for carrier in rt.market.carriers}
    for entry in rt.library.entries():
        ident = entry.identity
        try:
            found = Version(ident, rt.library.hash_of(entry))
        except OSError:  # its files went away since the listing: nothing to show of it
            continue
        out.setdefault(ident.carrier, {}).setdefault(f"{ident.line}/{ident.state}", []).append(
            found
        )
    rt.library.save_index()
    return out


def _index(request: Request, rt: Runtime, status: int = 200, **extra: Any) -> HTMLResponse:
    return render(
        request,
        "admin/index.html",
        status=status,
        carriers=rt.market.carriers,
        versions=_versions(rt),
        **{"problems": [], "installed": None, "chosen": "", **extra},
    )


@router.get("", response_class=HTMLResponse)
def index(request: Request, user: AdminDep, rt: RuntimeDep) -> HTMLResponse:
    """Every carrier with its manual versions, effective dates and content hashes."""
    return _index(request, rt)


async def _read_form(request: Request) -> FormData:
    """The multipart form of ``request``, read only up to :data:`MAX_UPLOAD_BYTES`.

    :class:`BodyTooLarge` as soon as the declared or the received length passes the limit;
    :class:`UploadRejected` for a body that is not a form.
    """
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_UPLOAD_BYTES):
        raise BodyTooLarge()
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > MAX_UPLOAD_BYTES:
            raise BodyTooLarge()
        return message

    try:
        return await Request(request.scope, receive).form(max_files=1, max_fields=8)
    except HTTPException as exc:  # what Starlette makes of a malformed multipart body
        raise UploadRejected([f"the upload could not be read: {exc.detail}"]) from exc


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, user: AdminDep, rt: RuntimeDep) -> HTMLResponse:
    """Install a new manual version from a .zip, or show every problem and change nothing.

    The admin session (``user``) and where the request comes from (see :mod:`rateshop.web.csrf`)
    are checked before the body is read.
    """
    try:
        form = await _read_form(request)
    except UploadRejected as exc:
        status = 413 if isinstance(exc, BodyTooLarge) else 400
        return _index(request, rt, status, problems=exc.problems)
    try:
        return await _install(request, rt, form)
    finally:
        await form.close()


async def _install(request: Request, rt: Runtime, form: FormData) -> HTMLResponse:
    csrf, carrier, manual = form.get("csrf"), form.get("carrier"), form.get("manual")
    check_csrf(request, csrf if isinstance(csrf, str) else None)
    if not isinstance(carrier, str) or carrier not in rt.market.carriers:
        return _index(request, rt, 422, problems=["Choose the carrier the manual is for."])
    data = await manual.read(MAX_ZIP_BYTES + 1) if isinstance(manual, UploadFile) else b""
    if not data:
        return _index(request, rt, 422, chosen=carrier, problems=["Choose a .zip file to upload."])
    try:
        installed = await run_in_threadpool(
            install,
            data,
            carrier,
            rt.settings.manuals.resolve(),
            rt.library,
            partial(publish, rt.store.uploads),
        )
    except UploadRejected as exc:
        return _index(request, rt, 422, chosen=carrier, problems=exc.problems)
    except UploadExists as exc:
        problem = f"{exc}; versions are never replaced"
        return _index(request, rt, 422, chosen=carrier, problems=[problem])
    return _index(request, rt, chosen=carrier, installed=installed.plan)


@router.get("/diff", response_class=HTMLResponse)
def diff(
    request: Request,
    user: AdminDep,
    rt: RuntimeDep,
    a: Annotated[str, Query(max_length=64)] = "",
    b: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The differences between two versions (by content hash) of one carrier/line/state."""
    try:
        changes = compare_versions(rt.library.by_hash(a), rt.library.by_hash(b))
    except (ManualNotFound, NotComparable) as exc:
        message = str(exc) if isinstance(exc, NotComparable) else "No manual version has that hash."
        return render(
            request, "message.html", status=404 if isinstance(exc, ManualNotFound) else 422,
            title="Cannot compare", message=message, back="/admin",
        )  # fmt: skip
    return render(request, "admin/diff.html", diff=changes)


@dataclass(frozen=True)
class HealthRow:
    """One live carrier's line on the health page, in the words and units an admin reads."""

    carrier: str
    name: str
    connector: str
    calls: int
    latency_ms: tuple[str, str, str]  # p50, p95, p99; "–" before any call
    shares: tuple[str, ...]  # per outcome of OUTCOMES, as whole percents
    failures: tuple[int, ...]  # per kind of FAILURE_KINDS
    breaker: str


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.0f}"


def health_rows(rt: Runtime) -> tuple[float, list[HealthRow]]:
    """The rolling window in seconds and a row per live carrier, as ``/carriers/health`` says."""
    said = health_report(rt)
    rows = []
    for c in said["carriers"]:
        latency = c["latency_seconds"]
        rows.append(
            HealthRow(
                carrier=c["carrier"],
                name=rt.market.carriers[c["carrier"]].name,
                connector=c["connector"],
                calls=c["count"],
                latency_ms=(_ms(latency["p50"]), _ms(latency["p95"]), _ms(latency["p99"])),
                shares=tuple(f"{c['shares'].get(o, 0.0):.0%}" for o in OUTCOMES),
                failures=tuple(c["failures"].get(k, 0) for k in FAILURE_KINDS),
                breaker=c["breaker"].replace("_", "-"),
            )
        )
    return float(said["window_seconds"]), rows


@router.get("/carriers", response_class=HTMLResponse)
def carrier_health(request: Request, user: AdminDep, rt: RuntimeDep) -> HTMLResponse:
    """Each live carrier over the rolling window: latency, outcome shares, failures, breaker."""
    window, rows = health_rows(rt)
    return render(
        request,
        "admin/carriers.html",
        window_minutes=round(window / 60),
        rows=rows,
        outcomes=OUTCOMES,
        kinds=[k.replace("_", " ") for k in FAILURE_KINDS],
    )
