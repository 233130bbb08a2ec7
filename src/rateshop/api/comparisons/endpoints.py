"""``/comparisons``: compare a risk (whole or streamed), read, rank and filter, export and delete it,
consent to contact; priced savings tips, replay with the exact manual versions, re-quote."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from rateshop.api.comparisons.schemas import (
    ComparisonOut,
    ContactRecorded,
    CreatedComparisonOut,
    ExportOut,
    ReplayOut,
    RequoteOut,
    TipsOut,
    WorksheetOut,
)
from rateshop.api.errors import (
    ERROR_RESPONSES,
    FORBIDDEN,
    NO_WORKSHEET,
    NOT_FOUND,
    WORKSHEET_GONE,
    as_json,
)
from rateshop.api.responses import FastJSONResponse
from rateshop.compare.market import RATING_ORDER
from rateshop.compare.ranking import Ranking
from rateshop.jsonwrite import json_text
from rateshop.risk.questions import Date, Risk
from rateshop.services import comparisons as service
from rateshop.services.contact import ContactRequest
from rateshop.services.runtime import RuntimeDep

router = APIRouter(prefix="/comparisons", tags=["comparisons"])

Ref = Annotated[
    str, Path(max_length=64, description="The reference a comparison was stored under.")
]
OwnerKey = Annotated[
    str,
    Header(
        alias="X-Owner-Key",
        max_length=128,
        description="The owner key given when the comparison was made (never the reference).",
    ),
]


async def view(
    rt: RuntimeDep,
    rank: Annotated[
        Ranking,
        Query(
            description=(
                "`price`: cheapest first. `like_for_like`: quotes for exactly the cover asked "
                "first, then those on the nearest cover a carrier offers, each cheapest first. "
                "`rating`: strongest financial-strength rating first."
            )
        ),
    ] = "price",
    group: Annotated[
        str | None, Query(description="Only carriers of this group (any case).")
    ] = None,
    min_rating: Annotated[
        str | None,
        Query(description=f"Only carriers rated this or better: {', '.join(RATING_ORDER)}."),
    ] = None,
    worksheets: Annotated[
        bool,
        Query(
            description=(
                "Each quote with its whole worksheet (`quote.worksheet`). Without it (the "
                "default) each quote carries `quote.worksheet_url`, where its worksheet is given "
                "on demand: answers are then about a tenth of the size."
            )
        ),
    ] = False,
) -> service.View:
    """The ranking, filters and worksheets of a comparison's answer (a coroutine: no thread)."""
    return service.View(rt, rank, group, min_rating, worksheets)


ViewDep = Annotated[service.View, Depends(view)]

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events: one `answer` event per carrier as it answers (an `AnswerOut`), "
            "then `done` (a `StreamDone`) once the comparison is stored; a failure after the "
            "stream began is a last `error` event (an `ErrorBody` with its `status`). A client "
            "that leaves before the last answer stops the comparison: nothing is stored, and no "
            "reference was given."
        ),
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
}


@router.post(
    "",
    status_code=201,
    response_model=CreatedComparisonOut,
    responses={**WORKSHEET_GONE, **ERROR_RESPONSES},
    summary="Compare a risk with every carrier and store the comparison",
)
async def create_comparison(risk: Risk, rt: RuntimeDep, shown: ViewDep) -> Response:
    return FastJSONResponse(await service.compare_and_store(rt, risk.facts(), shown), 201)


async def checked_events(
    risk: Risk, rt: RuntimeDep, response: Response
) -> AsyncIterator[service.Event]:
    """The comparison's events, the risk checked first: a risk no carrier can read is a plain 422,
    answered before the stream starts. The stream is never cached (its last event holds the
    owner key)."""
    response.headers["Cache-Control"] = "no-store"
    return await service.checked_stream(rt, risk.facts())


