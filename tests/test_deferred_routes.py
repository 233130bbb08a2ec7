"""A router held by a stand-in is imported on the first request under its paths, and that request is
answered as if the router had been on the app from the start; the apps' stand-ins cover every
route of their routers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from starlette.types import Message

from paths import ROOT
from rateshop.app import create_app
from rateshop.config import Settings
from rateshop.deferred_routes import DeferredRoutes, add_routes, covering, defer_routes

Answer = tuple[int, dict[str, str], bytes]


def call(app: FastAPI, method: str, path: str) -> Answer:
    """One request to ``app`` in this process: its status, headers and body."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, body


def _eager() -> APIRouter:
    router = APIRouter()

    @router.get("/a")
    def a() -> dict[str, str]:
        return {"router": "a"}

    return router


def _rare() -> APIRouter:
    router = APIRouter(prefix="/b", tags=["b"])

    @router.get("")
    def home() -> dict[str, str]:
        return {"router": "b"}

    @router.get("/{item}", name="b_item")
    def item(item: int) -> dict[str, int]:
        return {"item": item}

    return router


EAGER, RARE = _eager(), _rare()


def app_with(loads: list[str]) -> FastAPI:
    """An app with ``EAGER`` on it and ``RARE`` held by a stand-in; ``loads`` counts its loads."""

    def load() -> APIRouter:
        loads.append("b")
        return RARE

    app = FastAPI()
    add_routes(app, EAGER)
    defer_routes(app, "/b", load)
    return app


def test_a_request_elsewhere_leaves_the_router_unloaded() -> None:
    loads: list[str] = []
    app = app_with(loads)
    assert call(app, "GET", "/a")[0] == 200
    assert call(app, "GET", "/bb")[0] == 404  # not under /b
    assert loads == []


def test_the_first_request_under_its_paths_loads_the_router_once_and_is_answered() -> None:
    loads: list[str] = []
    app = app_with(loads)
    status, _, body = call(app, "GET", "/b/7")
    assert (status, json.loads(body)) == (200, {"item": 7})
    assert not any(isinstance(r, DeferredRoutes) for r in app.router.routes)
    assert call(app, "GET", "/b")[0] == 200
    assert loads == ["b"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/b"), ("GET", "/b/"), ("GET", "/b/x"), ("GET", "/b/1/more"), ("GET", "/a/")],
)
def test_a_first_request_is_answered_as_with_the_router_in_place(method: str, path: str) -> None:
    """A 405 with its Allow, a redirect to the path without its slash, a 422, a 404."""
    eager = FastAPI()
    add_routes(eager, EAGER)
    add_routes(eager, RARE)
    deferred = call(app_with([]), method, path)
    assert deferred == call(eager, method, path)
    assert deferred[0] in (307, 404, 405, 422)


def test_names_and_the_openapi_document_see_the_deferred_routes() -> None:
    app = app_with([])
    assert app.url_path_for("b_item", item="3") == "/b/3"
    eager = FastAPI()
    add_routes(eager, EAGER)
    add_routes(eager, RARE)
    for route in list(app.router.routes):
        if isinstance(route, DeferredRoutes):
            route.put_in_place()
    assert app.openapi() == eager.openapi()


PATHS = ("/c/abc/agency", "/c/abc/agency/2", "/c/abc/agencyx", "/c/abc/contact")


def test_a_prefix_covers_the_paths_at_and_under_it() -> None:
    agency = covering("/c/{ref}/agency")
    assert [bool(agency.match(p)) for p in PATHS] == [True, True, False, False]


def test_each_stand_in_of_the_app_covers_every_route_of_its_router() -> None:
    app = create_app(Settings(dev_mode=True, database_url="sqlite://"))
    stand_ins = [r for r in app.router.routes if isinstance(r, DeferredRoutes)]
    assert {s.prefix for s in stand_ins} == {
        "/agencies", "/console", "/admin", "/agency", "/c/{ref}/agency"
    }  # fmt: skip
    for stand_in in stand_ins:
        paths = [getattr(route, "path", "") for route in stand_in.routes]
        assert paths
        assert all(stand_in.pattern.match(path) for path in paths), (stand_in.prefix, paths)


def test_a_started_app_has_not_imported_what_few_requests_need(tmp_path: Path) -> None:
    """The rare routers and their services, the PostgreSQL dialect (on SQLite), the VIN decoder
    and prometheus-client are imported by the first request that needs them, not by the app's
    making and start-up."""
    probe = (
        "import sys\n"
        "from rateshop.app import create_app\n"
        "from rateshop.config import Settings\n"
        "from rateshop.services.runtime import Runtime\n"
        "create_app()\n"
        "Runtime.start(Settings()).close()\n"
        "rare = ('rateshop.web.console', 'rateshop.web.admin', 'rateshop.web.agency',\n"
        "        'rateshop.web.agency_contact', 'rateshop.api.agency.endpoints',\n"
        "        'rateshop.services.agency', 'rateshop.store.agency_records',\n"
        "        'sqlalchemy.dialects.postgresql', 'vininfo', 'prometheus_client')\n"
        "print(','.join(m for m in rare if m in sys.modules))\n"
    )
    env: dict[str, Any] = dict(
        os.environ,
        RATESHOP_DEV_MODE="1",
        RATESHOP_DATABASE_URL=f"sqlite:///{tmp_path / 'rateshop.db'}",
        RATESHOP_MANUALS=str(ROOT / "manuals"),
        RATESHOP_MARKET=str(ROOT / "market"),
        RATESHOP_PLAN_CACHE=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
