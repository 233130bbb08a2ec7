"""Helpers of the fuzz tests: a served app of their own on each backend, and what they sent.

The fuzzers create, read and delete comparisons at random, so they get a server and a database of
their own rather than the one the other API tests share.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from apikit import POSTGRES_URL, ROOT, SECRET, Server
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from rateshop.config import Settings
from rateshop.web.app import create_app

BACKENDS = ["sqlite", "postgresql"]


def fuzz_settings(url: str) -> Settings:
    """The settings of a fuzzed server: the shipped market, the tests' key, no dev mode."""
    return Settings(
        database_url=url,
        secret_key=SECRET,
        dev_mode=False,
        manuals=ROOT / "manuals",
        market=ROOT / "market",
        # Many requests from one address: the rate limits have tests of their own.
        rate_limit_compare="100000/minute",
        rate_limit_read="100000/minute",
    )


@contextmanager
def fuzz_database(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
    """An empty database on ``backend`` for one fuzzed server (PostgreSQL: a schema, dropped after)."""
    if backend == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp("fuzz")
        yield f"sqlite:///{folder / 'rateshop.db'}"
        return
    admin: Engine = request.getfixturevalue("api_postgres")
    schema = f"rateshop_fuzz_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@contextmanager
def served(request: pytest.FixtureRequest, backend: str) -> Iterator[Server]:
    """The whole app as ``rateshop serve`` runs it (API and pages), on a free loopback port."""
    with fuzz_database(request, backend) as url:
        server = Server(create_app(fuzz_settings(url)))
        server.start()
        try:
            yield server
        finally:
            server.stop()


class Tally:
    """How many requests a fuzz test sent and what came back, for its report line."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.statuses: Counter[int] = Counter()

    def note(self, status: int) -> None:
        self.statuses[status] += 1

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    def report(self, config: pytest.Config) -> None:
        """One line in pytest's summary: requests sent and answers by status."""
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and self.sent:
            by_status = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
            reporter.write_line(f"{self.name}: {self.sent} requests ({by_status})")
