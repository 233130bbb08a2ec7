"""``/consent/{carrier}`` (the wording to show) and ``/carriers/{carrier}/leads`` (for the carrier)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response

from rateshop.api.comparisons.schemas import ConsentWordingOut
from rateshop.api.errors import ERROR_RESPONSES, UNAUTHORIZED, ErrorBody
from rateshop.api.leads import service
from rateshop.api.leads.schemas import LeadsOut
from rateshop.api.responses import FastJSONResponse
from rateshop.api.runtime import RuntimeDep

router = APIRouter(tags=["leads"])

CarrierId = Annotated[str, Path(max_length=64, description="A carrier's id.")]
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
        dt.datetime | None, Query(description="Only leads given after this moment.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Response:
    return FastJSONResponse(service.leads(rt, carrier, authorization, since, limit))
