"""Uploaded manual versions shared through the store: written where missing, used only exactly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.apikit import ROOT
from rateshop.manual.folders import content_files, content_hash
from rateshop.rating.library import Library
from rateshop.services.market import MarketSync, install_upload, manual_files, publish
from rateshop.store import upgrade
from rateshop.store.database import connect
from rateshop.store.errors import UploadExists
from rateshop.store.uploads import Uploads

CARRIER = "pinnacle-national"
SOURCE = ROOT / "manuals" / CARRIER / "auto-tx-2026-07-01"


def _new_version(manuals: Path) -> Path:
    """The carrier's 2026-07-01 auto manual copied as a 2027-01-01 version into ``manuals``."""
    folder = manuals / CARRIER / "auto-tx-2027-01-01"
    shutil.copytree(SOURCE, folder)
    manifest = folder / "manual.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("effective: 2026-07-01", "effective: 2027-01-01"))
    return folder


@pytest.fixture
def uploads(tmp_path: Path) -> Uploads:
    url = f"sqlite:///{tmp_path / 'rateshop.db'}"
    upgrade(url)
    return Uploads(connect(url))


def _manuals(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(ROOT / "manuals", copy)
    return copy


def test_an_upload_reaches_another_node_exactly_and_once(uploads: Uploads, tmp_path: Path) -> None:
    here, there = _manuals(tmp_path, "here"), _manuals(tmp_path, "there")
    folder = _new_version(here)
    digest = content_hash(folder, content_files(folder))
    assert publish(uploads, folder, digest) == uploads.latest() == 1
    with pytest.raises(UploadExists):
        publish(uploads, folder, digest)

    library = Library.load(there, store=None)
    sync = MarketSync(uploads, library, there, every=0)
    assert len(library.versions(CARRIER, "auto", "TX")) == 2
    assert sync.catch_up() == 1
    assert sync.catch_up() == 0, "an upload is installed once"
    copied = there / CARRIER / "auto-tx-2027-01-01"
    assert manual_files(copied) == manual_files(folder)
    [latest] = [e for e in library.entries() if e.folder == copied]
    assert library.hash_of(latest) == digest
    assert library.plan_of(latest).manual.identity.effective.isoformat() == "2027-01-01"


def test_a_folder_on_disk_that_is_not_the_upload_is_never_used(
    uploads: Uploads, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    here, there = _manuals(tmp_path, "here"), _manuals(tmp_path, "there")
    folder = _new_version(here)
    publish(uploads, folder, content_hash(folder, content_files(folder)))
    other = _new_version(there)
    (other / "manual.yaml").write_text(
        (other / "manual.yaml").read_text(encoding="utf-8") + "\n# edited by hand\n"
    )
    [upload] = uploads.after(0)
    with pytest.raises(ValueError, match="is not the version uploaded"):
        install_upload(upload, there)

    library = Library.load(there, store=None)
    before = len(library)
    sync = MarketSync(uploads, library, there, every=0)
    assert sync.catch_up() == 0
    assert len(library) == before, "the hand-edited folder is not added by the sync"
    assert "not installed" in caplog.text
    assert sync.seen == upload.id, "the next uploads still come"
