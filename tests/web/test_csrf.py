"""CSRF is refused in one place for every page route that changes something: a form sent without
the browser's token, or with another, is refused with the "Form expired" page (403); with its token
it goes on to the route."""

from __future__ import annotations

import html

import aiohttp
import pytest
from webkit import run

from api.apikit import Server
from rateshop.web.app import routers
from rateshop.web.csrf import guarded
from rateshop.web.errors import CsrfRejected
from rateshop.web.pages import CSRF_COOKIE

REFUSED = str(CsrfRejected())
# Path parameters filled in with values of the right type; none names anything that exists.
FILL = {"{ref}": "x" * 32, "{carrier}": "harborview", "{lead_id}": "1", "{client_id}": "1",
        "{agency_id}": "1"}  # fmt: skip


def form_routes() -> list[str]:
    """Every path of the pages that takes a POST the guard checks."""
    routes = guarded(route for router in routers() for route in router.routes)
    return sorted({route.path for route in routes if "POST" in (route.methods or set())})


def filled(path: str) -> str:
    for name, value in FILL.items():
        path = path.replace(name, value)
    return path


async def _post(
    url: str, cookie: str | None, data: object, headers: dict[str, str]
) -> tuple[int, str, str]:
    sent = {**headers, **({"cookie": f"{CSRF_COOKIE}={cookie}"} if cookie else {})}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=sent, allow_redirects=False) as response,
    ):
        return response.status, response.content_type, await response.text()


def post(
    web: Server, path: str, cookie: str | None, data: object, headers: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """POST ``data`` to ``path`` (its parameters filled) with ``cookie`` as the CSRF cookie."""
    return run(_post(web.url + filled(path), cookie, data, headers or {}))


def test_every_form_of_the_pages_is_guarded() -> None:
    # A new form route shows up here, guarded unless it is marked as changing nothing.
    assert form_routes() == [
        "/admin/upload",
        "/agency/c/{ref}/edit",
        "/agency/clients/{client_id}/contact",
        "/agency/clients/{client_id}/delete",
        "/agency/clients/{client_id}/notes",
        "/agency/clients/{client_id}/policies",
        "/agency/leads/{lead_id}/assign",
        "/agency/new-client",
        "/c/{ref}/agency/{agency_id}",
        "/c/{ref}/contact/{carrier}",
        "/c/{ref}/delete",
        "/console/c/{ref}/notes",
        "/console/c/{ref}/requote",
        "/login",
        "/logout",
        "/quote/stream",
    ]


@pytest.mark.parametrize("path", form_routes())
def test_a_form_without_its_token_or_with_another_is_refused(web: Server, path: str) -> None:
    tries = [(None, {}), ("mine", {}), ("mine", {"csrf": "theirs"}), (None, {"csrf": "mine"})]
    for cookie, data in tries:
        status, kind, text = post(web, path, cookie, data)
        assert (status, kind) == (403, "text/html"), (path, cookie, data)
        assert "Form expired" in text
        assert REFUSED in html.unescape(text)


@pytest.mark.parametrize("path", form_routes())
def test_a_form_with_its_token_goes_on_to_its_route(web: Server, path: str) -> None:
    status, _, text = post(web, path, "mine", {"csrf": "mine"})
    assert "Form expired" not in text, (path, status)


def test_a_script_sends_its_token_in_a_header_and_is_refused_in_plain_words(web: Server) -> None:
    script = {"content-type": "application/json"}
    for cookie, token in [("mine", None), ("mine", "theirs"), (None, "mine")]:
        headers = {**script, **({"x-csrf-token": token} if token else {})}
        assert post(web, "/quote/stream", cookie, b"{}", headers) == (403, "text/plain", REFUSED)
    status, _, text = post(web, "/quote/stream", "mine", b"{}", {**script, "x-csrf-token": "mine"})
    assert status == 422, text  # past the guard: the empty risk is refused by its own check


def upload_form() -> aiohttp.FormData:
    """A manual's upload form as a browser sends it (multipart, with its token)."""
    form = aiohttp.FormData({"csrf": "mine", "carrier": "harborview"})
    form.add_field("manual", b"PK", filename="m.zip", content_type="application/zip")
    return form


def test_an_upload_from_another_site_is_refused_before_its_body_is_read(web: Server) -> None:
    for where in [{"sec-fetch-site": "cross-site"}, {"origin": "https://elsewhere.example"}]:
        status, kind, text = post(web, "/admin/upload", "mine", upload_form(), where)
        assert (status, kind) == (403, "text/html"), where
        assert "Form expired" in text
    # From this site it goes on to the route, which asks for an admin's log-in first.
    status, _, text = post(
        web, "/admin/upload", "mine", upload_form(), {"sec-fetch-site": "same-origin"}
    )
    assert status == 401
    assert "Form expired" not in text
