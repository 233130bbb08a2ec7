"""Admins in a real browser: carriers and manual versions, uploads good and bad, diffs."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from webkit import app_settings, make_user, shot

from api.apikit import ROOT, Server
from rateshop.web.app import create_app

PASSWORD = "admin password 1"
SOURCE = ROOT / "manuals" / "pinnacle-national" / "auto-tx-2026-07-01"


@pytest.fixture(scope="module")
def manuals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped manuals: uploads never touch the repository's."""
    copy = tmp_path_factory.mktemp("manuals") / "manuals"
    shutil.copytree(ROOT / "manuals", copy)
    return copy


@pytest.fixture(scope="module")
def admin_web(tmp_path_factory: pytest.TempPathFactory, manuals: Path) -> Iterator[Server]:
    """The whole app over the copied manuals, with one admin."""
    served = Server(
        create_app(app_settings(tmp_path_factory.mktemp("admin") / "rateshop.db", manuals))
    )
    served.start()
    make_user(served, "admin.ada", "admin", PASSWORD)
    yield served
    served.stop()


@pytest.fixture
def admin_page(browser: Browser, admin_web: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=admin_web.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    opened = context.new_page()
    opened.goto("/admin")
    opened.get_by_label("Username").fill("admin.ada")
    opened.get_by_label("Password").fill(PASSWORD)
    opened.get_by_role("button", name="Log in").click()
    expect(opened).to_have_url(re.compile(r"/admin$"))
    yield opened
    context.close()


def zipped(edit: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> bytes:
    """The 2026-07-01 manual made effective 2027-01-01, with files replaced or added."""
    files = {
        str(p.relative_to(SOURCE)): p.read_text(encoding="utf-8")
        for p in SOURCE.rglob("*")
        if p.is_file()
    }
    files["manual.yaml"] = files["manual.yaml"].replace(
        "effective: 2026-07-01", "effective: 2027-01-01"
    )
    files.update(edit or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {**files, **(extra or {})}.items():
            archive.writestr(f"auto-tx-2027-01-01/{name}", text)
    return buffer.getvalue()


def upload(page: Page, data: bytes) -> None:
    page.get_by_label("Carrier").select_option("pinnacle-national")
    page.get_by_label("Manual (.zip)").set_input_files(
        {"name": "manual.zip", "mimeType": "application/zip", "buffer": data}
    )
    page.get_by_role("button", name="Check and install").click()


def listing(manuals: Path) -> list[str]:
    return sorted(str(p.relative_to(manuals)) for p in (manuals / "pinnacle-national").rglob("*"))


def test_admin_lists_carriers_and_diffs_two_versions(admin_page: Page) -> None:
    carrier = admin_page.locator("#carrier-pinnacle-national")
    expect(carrier).to_contain_text("auto/TX")
    expect(carrier).to_contain_text("2026-07-01")
    shot(admin_page, "admin")
    carrier.get_by_role("link", name="changes since 2026-01-01").first.click()
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("2026-01-01 → 2026-07-01")
    territory = admin_page.locator("section.table-diff", has_text="territory")
    expect(territory.first).to_contain_text("zip=77002")
    expect(territory.first).to_contain_text("1.280")
    expect(territory.first).to_contain_text("1.340")
    shot(admin_page, "admin-diff")


def test_a_bad_upload_changes_nothing_and_says_where(admin_page: Page, manuals: Path) -> None:
    before = listing(manuals)
    territory = (SOURCE / "tables" / "territory.csv").read_text(encoding="utf-8")
    broken = territory.replace("77002,1.340", "77002,abc", 1)
    upload(admin_page, zipped(edit={"tables/territory.csv": broken}))
    problems = admin_page.locator("#upload-problems")
    expect(problems).to_contain_text("was not installed")
    expect(problems).to_contain_text(re.compile(r"upload/tables/territory\.csv:\d+: "))
    shot(admin_page, "admin-upload-bad")
    upload(admin_page, zipped(extra={"../escape.txt": "x"}))
    expect(problems).to_contain_text("may not leave the manual's folder")
    # A manual naming its line as a path would have been installed outside the manuals.
    manifest = (SOURCE / "manual.yaml").read_text(encoding="utf-8")
    assert "line: auto" in manifest
    escaping = zipped(
        edit={
            "manual.yaml": manifest.replace("line: auto", "line: ../../escaped").replace(
                "effective: 2026-07-01", "effective: 2027-01-01"
            )
        }
    )
    upload(admin_page, escaping)
    expect(problems).to_contain_text("manual.line '../../escaped' must be")
    # A second manual inside the upload would be installed unchecked by the next reload.
    nested = {
        f"extra/{p.relative_to(SOURCE)}": p.read_text(encoding="utf-8")
        for p in SOURCE.rglob("*")
        if p.is_file()
    }
    upload(admin_page, zipped(extra=nested))
    expect(problems).to_contain_text("found another in extra/manual.yaml")
    assert listing(manuals) == before
    assert not list(manuals.parent.glob("escaped*"))
    assert not [p for p in manuals.rglob("*") if p.name.startswith(".upload-")]
    expect(admin_page.locator("#carrier-pinnacle-national")).not_to_contain_text("2027-01-01")


def test_a_good_upload_is_installed_and_used(admin_page: Page, manuals: Path) -> None:
    upload(admin_page, zipped())
    expect(admin_page.locator("#installed")).to_contain_text("effective 2027-01-01")
    expect(admin_page.locator("#carrier-pinnacle-national")).to_contain_text("2027-01-01")
    assert (manuals / "pinnacle-national" / "auto-tx-2027-01-01" / "manual.yaml").is_file()
    assert not list((manuals / "pinnacle-national").glob(".upload-*"))
    shot(admin_page, "admin-upload-good")
    upload(admin_page, zipped())
    expect(admin_page.locator("#upload-problems")).to_contain_text(
        re.compile("exists already|also defined")
    )
