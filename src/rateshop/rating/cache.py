"""Loaded manuals kept on disk between processes, by content hash, authenticated before use.

Loading a manual (parsing its YAML and CSV, building its tables, typing every expression) costs
tens of milliseconds; unpickling the result costs about one. A process therefore keeps what it
loaded in a directory (``RATESHOP_PLAN_CACHE``) and the next process reads it from there.

Entry layout, one file per manual version (``<dir>/manuals/<hash[:2]>/<hash>.bin``)::

    MAGIC (8 bytes) | code fingerprint (32) | HMAC-SHA256 (32) | pickle of the Manual

Unpickling runs code named in the data, so an entry is unpickled only when its HMAC, made with a
key the reader holds, matches: a corrupt, truncated or tampered file (or one written with another
key) is a miss and is written again. The fingerprint hashes the source of the modules whose
classes the pickle holds, so an entry written by other code is a miss, not a wrong answer. Writes
go to a temporary file renamed into place, so two processes filling the cache at once each leave
a whole entry or none; the same content gives the same entry either way.

The same directory keeps the compiled code of the functions a plan's compile generates
(:func:`rateshop.rating.emit.keeping_code`), one file per function under ``code-<Python bytecode
magic>/``: ``CODE_MAGIC | HMAC-SHA256 | marshal of the code``, authenticated the same way before
it is unmarshalled.

The key is ``RATESHOP_PLAN_CACHE_KEY`` when set; otherwise a random key kept in the directory
(``key``, readable by its owner only). Anyone who can read that key can forge entries, so the
directory must be the service's own (it is created private); set the key from a secret store
when the directory is shared with anything less trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import logging
import marshal
import os
import pickle
import re
import secrets
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import CodeType
from typing import Any

import rateshop
from rateshop.config import Settings, settings
from rateshop.manual.model import Manual

log = logging.getLogger(__name__)

MAGIC = b"RSMAN\x00\x01\n"
CODE_MAGIC = b"RSCODE\x01\n"
KEY_BYTES = 32
_HEADER = len(MAGIC) + 32 + 32
# The modules whose classes a pickled Manual holds (and the loader that fills them).
_CODE = ("manual", "money.py", "errors.py")


def default_dir() -> Path:
    """``$XDG_CACHE_HOME/rateshop/plans``, or ``~/.cache/rateshop/plans``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rateshop" / "plans"


def configured_store(conf: Settings | None = None) -> ManualStore | None:
    """The store the settings name (``RATESHOP_PLAN_CACHE``...), or None when it is off or unusable."""
    conf = conf or settings()
    if not conf.plan_cache_enabled:
        return None
    key = conf.plan_cache_key
    try:
        return ManualStore(
            conf.plan_cache or default_dir(),
            None if key is None else hashlib.sha256(key.get_secret_value().encode()).digest(),
        )
    except OSError as exc:  # a cache that cannot be opened slows starting, nothing more
        log.warning("the plan cache is off: %s", exc)
        return None


