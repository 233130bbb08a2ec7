"""Bodies of the agency routes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rateshop.api.schemas import Out
from rateshop.services.contact import ContactDetails


class AgencyOut(Out):
    id: int
    name: str
    licence: str = Field(description="The agency's licence number.")


class AgenciesOut(Out):
    agencies: list[AgencyOut] = Field(description="By name.")


class AgencyConsentOut(Out):
    """The consent text to show before a shopper asks this agency to contact them."""

    agency_id: int
    consent_version: str
    wording: str


class AgencyLeadRequest(BaseModel):
    """The shopper asks ONE agency to contact them about one of their comparisons."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(max_length=64, description="The comparison the agency may see.")
    contact: ContactDetails
    consent: Literal[True] = Field(
        description="Must be true: the shopper agrees to give the details to this agency only."
    )
    consent_version: str = Field(
        max_length=32,
        description="The version of the wording shown (`GET /agencies/{agency_id}/consent`).",
    )


class AgencyLeadOut(Out):
    lead: int = Field(description="The request's number in the agency's inbox.")
    agency_id: int
    consented_at: dt.datetime
    consent_version: str
    wording: str
