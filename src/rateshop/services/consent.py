"""The consent wording a shopper agrees to before one carrier is given their contact details.

The wording is the server's own text, never the client's: a client shows the version it fetched
(``GET /consent/{carrier}``) and sends that version back with the consent; the store keeps the
version and the words. A new wording is a new version added below; old versions stay, so every
stored consent still says what was agreed.
"""

from __future__ import annotations

from collections.abc import Mapping

from rateshop.errors import FieldProblem, RiskError

WORDINGS: Mapping[str, str] = {
    "2026-12-01": (
        "I agree that rateshop gives the contact details above to {carrier}, and to no one else, "
        "so that {carrier} can contact me about this quote. I can withdraw by deleting the "
        "comparison with its owner key."
    ),
}
CURRENT = "2026-12-01"


def wording(carrier_name: str, version: str = CURRENT) -> str:
    """The consent text of ``version`` for a carrier, as the shopper reads it."""
    return WORDINGS[version].format(carrier=carrier_name)


def check_version(version: str) -> None:
    """Only the current wording can be agreed to now: an older one means the client is stale."""
    if version != CURRENT:
        problem = f"{version!r} is not the consent wording in force"
        raise RiskError([FieldProblem("consent_version", problem, CURRENT)])
