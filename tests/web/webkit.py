"""Helpers of the browser tests: chromium's flags and screenshots kept as test artefacts."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import cast

from fastapi import FastAPI
from playwright.sync_api import Page
from pydantic import SecretStr

from api.apikit import ROOT, SECRET, Server
from rateshop.config import Settings
from rateshop.store.accounts import Accounts, UserExists

SHOTS = ROOT / "build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (``build/screenshots/NAME.png``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def app_settings(database: Path, manuals: Path = ROOT / "manuals") -> Settings:
    """A test server's settings: SQLite at ``database``, the given manuals, the shipped market."""
    return Settings(
        database_url=f"sqlite:///{database}",
        secret_key=SecretStr(SECRET),
        dev_mode=False,
        manuals=manuals,
        market=ROOT / "market",
        # The tests make many requests from one address; the limits have tests of their own.
        rate_limit_compare="100000/minute",
        rate_limit_read="100000/minute",
    )


def make_user(server: Server, name: str, role: str, password: str) -> None:
    """A user in the served app's own database (kept if an earlier test made it already)."""
    runtime = cast(FastAPI, server.server.config.app).state.runtime
    with contextlib.suppress(UserExists):
        Accounts(runtime.store.engine).create_user(name, password, role)
