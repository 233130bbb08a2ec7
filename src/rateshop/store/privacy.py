"""What of a risk the store may keep: rating facts, never who the shopper is.

Rating needs no name, e-mail, phone or street address, so the stored request is the risk with such
fields removed at any depth (a driver's name as much as the applicant's). Facts that rating does use
stay, even where they are personal: birth dates (age), ZIP codes (territory), VINs (the vehicle).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rateshop.errors import FieldProblem, RiskError

# Compared after lower-casing and dropping everything but letters and digits, so ``E-mail``,
# ``email_address`` and ``emailAddress`` all match.
IDENTITY_KEYS = frozenset(
    {
        "name",
        "firstname",
        "lastname",
        "middlename",
        "fullname",
        "givenname",
        "familyname",
        "surname",
        "email",
        "emailaddress",
        "phone",
        "phonenumber",
        "telephone",
        "mobile",
        "mobilephone",
        "cellphone",
        "address",
        "street",
        "streetaddress",
        "address1",
        "address2",
        "addressline1",
        "addressline2",
        "ssn",
        "socialsecuritynumber",
        "licencenumber",
        "licensenumber",
        "driverslicencenumber",
        "driverslicensenumber",
    }
)


_SCALARS = (str, int, float, type(None))


# Requests name the same few dozen fields again and again: each name is judged once (a bounded
# cache, since a request may name anything).
@lru_cache(maxsize=4096)
def is_identity_key(key: str) -> bool:
    """Whether a field with this name identifies a person rather than describing a risk."""
    return "".join(ch for ch in key.lower() if ch.isalnum()) in IDENTITY_KEYS


def without_identity(value: Any) -> Any:
    """``value`` with every identity field removed from every mapping inside it."""
    if isinstance(value, _SCALARS):  # most values: answered before the costlier checks
        return value
    if isinstance(value, Mapping):
        return {k: without_identity(v) for k, v in value.items() if not is_identity_key(str(k))}
    if isinstance(value, list | tuple):
        return [without_identity(v) for v in value]
    return value


def storable_risk(risk: Mapping[str, Any]) -> dict[str, Any]:
    """The risk as plain JSON data without identity fields: what the store keeps of a request.

    Dates and decimals become ISO text and decimal text (as they would arrive in a JSON request);
    anything else that JSON cannot hold is a :class:`~rateshop.errors.RiskError`.
    """
    try:
        plain = json.loads(json.dumps(risk, default=_jsonable, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise RiskError([FieldProblem("risk", f"cannot be stored as JSON: {exc}")]) from exc
    cleaned = without_identity(plain)
    assert isinstance(cleaned, dict)
    return cleaned


def _jsonable(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")
