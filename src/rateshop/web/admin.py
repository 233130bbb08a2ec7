"""The admins' pages: carriers and their manual versions, uploading a version, and diffs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from rateshop.api.runtime import Runtime, RuntimeDep
from rateshop.compare.market import Market
from rateshop.errors import ManualNotFound
from rateshop.rating.plan import Plan
from rateshop.web.accounts import AdminDep
from rateshop.web.manual_diff import NotComparable, compare_versions
from rateshop.web.manual_upload import MAX_ZIP_BYTES, UploadRejected, install
from rateshop.web.pages import check_csrf, render

router = APIRouter(include_in_schema=False, prefix="/admin")


def _versions(rt: Runtime) -> dict[str, dict[str, list[Plan]]]:
    """Each carrier's versions by ``line/state``, oldest first."""
    out: dict[str, dict[str, list[Plan]]] = {carrier: {} for carrier in rt.market.carriers}
    for plan in rt.library:
        ident = plan.manual.identity
        out.setdefault(ident.carrier, {}).setdefault(f"{ident.line}/{ident.state}", []).append(plan)
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


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    user: AdminDep,
    rt: RuntimeDep,
    carrier: Annotated[str, Form()] = "",
    manual: Annotated[UploadFile | None, File()] = None,
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Install a new manual version from a .zip, or show every problem and change nothing."""
    check_csrf(request, csrf)
    if carrier not in rt.market.carriers:
        return _index(request, rt, 422, problems=["Choose the carrier the manual is for."])
    data = await manual.read(MAX_ZIP_BYTES + 1) if manual is not None else b""
    if not data:
        return _index(request, rt, 422, chosen=carrier, problems=["Choose a .zip file to upload."])
    try:
        installed = await run_in_threadpool(
            install, data, carrier, rt.settings.manuals.resolve(), rt.library
        )
    except UploadRejected as exc:
        return _index(request, rt, 422, chosen=carrier, problems=exc.problems)
    # Requests from now on rate with the new library; the catalog is read again alongside it.
    rt.library = installed.library
    rt.market = await run_in_threadpool(Market.load, rt.settings.market.resolve())
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
