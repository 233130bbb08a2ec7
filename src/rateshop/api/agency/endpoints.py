"""``/agencies``: the agencies a shopper may ask to be contacted by, their consent wording, and
the request itself (with the comparison's owner key). Thin: the work is in
:mod:`rateshop.services.agency`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from rateshop.api.agency.schemas import (
    AgenciesOut,
    AgencyConsentOut,
    AgencyLeadOut,
    AgencyLeadRequest,
)
from rateshop.api.errors import ERROR_RESPONSES, FORBIDDEN, NOT_FOUND
from rateshop.api.responses import FastJSONResponse
from rateshop.services.agency import leads
from rateshop.services.agency.desk import DeskDep

router = APIRouter(prefix="/agencies", tags=["agencies"])


AgencyId = Annotated[int, Path(ge=1, le=2**62, description="An agency's id.")]


@router.get(
    "", response_model=AgenciesOut, responses=ERROR_RESPONSES, summary="The agencies, by name"
)
def list_agencies(agencies: DeskDep) -> Response:
    found = agencies.agencies.agencies()
    return FastJSONResponse(
        {"agencies": [{"id": a.id, "name": a.name, "licence": a.licence} for a in found]}
    )


@router.get(
    "/{agency_id}/consent",
    response_model=AgencyConsentOut,
    responses={**NOT_FOUND, **ERROR_RESPONSES},
    summary="The consent wording to show before a shopper asks this agency to contact them",
)
def agency_consent(agency_id: AgencyId, agencies: DeskDep) -> Response:
    agency = agencies.agencies.agency(agency_id)
    return FastJSONResponse(
        {
            "agency_id": agency.id,
            "consent_version": leads.CURRENT,
            "wording": leads.wording(agency),
        }
    )


@router.post(
    "/{agency_id}/leads",
    status_code=201,
    response_model=AgencyLeadOut,
    responses={**NOT_FOUND, **FORBIDDEN, **ERROR_RESPONSES},
    summary="Ask ONE agency to contact the shopper about a comparison, with consent",
)
async def ask_agency(
    agency_id: AgencyId,
    request: AgencyLeadRequest,
    agencies: DeskDep,
    owner_key: Annotated[
        str,
        Header(alias="X-Owner-Key", max_length=128, description="The comparison's owner key."),
    ],
) -> Response:
    lead = await run_in_threadpool(
        leads.request_contact,
        agencies,
        request.ref,
        agency_id,
        request.contact.fields(),
        owner_key=owner_key,
        consent_version=request.consent_version,
    )
    return FastJSONResponse(
        {
            "lead": lead.id,
            "agency_id": agency_id,
            "consented_at": lead.consented_at.isoformat(),
            "consent_version": lead.consent_version,
            "wording": lead.wording,
        },
        201,
    )
