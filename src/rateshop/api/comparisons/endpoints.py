"""``/comparisons``: compare a risk (whole or streamed), read, export and delete it, consent to contact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response, StreamingResponse

from rateshop.api.comparisons import service
from rateshop.api.comparisons.schemas import (
    ComparisonOut,
    ContactRecorded,
    ContactRequest,
    ExportOut,
)
from rateshop.api.errors import ERROR_RESPONSES, NOT_FOUND
from rateshop.api.risks import Risk
from rateshop.api.runtime import RuntimeDep

router = APIRouter(prefix="/comparisons", tags=["comparisons"])

Ref = Annotated[str, Path(description="The reference a comparison was stored under.")]

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events: one `answer` event per carrier as it answers (an `AnswerOut`), "
            "then `done` (a `StreamDone`) once the comparison is stored; a failure after the "
            "stream began is a last `error` event (an `ErrorBody` with its `status`)."
        ),
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
}


@router.post(
    "",
    status_code=201,
    response_model=ComparisonOut,
    responses=ERROR_RESPONSES,
    summary="Compare a risk with every carrier and store the comparison",
)
async def create_comparison(risk: Risk, rt: RuntimeDep) -> Response:
    return JSONResponse(await service.compare_and_store(rt, risk.facts()), 201)


@router.post(
    "/stream",
    response_class=StreamingResponse,
    responses={**STREAM_DOC, **ERROR_RESPONSES},
    summary="Compare a risk, streaming each carrier's answer as it arrives",
)
async def stream_comparison(risk: Risk, rt: RuntimeDep) -> StreamingResponse:
    data = risk.facts()
    # Checked before the stream starts, so a risk no carrier can read is still a plain 422.
    facts, connectors = service.carriers_for(rt, data)
    return StreamingResponse(
        service.stream_and_store(rt, data, facts, connectors),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/{ref}",
    response_model=ComparisonOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="A stored comparison",
)
def get_comparison(ref: Ref, rt: RuntimeDep) -> Response:
    return JSONResponse({"ref": ref, **rt.store.get(ref).to_dict()})


@router.get(
    "/{ref}/export",
    response_model=ExportOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Everything kept about a comparison, as JSON",
)
def export_comparison(
    ref: Ref,
    rt: RuntimeDep,
    include_contact: Annotated[
        bool, Query(description="Decrypt the contact details given with consent.")
    ] = False,
) -> Response:
    return JSONResponse(rt.store.export(ref, include_contact=include_contact))


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Delete a comparison with its answers and contacts",
)
def delete_comparison(ref: Ref, rt: RuntimeDep) -> Response:
    rt.store.delete(ref)
    return Response(status_code=204)


@router.post(
    "/{ref}/contact",
    status_code=201,
    response_model=ContactRecorded,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Give contact details to ONE carrier of the comparison, with consent",
)
def contact_carrier(ref: Ref, request: ContactRequest, rt: RuntimeDep) -> Response:
    return JSONResponse(service.record_contact(rt, ref, request), 201)
