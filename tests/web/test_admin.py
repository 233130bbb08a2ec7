"""Admins in a real browser: carriers and manual versions, uploads good and bad, diffs."""

from __future__ import annotations

import io
import re
import shutil
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from playwright.sync_api import Browser, Page, expect
from webkit import Visitor, app_settings, as_served, make_user, run, shot

from api.apikit import ROOT, Server
from rateshop.app import create_app

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
    served = as_served(
        Server(create_app(app_settings(tmp_path_factory.mktemp("admin") / "rateshop.db", manuals)))
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
    blocked: list[str] = []
    opened.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    opened.goto("/admin")
    opened.get_by_label("Username").fill("admin.ada")
    opened.get_by_label("Password").fill(PASSWORD)
    opened.get_by_role("button", name="Log in").click()
    expect(opened).to_have_url(re.compile(r"/admin$"))
    yield opened
    context.close()
    assert not blocked, f"the admin pages broke their CSP: {blocked}"


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


# ------------------------------------------------------------------ uploads judged by HTTP alone

MB = 1024 * 1024


def _admin_cookies(server: Server) -> str:
    """The cookies of a logged-in admin (session and CSRF token), as a Cookie header."""

    async def go() -> str:
        async with aiohttp.ClientSession() as session:
            visitor = Visitor(server.url)
            token = await visitor.open_login(session)
            form = {"username": "admin.ada", "password": PASSWORD, "csrf": token}
            status, _ = await visitor.post(session, "/login", form)
            assert status == 303
            return visitor.cookie_header()

    return run(go())


PART_HEAD = (
    b"--xyz\r\n"
    b'content-disposition: form-data; name="manual"; filename="manual.zip"\r\n'
    b"content-type: application/zip\r\n\r\n"
)


def _first_answer(server: Server, headers: dict[str, str], body: int, chunked: bool) -> str:
    """Send an upload's head saying ``body`` bytes will follow, then 1 MB of them (all ``body``
    bytes of a chunked one, without its end), and wait.

    Returns the answer's status line, or "" if none came within 10 seconds: a server that reads
    the whole body first never answers.
    """
    host, port = server.url.removeprefix("http://").split(":")
    head = "POST /admin/upload HTTP/1.1\r\n" + f"host: {host}:{port}\r\n"
    head += "content-type: multipart/form-data; boundary=xyz\r\n"
    head += "transfer-encoding: chunked\r\n" if chunked else f"content-length: {body}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"

    def framed(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data

    piece = framed(b"x" * (64 * 1024))
    connection = socket.create_connection((host, int(port)))

    def send() -> None:
        try:
            connection.sendall(head.encode() + framed(PART_HEAD))
            for _ in range((body if chunked else MB) // (64 * 1024)):
                connection.sendall(piece)
        except OSError:
            pass  # the server answered and closed: exactly what the test hopes for

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    connection.settimeout(10)
    try:
        answer = connection.recv(200).decode("latin-1")
    except TimeoutError:
        answer = ""
    finally:
        connection.close()
        sender.join(timeout=10)
    return answer.split("\r\n", 1)[0]


def test_an_upload_is_judged_from_its_headers_before_its_body(admin_web: Server) -> None:
    cookies = _admin_cookies(admin_web)
    # Nobody logged in: refused at once, not after 200 MB.
    assert _first_answer(admin_web, {}, 200 * MB, chunked=False) == "HTTP/1.1 401 Unauthorized"
    # An admin's browser sent by another site's page: refused at once too.
    crossing = {"cookie": cookies, "sec-fetch-site": "cross-site"}
    assert _first_answer(admin_web, crossing, 200 * MB, chunked=False) == "HTTP/1.1 403 Forbidden"
    # An admin, but too large by its length, or by what arrives of a body of unknown length.
    admin = {"cookie": cookies, "origin": admin_web.url, "sec-fetch-site": "same-origin"}
    too_large = "HTTP/1.1 413 Request Entity Too Large"
    assert _first_answer(admin_web, admin, 200 * MB, chunked=False) == too_large
    assert _first_answer(admin_web, admin, 8 * MB, chunked=True) == too_large


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _manual_files() -> dict[str, bytes]:
    """The 2026-07-01 manual made effective 2027-06-01, as the bytes of its files."""
    files = {str(p.relative_to(SOURCE)): p.read_bytes() for p in SOURCE.rglob("*") if p.is_file()}
    files["manual.yaml"] = files["manual.yaml"].replace(
        b"effective: 2026-07-01", b"effective: 2027-06-01"
    )
    return files


def _bad_crc() -> bytes:
    data = _zip(_manual_files(), zipfile.ZIP_STORED)
    at = data.index(b"77002")
    return data[:at] + b"77003" + data[at + 5 :]


def _damaged_deflate() -> bytes:
    data = bytearray(_zip(_manual_files()))
    name = b"tables/territory.csv"
    data[data.index(name) + len(name) + 40] ^= 0x55
    return bytes(data)


def _not_utf8() -> bytes:
    files = _manual_files()
    files["tables/territory.csv"] = files["tables/territory.csv"].replace(b"77002", b"77\xff02", 1)
    return _zip(files)


BAD_UPLOADS = {
    "bad CRC": (_bad_crc, r"tables/territory\.csv: damaged in the \.zip \(Bad CRC-32"),
    "damaged data": (_damaged_deflate, r"tables/territory\.csv: damaged in the \.zip"),
    "file and folder": (
        lambda: _zip({**_manual_files(), "tables": b"x"}),
        r"tables: the \.zip holds a file and a folder of this name",
    ),
    "traversal": (
        lambda: _zip({**_manual_files(), "tables/../../x.csv": b"x"}),
        r"tables/\.\./\.\./x\.csv: a path may not leave the manual",
    ),
    "too many entries": (
        lambda: _zip({**_manual_files(), **{f"notes/{i}.txt": b"" for i in range(600)}}),
        r"the \.zip holds 60\d entries; at most 500",
    ),
    "zip bomb": (
        lambda: _zip({**_manual_files(), "padding.txt": b"0" * (60 * MB)}),
        r"the \.zip unpacks to more than \d+ bytes",
    ),
    "not UTF-8": (
        _not_utf8,
        r"upload/tables/territory\.csv:\d+: not UTF-8 text \(byte 0xff at column 3\)",
    ),
    "bad YAML": (
        lambda: _zip({**_manual_files(), "manual.yaml": b"manual: [\n"}),
        r"upload/manual\.yaml:2: YAML syntax error",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_a_bad_archive_is_explained_never_a_500(
    admin_web: Server, manuals: Path, kind: str
) -> None:
    make, expected = BAD_UPLOADS[kind]
    cookies = _admin_cookies(admin_web)
    token = re.search(r"rateshop_csrf=([^;]+)", cookies)
    assert token

    async def go() -> tuple[int, str]:
        form = aiohttp.FormData()
        form.add_field("csrf", token.group(1))
        form.add_field("carrier", "pinnacle-national")
        form.add_field("manual", make(), filename="manual.zip", content_type="application/zip")
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                admin_web.url + "/admin/upload", data=form, headers={"cookie": cookies}
            ) as response,
        ):
            return response.status, await response.text()

    status, page = run(go())
    assert status == 422, page[-2000:]
    problems = re.search(r'id="upload-problems">(.*?)</div>', page, re.S)
    assert problems, page[-2000:]
    assert re.search(expected, problems.group(1)), problems.group(1)
    assert str(manuals.parent) not in page, "no path on the server is shown"
    assert not list(manuals.rglob(".upload-*"))
