"""``/consent/{carrier}`` (the wording to show) and ``/carriers/{carrier}/leads`` (for the carrier)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response
from pydantic import AfterValidator, AwareDatetime

from rateshop.answers import ErrorBody
from rateshop.api.comparisons.schemas import ConsentWordingOut
from rateshop.api.errors import ERROR_RESPONSES, UNAUTHORIZED
from rateshop.api.leads.schemas import LeadsOut
from rateshop.api.responses import FastJSONResponse
from rateshop.services import carrier_leads as service
from rateshop.services.runtime import RuntimeDep

router = APIRouter(tags=["leads"])

CarrierId = Annotated[str, Path(max_length=64, description="A carrier's id.")]


def _plausible(moment: dt.datetime) -> dt.datetime:
    # Far years overflow when converted to UTC; no lead predates this service or follows 2100.
    if not 2000 <= moment.year <= 2100:
        raise ValueError("must be a moment between the years 2000 and 2100")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
UNKNOWN: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "No carrier of the market has this id."}
}


@router.get(
    "/consent/{carrier}",
    response_model=ConsentWordingOut,
    responses={**UNKNOWN, **ERROR_RESPONSES},
    summary="The consent wording to show before a shopper gives this carrier their details",
)
def consent_wording(carrier: CarrierId, rt: RuntimeDep) -> Response:
    return FastJSONResponse(service.consent_wording(rt, carrier))


@router.get(
    "/carriers/{carrier}/leads",
    response_model=LeadsOut,
    responses={**UNAUTHORIZED, **ERROR_RESPONSES},
    summary="For the carrier itself: the contact details shoppers chose to give it",
)
def carrier_leads(
    carrier: CarrierId,
    rt: RuntimeDep,
    authorization: Annotated[
        str | None,
        Header(max_length=512, description="`Bearer KEY`, the carrier's key."),
    ] = None,
    since: Annotated[
        Moment | None,
        Query(description="Only leads given after this moment (with its UTC offset)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Response:
    return FastJSONResponse(service.leads(rt, carrier, authorization, since, limit))