@router.post(
    "/stream",
    response_class=EventSourceResponse,
    responses={**STREAM_DOC, **as_json(ERROR_RESPONSES)},
    summary="Compare a risk, streaming each carrier's answer as it arrives",
)
async def stream_comparison(
    events: Annotated[AsyncIterator[service.Event], Depends(checked_events)],
) -> AsyncIterator[ServerSentEvent]:
    async for name, data in events:
        # Compact JSON holds no raw newline: each event is one ``data`` line.
        yield ServerSentEvent(event=name, raw_data=json_text(data))


@router.get(
    "/{ref}",
    response_model=ComparisonOut,
    responses={**NOT_FOUND, **WORKSHEET_GONE, **ERROR_RESPONSES},
    summary="A stored comparison",
)
def get_comparison(ref: Ref, rt: RuntimeDep, shown: ViewDep) -> Response:
    return FastJSONResponse(service.fetch(rt, ref, shown))


@router.get(
    "/{ref}/quotes/{carrier}/worksheet",
    response_model=WorksheetOut,
    responses={**NO_WORKSHEET, **ERROR_RESPONSES},
    summary="Why one quote costs what it does: its worksheet, step by step",
)
def quote_worksheet(
    ref: Ref,
    carrier: Annotated[str, Path(max_length=64, description="The carrier's id.")],
    rt: RuntimeDep,
) -> Response:
    """A quote's worksheet is made again from the stored risk with the exact manual version the
    quote came from, and given only when that gives the stored price to the cent; a live
    carrier's own worksheet is given as it sent it."""
    return FastJSONResponse(service.worksheet(rt, ref, carrier))


@router.get(
    "/{ref}/tips",
    response_model=TipsOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Priced ways to pay less, each a real re-rating by the carrier",
)
async def comparison_tips(
    ref: Ref,
    rt: RuntimeDep,
    top: Annotated[
        int, Query(ge=1, le=10, description="Tips for this many of the cheapest quotes.")
    ] = 3,
) -> Response:
    return FastJSONResponse(await service.savings_tips(rt, ref, top))


@router.get(
    "/{ref}/replay",
    response_model=ReplayOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Rate the stored answers again with their exact manual versions and check them",
)
def replay_comparison(ref: Ref, rt: RuntimeDep) -> Response:
    return FastJSONResponse(service.replay_stored(rt, ref))


@router.get(
    "/{ref}/requote",
    response_model=RequoteOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Re-rate the stored answers with the manuals in force on a date, with what changed",
)
def requote_comparison(
    ref: Ref,
    rt: RuntimeDep,
    on: Annotated[
        Date | None, Query(description="Use the manuals in force on this date (default today).")
    ] = None,
) -> Response:
    return FastJSONResponse(service.requote_stored(rt, ref, on or dt.date.today()))


@router.get(
    "/{ref}/export",
    response_model=ExportOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="Everything kept about a comparison, as JSON (never the contact details)",
)
def export_comparison(ref: Ref, rt: RuntimeDep) -> Response:
    return FastJSONResponse(rt.store.export(ref))


@router.delete(
    "/{ref}",
    status_code=204,
    response_class=Response,
    responses={**NOT_FOUND, **FORBIDDEN, **ERROR_RESPONSES},
    summary="Delete a comparison with its answers and contacts (needs its owner key)",
)
def delete_comparison(ref: Ref, owner_key: OwnerKey, rt: RuntimeDep) -> Response:
    rt.store.delete(ref, owner_key=owner_key)
    return Response(status_code=204)


@router.post(
    "/{ref}/contact",
    status_code=201,
    response_model=ContactRecorded,
    responses={**NOT_FOUND, **FORBIDDEN, **ERROR_RESPONSES},
    summary="Give contact details to ONE carrier of the comparison, with consent",
)
def contact_carrier(
    ref: Ref, request: ContactRequest, owner_key: OwnerKey, rt: RuntimeDep
) -> Response:
    return FastJSONResponse(service.record_contact(rt, ref, request, owner_key), 201)
