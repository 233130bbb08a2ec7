"""The store's branch of the rateshop error tree.

::

    RateshopError
    └── StoreError               the store could not do what was asked
        ├── SecretKeyMissing     RATESHOP_SECRET_KEY is unset or too short outside dev mode
        ├── ComparisonNotFound   no comparison has this reference (never saved, deleted or purged)
        ├── OwnerKeyRejected     deleting or consenting needs the comparison's owner key
        ├── CarrierNotInComparison  consent named a carrier that did not answer in the comparison
        ├── InvalidContact       contact details are not a non-empty mapping of text to text
        ├── ContactUnreadable    stored contact details cannot be decrypted with the key in force
        ├── UnstorableComparison a comparison cannot be stored exactly (e.g. an amount below a cent)
        ├── UploadExists         this manual version (or its folder) was uploaded already
        ├── AgencyStoreError     the agency's data cannot be read or changed as asked
        │   ├── AgencyNotFound   no agency has this id (or name)
        │   ├── NotAMember       the user works for no agency, or for another one
        │   ├── LeadNotFound     no lead of this agency has this id
        │   ├── ClientNotFound   no client of this agency, visible to this user, has this id
        │   └── InvalidAgencyData  a name, note, policy or contact that cannot be stored
        └── StoreFailure         the database failed; the failing call changed nothing
            └── StoreFull        the database's disk (or its size limit) is full
"""

from __future__ import annotations

from rateshop.errors import RateshopError


class StoreError(RateshopError):
    """Base of the errors the store raises on purpose."""


class SecretKeyMissing(StoreError):
    """The store was opened without a usable ``RATESHOP_SECRET_KEY`` and not in dev mode."""


def _short(ref: str) -> str:
    # A reference is a bearer secret (whoever holds it can read the comparison); messages end up
    # in logs, so they show only its first characters.
    return ref[:6] + "…" if len(ref) > 6 else ref


class ComparisonNotFound(StoreError):
    """No comparison has this reference: it was never saved, or was deleted or purged."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"no comparison with reference {_short(ref)}")


class OwnerKeyRejected(StoreError):
    """Only the holder of a comparison's owner key may delete it or consent to contact on it."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(
            f"the owner key given is not the one of comparison {_short(ref)}: only the shopper "
            "who made it, with the owner key given then, may delete it or share contact details"
        )


class CarrierNotInComparison(StoreError):
    """Consent can only name a carrier that answered in the comparison."""

    def __init__(self, ref: str, carrier: str, carriers: list[str]) -> None:
        self.ref = ref
        self.carrier = carrier
        self.carriers = carriers
        super().__init__(
            f"carrier {carrier!r} is not in comparison {_short(ref)}; "
            f"it has {', '.join(carriers) or 'no carriers'}"
        )


class InvalidContact(StoreError):
    """Contact details must be a non-empty mapping of field names to text."""


class ContactUnreadable(StoreError):
    """Stored contact details do not decrypt with the secret key in force (was it changed?)."""


class UnstorableComparison(StoreError):
    """The comparison cannot be stored exactly as it is."""


class StoreFailure(StoreError):
    """The database refused or failed the operation; nothing the call was doing was kept."""


class StoreFull(StoreFailure):
    """The database has no room left (a full disk or its size limit); nothing was written."""


class UploadExists(StoreError):
    """This manual version, or another in the same folder of the carrier, was uploaded already."""


class AgencyStoreError(StoreError):
    """Base of the agency repository's errors."""


class AgencyNotFound(AgencyStoreError):
    """No agency has this id or name."""


class NotAMember(AgencyStoreError):
    """The user is not a member of the agency (or of any agency)."""


class LeadNotFound(AgencyStoreError):
    """No lead of the agency has this id (another agency's leads are never found)."""


class ClientNotFound(AgencyStoreError):
    """No client this user may see has this id: unknown, another agency's or another agent's."""


class InvalidAgencyData(AgencyStoreError):
    """A value that cannot be stored; the message says which rule it breaks."""
