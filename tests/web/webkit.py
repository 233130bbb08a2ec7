"""Helpers of the web tests: chromium's flags, screenshots, test servers and a script's visitor."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, TypeVar, cast

import aiohttp
from fastapi import FastAPI
from playwright.sync_api import Browser, Page
from pydantic import SecretStr

from api.apikit import ROOT, SECRET, Server
from rateshop.config import Settings
from rateshop.store.accounts import Accounts, UserExists

T = TypeVar("T")

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


def as_served(server: Server) -> Server:
    """``server`` set up as ``rateshop serve`` runs the app: uvicorn itself believes no proxy.

    Only the app's ``RATESHOP_TRUSTED_PROXIES`` decides whose X-Forwarded-* headers count.
    """
    server.server.config.proxy_headers = False
    return server


@contextlib.contextmanager
def rateshop_serve(port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """``rateshop serve`` in a process of its own on ``port`` (output to ``log``); yields its URL."""
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-c", "from rateshop.cli import app; app()"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "RATESHOP_SECRET_KEY": SECRET, **env},
            stdout=out,
            stderr=out,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"rateshop serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Visitor:
    """A script's visit to the log-in form: the CSRF cookie and token, kept by hand."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def keep(self, response: aiohttp.ClientResponse) -> None:
        """Keep (or drop) the cookies ``response`` sets."""
        for header in response.headers.getall("set-cookie", []):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    @property
    def csrf(self) -> str:
        return self.cookies["rateshop_csrf"]

    async def open_login(self, session: aiohttp.ClientSession) -> str:
        """Open the log-in form; returns the page's CSRF token (the cookie's value)."""
        async with session.get(self.base + "/login") as response:
            self.keep(response)
            found = re.search(r'name="csrf" value="([^"]+)"', await response.text())
        assert found, "the log-in form has no CSRF token"
        assert found.group(1) == self.csrf
        return self.csrf

    async def post(
        self,
        session: aiohttp.ClientSession,
        path: str,
        form: dict[str, str],
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str]]:
        """POST ``form`` with this visitor's cookies; returns the status and the headers."""
        async with session.post(
            self.base + path,
            data=form,
            headers={**(headers or {}), "cookie": self.cookie_header()},
            allow_redirects=False,
        ) as response:
            await response.read()
            self.keep(response)
            return response.status, {k.lower(): v for k, v in response.headers.items()}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on a thread of its own.

    Playwright's sync API keeps an event loop running in the test's thread once a browser test
    ran, and ``asyncio.run`` refuses to start a second one there.
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@contextlib.contextmanager
def watched_page(browser: Browser, base_url: str, timeout_ms: int) -> Iterator[Page]:
    """A fresh browser context (no cookies, no stored answers) on ``base_url``, failing the test
    afterwards when a page raised a script error or broke its Content-Security-Policy."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(timeout_ms)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    # Chromium reports what the Content-Security-Policy blocked on the console.
    opened.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield opened
    context.close()
    assert not errors, f"the page raised script errors or broke its CSP: {errors}"
