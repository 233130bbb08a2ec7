"""Who may read a carrier's leads: that carrier, with its key, and nobody else."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Any

from rateshop.errors import CarrierKeyRejected, UnknownCarrier
from rateshop.services import consent
from rateshop.services.runtime import Runtime

log = logging.getLogger(__name__)


def consent_wording(rt: Runtime, carrier: str) -> dict[str, Any]:
    """The wording in force to show before giving ``carrier`` a shopper's contact details."""
    info = rt.market.get(carrier)
    if info is None:
        raise UnknownCarrier(carrier)
    return {
        "carrier": carrier,
        "consent_version": consent.CURRENT,
        "wording": consent.wording(info.name),
    }


def authenticate(rt: Runtime, carrier: str, authorization: str | None) -> None:
    """Check the ``Authorization: Bearer KEY`` of a carrier's own route.

    A carrier without a configured key (``RATESHOP_CARRIER_KEYS``) has no access at all.
    """
    expected = rt.settings.carrier_keys.get(carrier)
    scheme, _, given = (authorization or "").partition(" ")
    if (
        expected is None
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(given.strip().encode(), expected.get_secret_value().encode())
    ):
        raise CarrierKeyRejected(carrier)


def leads(
    rt: Runtime, carrier: str, authorization: str | None, since: dt.datetime | None, limit: int
) -> dict[str, Any]:
    """The leads of ``carrier`` after ``since``, for the carrier itself."""
    authenticate(rt, carrier, authorization)
    found = rt.store.leads(carrier, since=since, limit=limit)
    log.info("carrier %s read %d leads", carrier, len(found))
    return {
        "carrier": carrier,
        "leads": [
            {
                "ref": c.ref,
                "consented_at": c.consented_at.isoformat(),
                "consent_version": c.consent_version,
                "wording": c.wording,
                "contact": c.contact,
            }
            for c in found
        ],
    }
