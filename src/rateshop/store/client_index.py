"""Searching clients without decrypting them: keyed hashes of their normalised name, e-mail, phone.

Each word of a client's name, their e-mail (trimmed, case-folded) and phone (its last ten digits)
is kept as an HMAC-SHA256 under a key derived from the store's secret (HKDF, apart from the
cipher's key) and salted with the agency's id. Equal values match; the same person in two agencies
does not; and the database alone reverses nothing without the secret. The cost: only whole values
match (a name word, a whole e-mail), never fragments.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Select, select

from rateshop.store.agency_models import ClientIndexRow
from rateshop.store.agency_records import ClientSearch, Identity

# Changing it makes every stored search hash useless: a new one needs a re-indexing migration.
_INDEX_INFO = b"rateshop client search index v1"


def index_key(secret: str) -> bytes:
    """The key of the clients' search hashes: HKDF of the store's secret, apart from the cipher's."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rateshop.store", info=_INDEX_INFO
    ).derive(secret.encode("utf-8"))


def name_words(name: str) -> list[str]:
    """A name as the words searched by: case-folded letters and digits, e.g. ``O'Neil`` → ``oneil``."""
    words = ("".join(ch for ch in w if ch.isalnum()) for w in name.casefold().split())
    return sorted({w for w in words if w})


def normal_email(email: str) -> str:
    """An e-mail address as searched by: trimmed and case-folded."""
    return email.strip().casefold()


def normal_phone(phone: str) -> str:
    """A phone number as searched by: its last ten digits (a US number with or without ``+1``)."""
    return "".join(ch for ch in phone if ch.isdigit())[-10:]


def _values(identity: Identity | ClientSearch) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = [("name", w) for w in name_words(identity.name)]
    if identity.email.strip():
        values.append(("email", normal_email(identity.email)))
    if identity.phone.strip():
        # A phone with no digit matches nothing, rather than every client.
        values.append(("phone", normal_phone(identity.phone) or "-"))
    return values


class SearchIndex:
    """The keyed hashes of one store's secret: made for clients, matched by searches."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, agency_id: int, field: str, value: str) -> str:
        """The search hash of one normalised value of a client of ``agency_id``."""
        message = f"{agency_id}\x00{field}\x00{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def rows(self, agency_id: int, client_id: int, identity: Identity) -> list[dict[str, object]]:
        """The ``client_index`` rows of a client who is ``identity``."""
        return [
            {"client_id": client_id, "field": f, "digest": self.digest(agency_id, f, v)}
            for f, v in _values(identity)
            if v != "-"
        ]

    def matching(self, agency_id: int, search: ClientSearch) -> list[Select[int]]:
        """One sub-query of client ids per value searched for; a client must be in each."""
        return [
            select(ClientIndexRow.client_id).where(
                ClientIndexRow.field == field,
                ClientIndexRow.digest == self.digest(agency_id, field, value),
            )
            for field, value in _values(search)
        ]
