"""Errors on web pages are pages, with the status and message the API answers with: one table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import aiohttp
import pytest
from fastapi import FastAPI
from webkit import app_settings, as_served, run

from api.apikit import Server
from rateshop.app import create_app
from rateshop.store.errors import StoreFailure


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Server]:
    served = as_served(Server(create_app(app_settings(tmp_path / "rateshop.db"))))
    served.start()
    yield served
    served.stop()


async def _get(url: str, accept: str = "text/html,*/*") -> tuple[int, str, str, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers={"accept": accept}) as got,
    ):
        headers = {k.lower(): v for k, v in got.headers.items()}
        return got.status, got.content_type, await got.text(), headers


def test_a_store_failure_on_a_page_is_a_page_and_the_api_still_answers_json(
    web: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = cast(FastAPI, web.server.config.app).state.runtime

    def failing(*args: object, **kwargs: object) -> None:
        raise StoreFailure("the database failed: OperationalError: server at 10.1.2.3 closed")

    monkeypatch.setattr(runtime.store, "get", failing)
    ref = "r" * 32
    status, kind, text, headers = run(_get(f"{web.url}/c/{ref}"))
    assert (status, kind) == (503, "text/html")
    assert "Please try again shortly" in text
    assert "incident" in text
    assert "10.1.2.3" not in text
    assert headers["retry-after"]
    status, kind, text, _ = run(_get(f"{web.url}/comparisons/{ref}"))
    assert (status, kind) == (503, "application/json")
    assert "10.1.2.3" not in text
    # A page's script asking one of the pages' routes for data still gets JSON.
    status, kind, _, _ = run(_get(f"{web.url}/c/{ref}", accept="*/*"))
    assert (status, kind) == (503, "application/json")