def code_fingerprint() -> bytes:
    """A hash of the source that defines a loaded manual, with the Python version."""
    package = Path(rateshop.__file__).parent
    digest = hashlib.sha256(f"{sys.version_info[:2]}|{MAGIC!r}".encode())
    for name in _CODE:
        part = package / name
        files = sorted(part.rglob("*.py")) if part.is_dir() else [part]
        for file in files:
            digest.update(file.relative_to(package).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.digest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed over it."""
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class ManualStore:
    """Manuals loaded earlier, in ``directory``, each authenticated with ``key`` before use."""

    def __init__(self, directory: Path, key: bytes | None = None) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if key is None and directory.stat().st_mode & 0o022:
            log.warning(
                "the plan cache %s can be written by other users; set RATESHOP_PLAN_CACHE_KEY "
                "or make it the service's own (chmod 700)",
                directory,
            )
        self.key = key if key is not None else self._own_key()
        self.fingerprint = code_fingerprint()

    def _own_key(self) -> bytes:
        """The directory's key, made on first use; two processes making it agree on one."""
        path = self.directory / "key"
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            fd, temp = tempfile.mkstemp(prefix=".key-", dir=self.directory)  # mode 0600
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(KEY_BYTES))
                with contextlib.suppress(FileExistsError):  # another process made it first
                    os.link(temp, path)
            finally:
                Path(temp).unlink(missing_ok=True)
            key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise OSError(f"the plan cache key {path} is not {KEY_BYTES} bytes; delete it")
        return key

    def _sign(self, *parts: bytes) -> bytes:
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.digest()

    def _entry(self, content_hash: str) -> Path:
        if len(content_hash) != 64 or not all(c in "0123456789abcdef" for c in content_hash):
            raise ValueError(f"{content_hash!r} is not a content hash")
        return self.directory / "manuals" / content_hash[:2] / f"{content_hash}.bin"

    def get(self, content_hash: str) -> Manual | None:
        """The manual with ``content_hash`` stored earlier, or None (absent, stale or not authentic)."""
        try:
            data = self._entry(content_hash).read_bytes()
        except OSError:
            return None
        if len(data) < _HEADER or not data.startswith(MAGIC):
            return None
        fingerprint, mac = data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 : _HEADER]
        payload = data[_HEADER:]
        if fingerprint != self.fingerprint:
            return None
        if not hmac.compare_digest(mac, self._sign(fingerprint, content_hash.encode(), payload)):
            return None
        manual = pickle.loads(payload)  # authenticated above: written by a holder of the key
        if not isinstance(manual, Manual) or manual.content_hash != content_hash:
            return None
        return manual

    def put(self, manual: Manual) -> None:
        """Keep ``manual`` (without its stored cases, which only checking reads) for later processes."""
        tests, tests_file = manual.tests, manual.tests_file
        manual.tests, manual.tests_file = [], None
        try:
            payload = pickle.dumps(manual, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            manual.tests, manual.tests_file = tests, tests_file
        path = self._entry(manual.content_hash)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        mac = self._sign(self.fingerprint, manual.content_hash.encode(), payload)
        _write_atomic(path, MAGIC + self.fingerprint + mac + payload)

    # ------------------------------------------------------------------ generated code
    def _code_entry(self, digest: bytes) -> Path:
        name = digest.hex()
        if len(digest) != 32:
            raise ValueError(f"{name!r} is not a code digest")
        return self.directory / f"code-{importlib.util.MAGIC_NUMBER.hex()}" / name[:2] / name

    def get_code(self, digest: bytes) -> CodeType | None:
        """The code kept under ``digest``, or None (absent, or not authentic)."""
        try:
            data = self._code_entry(digest).read_bytes()
        except OSError:
            return None
        header = len(CODE_MAGIC) + 32
        if len(data) < header or not data.startswith(CODE_MAGIC):
            return None
        mac, payload = data[len(CODE_MAGIC) : header], data[header:]
        if not hmac.compare_digest(mac, self._sign(importlib.util.MAGIC_NUMBER, digest, payload)):
            return None
        try:
            code = marshal.loads(payload)  # authenticated above: written by a holder of the key
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def put_code(self, digest: bytes, code: CodeType) -> None:
        """Keep ``code`` under ``digest`` (a cache that cannot be written only slows the next
        start)."""
        payload = marshal.dumps(code)
        path = self._code_entry(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            mac = self._sign(importlib.util.MAGIC_NUMBER, digest, payload)
            _write_atomic(path, CODE_MAGIC + mac + payload)
        except OSError as exc:
            log.warning("cannot keep generated code in %s: %s", path.parent, exc)

    # ------------------------------------------------------------------ the index of a folder
    def _index_path(self, root: Path, part: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9-]*", part):
            raise ValueError(f"{part!r} is not a part of an index")
        name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]
        return self.directory / "index" / (f"{name}-{part}.json" if part else f"{name}.json")

    def read_index(self, root: Path, part: str = "") -> dict[str, Any]:
        """What :meth:`write_index` kept for the manuals under ``root`` in ``part`` of its index
        ({} when none or not authentic)."""
        try:
            data = self._index_path(root, part).read_bytes()
        except OSError:
            return {}
        mac, _, payload = data.partition(b"\n")
        try:
            if not hmac.compare_digest(bytes.fromhex(mac.decode()), self._sign(payload)):
                return {}
            doc = json.loads(payload)
        except ValueError:
            return {}
        if not isinstance(doc, dict) or (doc.get("root"), doc.get("part", "")) != (
            str(root.resolve()),
            part,
        ):
            return {}
        manuals = doc.get("manuals")
        return manuals if isinstance(manuals, dict) else {}

    def write_index(self, root: Path, part: str, manuals: Mapping[str, Any]) -> None:
        """Keep the identities and file stamps of the manuals under ``root`` in ``part`` of its
        index (JSON, signed; each part a file of its own, so a process reads only the parts it
        needs)."""
        payload = json.dumps(
            {"root": str(root.resolve()), "part": part, "manuals": manuals}, separators=(",", ":")
        ).encode()
        path = self._index_path(root, part)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(path, self._sign(payload).hex().encode() + b"\n" + payload)
