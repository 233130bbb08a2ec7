"""Browser fixtures: the real app on a loopback port and Debian's chromium driven by Playwright.

The server runs the shipped market on a fresh SQLite file (the embedded default). The browser is the
system's chromium (``make test`` installs it); Playwright never downloads a browser of its own. A
missing chromium fails these tests rather than skipping them: they are the web pages' only check.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from webkit import CHROMIUM_FLAGS, app_settings, as_served, watched_page

from api.apikit import Server
from rateshop.app import create_app


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The whole app (API and pages) on SQLite, served by uvicorn on a free loopback port."""
    database = tmp_path_factory.mktemp("web") / "rateshop.db"
    served = as_served(Server(create_app(app_settings(database))))
    served.start()
    yield served
    served.stop()


# Per module, not per session: while Playwright's driver runs, the thread's event loop counts as
# running and ``asyncio.run`` refuses to start, so other modules on the same worker would fail.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, web: Server) -> Iterator[Page]:
    """A fresh browser context (no cookies, no stored answers) on the app."""
    with watched_page(browser, web.url, 15_000) as opened:
        yield opened
