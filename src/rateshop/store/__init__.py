"""The store: saved comparisons, the manual versions they used, and consented contacts.

An outer room: it may import ``compare`` and ``rating``; they never import it. The database is
SQLite by default (``RATESHOP_DATABASE_URL``) or PostgreSQL; the schema comes from the Alembic
migrations in ``migrations/``, applied with :func:`upgrade`.
"""

# Imported here so the account and agency tables are in the models' metadata wherever the store is
# used.
from rateshop.store import agency_models as agency_models
from rateshop.store.accounts import Accounts
from rateshop.store.errors import (
    CarrierNotInComparison,
    ComparisonNotFound,
    ContactUnreadable,
    InvalidContact,
    OwnerKeyRejected,
    SecretKeyMissing,
    StoreError,
    StoreFailure,
    UnstorableComparison,
)
from rateshop.store.migrate import upgrade
from rateshop.store.records import (
    ComparisonSummary,
    ConsentRecord,
    StoredAnswer,
    StoredComparison,
)
from rateshop.store.repository import Store, new_owner_key, new_ref

__all__ = [
    "Accounts",
    "CarrierNotInComparison",
    "ComparisonNotFound",
    "ComparisonSummary",
    "ConsentRecord",
    "ContactUnreadable",
    "InvalidContact",
    "OwnerKeyRejected",
    "SecretKeyMissing",
    "Store",
    "StoreError",
    "StoreFailure",
    "StoredAnswer",
    "StoredComparison",
    "UnstorableComparison",
    "new_owner_key",
    "new_ref",
    "upgrade",
]
