"""The store: saved comparisons, the manual versions they used, and consented contacts.

An outer room: it may import ``compare`` and ``rating``; they never import it. The database is
SQLite by default (``RATESHOP_DATABASE_URL``) or PostgreSQL; the schema comes from the Alembic
migrations in ``migrations/``, applied with :func:`upgrade`.

The names below are loaded on first use (module ``__getattr__``): importing one light module of the
store (its errors, its records) must not import SQLAlchemy's ORM, the agency's tables and
``cryptography`` with it, which a serving process would otherwise pay for before its first answer.
Code inside rateshop imports from the defining module (``rateshop.store.errors``, …).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rateshop.store.accounts import Accounts as Accounts
    from rateshop.store.errors import (
        CarrierNotInComparison as CarrierNotInComparison,
        ComparisonNotFound as ComparisonNotFound,
        ContactUnreadable as ContactUnreadable,
        InvalidContact as InvalidContact,
        OwnerKeyRejected as OwnerKeyRejected,
        SecretKeyMissing as SecretKeyMissing,
        StoreError as StoreError,
        StoreFailure as StoreFailure,
        UnstorableComparison as UnstorableComparison,
    )
    from rateshop.store.migrate import upgrade as upgrade
    from rateshop.store.records import (
        ComparisonSummary as ComparisonSummary,
        ConsentRecord as ConsentRecord,
        StoredAnswer as StoredAnswer,
        StoredComparison as StoredComparison,
    )
    from rateshop.store.repository import (
        Store as Store,
        new_owner_key as new_owner_key,
        new_ref as new_ref,
    )

# Each public name and the module that defines it.
_HOMES = {
    "Accounts": "accounts",
    "CarrierNotInComparison": "errors",
    "ComparisonNotFound": "errors",
    "ContactUnreadable": "errors",
    "InvalidContact": "errors",
    "OwnerKeyRejected": "errors",
    "SecretKeyMissing": "errors",
    "StoreError": "errors",
    "StoreFailure": "errors",
    "UnstorableComparison": "errors",
    "upgrade": "migrate",
    "ComparisonSummary": "records",
    "ConsentRecord": "records",
    "StoredAnswer": "records",
    "StoredComparison": "records",
    "Store": "repository",
    "new_owner_key": "repository",
    "new_ref": "repository",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """The public name ``name``, imported from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
