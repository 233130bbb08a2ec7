"""The shopper's side of the agency: ask ONE agency to contact you about a comparison.

The request lands in that agency's lead inbox with the consent wording agreed to; no agency sees a
shopper's comparison without it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rateshop.errors import RiskError
from rateshop.services.agency import leads
from rateshop.services.agency.desk import DeskDep
from rateshop.store.errors import (
    AgencyNotFound,
    ComparisonNotFound,
    InvalidContact,
    OwnerKeyRejected,
)
from rateshop.web.pages import render
from rateshop.web.shop import OWNER_COOKIE, REACHABLE, contact_problems, not_found, not_owner

router = APIRouter(include_in_schema=False)


@router.get("/c/{ref}/agency", response_class=HTMLResponse)
def agencies(request: Request, ref: str, agencies: DeskDep) -> HTMLResponse:
    """The agencies a shopper may ask to be contacted by."""
    if OWNER_COOKIE not in request.cookies:
        return not_owner(request, ref)
    return render(request, "agency/pick.html", ref=ref, agencies=agencies.agencies.agencies())


def _form(
    request: Request, ref: str, agencies: DeskDep, agency_id: int, status: int = 200,
    values: dict[str, str] | None = None, problems: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    try:
        agency = agencies.agencies.agency(agency_id)
    except AgencyNotFound:
        return not_found(request, "No such agency.")
    return render(
        request,
        "agency/contact.html",
        status=status,
        ref=ref,
        agency=agency,
        wording=leads.wording(agency),
        consent_version=leads.CURRENT,
        values=values or {},
        problems=problems or {},
    )


@router.get("/c/{ref}/agency/{agency_id}", response_class=HTMLResponse)
def contact_form(request: Request, ref: str, agency_id: int, agencies: DeskDep) -> HTMLResponse:
    """Contact details for ONE agency, with its consent wording in full."""
    if OWNER_COOKIE not in request.cookies:
        return not_owner(request, ref)
    return _form(request, ref, agencies, agency_id)


@router.post("/c/{ref}/agency/{agency_id}", response_class=HTMLResponse)
def contact(
    request: Request,
    ref: str,
    agency_id: int,
    agencies: DeskDep,
    name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    agreed: Annotated[str, Form(alias="consent")] = "",
    consent_version: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Keep the consent and the encrypted details in the agency's lead inbox."""
    owner_key = request.cookies.get(OWNER_COOKIE)
    if owner_key is None:
        return not_owner(request, ref)
    values = {"name": name, "email": email, "phone": phone}
    problems = contact_problems({k: v.strip() for k, v in values.items() if v.strip()})
    if agreed != "yes":
        problems["consent"] = "Tick the box to agree, or go back: nothing is shared without it."
    if problems:
        return _form(request, ref, agencies, agency_id, 422, values, problems)
    try:
        lead = leads.request_contact(
            agencies, ref, agency_id, values, owner_key=owner_key, consent_version=consent_version
        )
    except (RiskError, InvalidContact):
        problems = {"email": REACHABLE}
        return _form(request, ref, agencies, agency_id, 422, values, problems)
    except AgencyNotFound:
        return not_found(request, "No such agency.")
    except ComparisonNotFound:
        return not_found(request, "No comparison has this link. It may have been deleted.")
    except OwnerKeyRejected:
        return not_owner(request, ref)
    agency = agencies.agencies.agency(agency_id)
    return render(
        request,
        "message.html",
        title="Request sent",
        message=(
            f"Your details and this comparison were given to {agency.name} only, with your "
            f"consent (request {lead.id}). One of its agents will contact you."
        ),
        back=f"/c/{ref}",
    )
