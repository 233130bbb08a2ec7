"""The market catalog: ``/carriers``, ``/lines``, ``/states``, coverages on offer, one carrier's rate."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from rateshop.answers import ErrorBody
from rateshop.api.catalog.schemas import Carrier, CoveragesOut, LineOut, StateOut
from rateshop.api.errors import ERROR_RESPONSES
from rateshop.api.schemas import DeclineOut, QuoteOut
from rateshop.risk.questions import STATE_PATTERN, Date, LineName, Risk
from rateshop.services import catalog as service
from rateshop.services.runtime import RuntimeDep

router = APIRouter(tags=["catalog"])

StateQuery = Annotated[str, Query(pattern=STATE_PATTERN, description="Two-letter state code.")]
Rated = Annotated[QuoteOut | DeclineOut, Field(discriminator="kind")]


@router.get("/carriers", response_model=list[Carrier], responses=ERROR_RESPONSES)
def list_carriers(
    rt: RuntimeDep,
    line: Annotated[LineName | None, Query(description="Only carriers writing this line.")] = None,
    state: Annotated[
        str | None, Query(pattern=STATE_PATTERN, description="Only carriers writing in this state.")
    ] = None,
    group: Annotated[str | None, Query(description="Only carriers of this group.")] = None,
) -> list[Carrier]:
    """The carriers of the market (sample data), with their groups, ratings and what they write."""
    return service.carriers(rt, line, state.upper() if state else None, group)


@router.get("/lines", response_model=list[LineOut])
def list_lines(rt: RuntimeDep) -> list[LineOut]:
    """The lines compared, with the carriers writing each and where."""
    return service.lines(rt)


@router.get("/states", response_model=list[StateOut])
def list_states(rt: RuntimeDep) -> list[StateOut]:
    """The states of the market with their minimum auto limits and the lines written there."""
    return service.states(rt)


@router.get("/lines/{line}/coverages", response_model=CoveragesOut, responses=ERROR_RESPONSES)
def list_coverages(
    rt: RuntimeDep,
    line: Annotated[LineName, Path()],
    state: StateQuery,
    as_of: Annotated[
        Date | None, Query(description="The manuals in force on this date (default today).")
    ] = None,
) -> CoveragesOut:
    """The coverage options offered across the carriers of a line in a state, by carrier."""
    return service.coverages(rt, line, state.upper(), as_of or dt.date.today())


@router.post(
    "/carriers/{carrier}/rate",
    response_model=Rated,
    responses={
        404: {"model": ErrorBody, "description": "No carrier has this id."},
        **ERROR_RESPONSES,
    },
)
def rate_with_carrier(
    carrier: Annotated[str, Path(description="The carrier's id, e.g. `harborview`.")],
    risk: Risk,
    rt: RuntimeDep,
) -> Response:
    """Rate a risk with one carrier's manual in force on its effective date: a quote or a decline."""
    return JSONResponse(service.rate_with(rt, carrier, risk.facts()))
