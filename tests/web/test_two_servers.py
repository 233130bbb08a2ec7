"""Two ``rateshop serve`` processes on one database, each with manuals on its own disk, as two
nodes behind a load balancer: a manual uploaded on one is quoted by the other within seconds, and
a comparison made on one is read, replayed and deleted on the other (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from test_admin import SOURCE, zipped
from webkit import Visitor, rateshop_serve, run

from api.apikit import ROOT, example, free_ports, postgres_schema
from rateshop.store import upgrade
from rateshop.store.accounts import Accounts
from rateshop.store.database import connect

PASSWORD = "admin password 2"
CARRIER = SOURCE.parent.name  # the uploaded version: this carrier's auto/TX from 2027-01-01
SYNC_SECONDS = 0.5
WAIT = 20.0  # the longest a test waits for the other server to learn of an upload


def _with_admin(url: str) -> str:
    """The database at ``url`` migrated, with one admin."""
    upgrade(url)
    engine = connect(url)
    try:
        Accounts(engine).create_user("admin.ada", PASSWORD, "admin")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database with one admin, on each backend."""
    if request.param == "sqlite":
        yield _with_admin(f"sqlite:///{tmp_path / 'rateshop.db'}")
        return
    with postgres_schema(request.getfixturevalue("postgres_admin"), "rateshop_web") as url:
        yield _with_admin(url)


def _node(tmp_path: Path, name: str, database_url: str) -> dict[str, str]:
    """The environment of one node: the shared database, its own copy of the manuals."""
    manuals = tmp_path / name / "manuals"
    shutil.copytree(ROOT / "manuals", manuals)
    return {
        "RATESHOP_DATABASE_URL": database_url,
        "RATESHOP_MANUALS": str(manuals),
        "RATESHOP_MARKET": str(ROOT / "market"),
        "RATESHOP_MARKET_SYNC_SECONDS": str(SYNC_SECONDS),
        "RATESHOP_PLAN_CACHE": str(tmp_path / name / "plans"),
    }


async def _upload(base: str, data: bytes) -> int:
    """Log in as the admin on ``base`` and upload ``data`` for the carrier; the status."""
    async with aiohttp.ClientSession() as session:
        visitor = Visitor(base)
        token = await visitor.open_login(session)
        form = {"username": "admin.ada", "password": PASSWORD, "csrf": token}
        status, _ = await visitor.post(session, "/login", form)
        assert status == 303
        body = aiohttp.FormData()
        body.add_field("csrf", visitor.csrf)
        body.add_field("carrier", CARRIER)
        body.add_field("manual", data, filename="manual.zip", content_type="application/zip")
        async with session.post(
            base + "/admin/upload",
            data=body,
            headers={"cookie": visitor.cookie_header(), "origin": base},
            allow_redirects=False,
        ) as response:
            text = await response.text()
            assert response.status == 200, text
            return response.status


async def _call(method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as got:
        body = await got.json() if got.content_type == "application/json" else await got.text()
        return got.status, body


def _version_quoted(base: str, risk: dict[str, Any]) -> str:
    status, body = run(_call("POST", base + "/comparisons", json=risk))
    assert status == 201, body
    [answer] = [a for a in body["quotes"] + body["declines"] if a["carrier"] == CARRIER]
    kind = "quote" if "quote" in answer else "decline"
    return str(answer[kind]["manual"]["effective"])


def test_an_upload_on_one_server_is_quoted_by_the_other_and_comparisons_move_freely(
    database_url: str, tmp_path: Path
) -> None:
    risk = {**example("auto"), "effective_date": "2027-01-15"}
    first_env, second_env = _node(tmp_path, "a", database_url), _node(tmp_path, "b", database_url)
    ports = free_ports(2)
    with (
        rateshop_serve(ports[0], first_env, tmp_path / "a.log") as first,
        rateshop_serve(ports[1], second_env, tmp_path / "b.log") as second,
    ):
        assert _version_quoted(second, risk) == "2026-07-01"
        run(_upload(first, zipped()))
        assert _version_quoted(first, risk) == "2027-01-01"
        deadline = time.monotonic() + WAIT
        while (seen := _version_quoted(second, risk)) != "2027-01-01":
            assert time.monotonic() < deadline, f"the other server still quotes {seen}"
            run(asyncio.sleep(SYNC_SECONDS))
        installed = Path(second_env["RATESHOP_MANUALS"]) / CARRIER / "auto-tx-2027-01-01"
        assert (installed / "manual.yaml").is_file()

        # A comparison made on one node is read, replayed and deleted on the other.
        status, made = run(_call("POST", first + "/comparisons", json=risk))
        assert status == 201, made
        ref, key = made["ref"], made["owner_key"]
        status, read = run(_call("GET", f"{second}/comparisons/{ref}"))
        assert status == 200
        assert read["quotes"] == made["quotes"]
        status, replayed = run(_call("GET", f"{second}/comparisons/{ref}/replay"))
        assert status == 200
        assert replayed["same"] is True, replayed
        worksheet = made["quotes"][0]["quote"]["worksheet_url"]
        status, explained = run(_call("GET", second + worksheet))
        assert status == 200, explained
        assert explained["worksheet"]
        status, _ = run(
            _call("DELETE", f"{second}/comparisons/{ref}", headers={"X-Owner-Key": key})
        )
        assert status == 204
        status, _ = run(_call("GET", f"{first}/comparisons/{ref}"))
        assert status == 404
