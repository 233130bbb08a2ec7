"""Uploaded manual versions, the same on every worker of every server.

An upload is installed on the server that took it (a folder in the manuals directory, checked
first) and recorded in the store in one transaction with its files (see
:mod:`rateshop.store.uploads`). Every worker then keeps up: at most every
``RATESHOP_MARKET_SYNC_SECONDS`` it asks the store for uploads after the last one it has, writes
any folder its manuals directory lacks (checked against the upload's content hash before use),
and adds the version to its library, which every connector reads. So all workers, and servers
sharing one database, quote the same versions within seconds, and a comparison stored on one
server replays on any other.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath

from rateshop.errors import ManualError
from rateshop.manual.folders import MANIFEST, TESTS, content_files, content_hash
from rateshop.rating.library import Library
from rateshop.store.errors import StoreFailure
from rateshop.store.uploads import Upload, Uploads

log = logging.getLogger(__name__)


def manual_files(folder: Path) -> dict[str, str]:
    """The files of the manual in ``folder`` as text, by path inside its carrier's folder:
    what the content hash covers (manifest, tables, also ``../common`` ones) and its stored cases."""
    carrier_folder = folder.parent
    paths = list(content_files(folder))
    if (folder / TESTS).is_file():
        paths.append(folder / TESTS)
    return {
        Path(os.path.relpath(p, carrier_folder)).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(set(paths))
    }


def publish(uploads: Uploads, folder: Path, digest: str) -> int:
    """Record the manual installed in ``folder`` (content hash ``digest``) for every server.

    Raises :class:`~rateshop.store.errors.UploadExists` when it, or another version in the same
    folder, was uploaded already.
    """
    return uploads.record(
        content_hash=digest,
        carrier=folder.parent.name,
        folder=folder.name,
        files=manual_files(folder),
        at=dt.datetime.now(dt.UTC),
    )


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or any(part in ("", "..") for part in path.parts[1:]):
        raise ValueError(f"{relative!r} leaves the carrier's folder")
    if path.parts[0] == "..":
        raise ValueError(f"{relative!r} leaves the carrier's folder")
    return path


def install_upload(upload: Upload, manuals: Path) -> Path:
    """The folder of ``upload`` under ``manuals``, written from the store if it is not there.

    Files shared with other versions (``common/…``) are written only where missing. Raises
    :class:`ValueError` when what is on disk, or what was written, does not have the upload's
    content hash: a version is used only exactly as it was uploaded.
    """
    carrier_folder = manuals / upload.carrier
    folder = carrier_folder / upload.folder
    if PurePosixPath(upload.folder).name != upload.folder or upload.folder.startswith("."):
        raise ValueError(f"{upload.folder!r} is not a folder name")
    if not (folder / MANIFEST).is_file():
        carrier_folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".sync-", dir=carrier_folder))
        try:
            for relative, text in upload.files.items():
                path = _safe(relative)
                inside = path.parts[0] == upload.folder
                target = (staging if inside else carrier_folder).joinpath(
                    *(path.parts[1:] if inside else path.parts)
                )
                if not inside and target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            try:
                staging.rename(folder)
            except OSError:
                if not (folder / MANIFEST).is_file():  # not another worker writing it at once
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    found = content_hash(folder, content_files(folder))
    if found != upload.content_hash:
        raise ValueError(
            f"{upload.carrier}/{upload.folder} on this server is not the version uploaded "
            f"(content hash {found[:12]}…, uploaded {upload.content_hash[:12]}…)"
        )
    return folder


class MarketSync:
    """Keeps one library up to date with the uploads of one store (see the module's text)."""

    def __init__(self, uploads: Uploads, library: Library, manuals: Path, every: float) -> None:
        self.uploads, self.library, self.manuals, self.every = uploads, library, manuals, every
        self.seen = 0
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def catch_up(self) -> int:
        """Install every upload this worker has not seen; returns how many versions it added.

        An upload that cannot be installed here is logged and skipped (the others still come):
        its carrier keeps quoting the versions it had.
        """
        with self._lock:
            self._checked = time.monotonic()
            if self.uploads.latest() <= self.seen:
                return 0
            added = 0
            for upload in self.uploads.after(self.seen):
                try:
                    folder = install_upload(upload, self.manuals)
                    added += self.library.add_folder(folder)
                except (OSError, ValueError, ManualError) as exc:
                    log.error(
                        "uploaded manual %s/%s not installed: %s",
                        upload.carrier,
                        upload.folder,
                        exc,
                    )
                self.seen = upload.id
            return added

    def due(self) -> bool:
        """Whether the store should be asked again (the last time was ``every`` seconds ago)."""
        return time.monotonic() - self._checked >= self.every

    def keep_up(self) -> None:
        """:meth:`catch_up` when due, else nothing: the check a request makes (in a thread).

        A store that cannot be asked just now is logged, not raised: the request goes on with the
        versions this worker has, and the next check asks again.
        """
        if self.due() and not self._lock.locked():
            try:
                self.catch_up()
            except StoreFailure as exc:
                log.warning("cannot look for uploaded manuals: %s", exc)
