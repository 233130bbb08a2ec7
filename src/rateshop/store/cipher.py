"""Encryption of shoppers' contact details at rest (Fernet, key derived from RATESHOP_SECRET_KEY)."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from rateshop.config import Settings
from rateshop.store.errors import ContactUnreadable, InvalidContact, SecretKeyMissing

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

# Used only when RATESHOP_DEV_MODE is on and no key is set. It is public (it is right here), so
# anything encrypted with it is readable by anyone: never run a real store in dev mode.
DEV_SECRET_KEY = "rateshop-development-key-public-not-secret-never-use-in-production"

MIN_SECRET_LENGTH = 32

# Changing either constant makes every stored contact unreadable; a new scheme needs a new ``info``
# and a migration that re-encrypts.
_SALT = b"rateshop.store"
_INFO = b"rateshop contact details v1"


def derive_key(secret: str) -> bytes:
    """The Fernet key for ``secret``: HKDF-SHA256, so any long random string works as the secret."""
    # cryptography is imported when a contact is first encrypted or read, not by every process
    # that merely opens the store (a server before its first answer).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


def secret_from(config: Settings) -> str:
    """The secret in force, or :class:`SecretKeyMissing` naming the setting to fix.

    In dev mode with no key set, this is :data:`DEV_SECRET_KEY`, a fixed and public development key,
    so a developer can run the store without configuring one; it protects nothing.
    """
    secret = config.secret_key.get_secret_value() if config.secret_key is not None else ""
    if config.dev_mode:
        if not secret:
            log.warning("RATESHOP_DEV_MODE: contact details are encrypted with the public dev key")
            return DEV_SECRET_KEY
        return secret
    if not secret:
        raise SecretKeyMissing(
            "RATESHOP_SECRET_KEY is not set: the store encrypts contact details with it. Set it to "
            "a long random string, e.g. the output of "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`, '
            "or set RATESHOP_DEV_MODE=1 on a development machine."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise SecretKeyMissing(
            f"RATESHOP_SECRET_KEY is too short ({len(secret)} characters): use at least "
            f"{MIN_SECRET_LENGTH} random characters"
        )
    return secret


class ContactCipher:
    """Encrypts contact details to text and back; the store keeps only the encrypted text."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    @cached_property
    def _fernet(self) -> Fernet:
        from cryptography.fernet import Fernet

        return Fernet(derive_key(self._secret))

    @classmethod
    def from_settings(cls, config: Settings) -> ContactCipher:
        """The cipher for the configured secret; raises :class:`SecretKeyMissing` if there is none."""
        return cls(secret_from(config))

    def encrypt(self, contact: Mapping[str, str]) -> str:
        """Fernet token (URL-safe text) of the contact details as JSON."""
        check_contact(contact)
        plain = json.dumps(dict(contact), sort_keys=True, ensure_ascii=False)
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, str]:
        """The contact details back; :class:`ContactUnreadable` if the key does not fit."""
        from cryptography.fernet import InvalidToken

        try:
            plain = self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, ValueError) as exc:
            raise ContactUnreadable(
                "contact details cannot be decrypted with the current RATESHOP_SECRET_KEY"
            ) from exc
        data = json.loads(plain)
        assert isinstance(data, dict)
        return {str(k): str(v) for k, v in data.items()}


def check_contact(contact: object) -> None:
    """Raise :class:`InvalidContact` unless ``contact`` is a non-empty mapping of text to text."""
    if not isinstance(contact, Mapping) or not contact:
        raise InvalidContact("contact details must be a non-empty mapping, e.g. {'email': ...}")
    bad = [k for k, v in contact.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise InvalidContact(f"contact fields must be text: {', '.join(map(str, bad))}")
