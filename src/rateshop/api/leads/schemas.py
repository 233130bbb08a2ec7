"""Bodies of the leads routes."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from rateshop.api.schemas import Out


class LeadOut(Out):
    """A shopper's contact details, given with consent to this carrier alone."""

    ref: str = Field(description="The comparison the shopper chose this carrier in.")
    consented_at: dt.datetime
    consent_version: str | None
    wording: str | None = Field(description="What the shopper agreed to, word for word.")
    contact: dict[str, str]


class LeadsOut(Out):
    carrier: str
    leads: list[LeadOut] = Field(description="Oldest first; ask again with `since` for more.")
