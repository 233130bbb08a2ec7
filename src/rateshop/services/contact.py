"""The contact details and consent a shopper sends to be contacted by ONE carrier: the API's body
and the pages' forms are checked by the same models (the wording agreed to is in
:mod:`rateshop.services.consent`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ().-]{7,}$"
# What each pattern asks for, in words (a problem's ``allowed``).
PATTERNS: Mapping[str, str] = {EMAIL_PATTERN: "an e-mail address", PHONE_PATTERN: "a phone number"}


class ContactDetails(BaseModel):
    """How the chosen carrier may reach the shopper: an e-mail address or a phone number at least."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL_PATTERN, examples=["a@b.org"]
    )
    phone: str | None = Field(
        default=None, max_length=32, pattern=PHONE_PATTERN, examples=["+1 512 555 0100"]
    )

    @model_validator(mode="after")
    def _reachable(self) -> ContactDetails:
        if self.email is None and self.phone is None:
            raise ValueError("give an email or a phone number")
        return self

    def fields(self) -> dict[str, str]:
        """The details given, without the empty ones."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ContactRequest(BaseModel):
    """The shopper picks ONE carrier of the comparison and agrees to give it these details."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(
        max_length=64, description="The id of one carrier that answered in the comparison."
    )
    contact: ContactDetails
    consent: Literal[True] = Field(
        description="Must be true: the shopper agrees to share the details with this carrier only."
    )
    consent_version: str = Field(
        max_length=32,
        description="The version of the consent wording shown to the shopper "
        "(`GET /consent/{carrier}`); only the one in force is accepted.",
    )
