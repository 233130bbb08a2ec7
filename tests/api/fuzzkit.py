"""Helpers of the fuzz tests: a served app of their own on each backend, and what they sent.

The fuzzers create, read and delete comparisons at random, so they get a server and a database of
their own rather than the one the other API tests share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from apikit import Server, postgres_schema, server_settings

from rateshop.app import create_app

BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def fuzz_database(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
    """An empty database on ``backend`` for one fuzzed server (PostgreSQL: a schema, dropped after)."""
    if backend == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp("fuzz")
        yield f"sqlite:///{folder / 'rateshop.db'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_admin"), "rateshop_fuzz") as url:
        yield url


@contextmanager
def served(request: pytest.FixtureRequest, backend: str) -> Iterator[Server]:
    """The whole app as ``rateshop serve`` runs it (API and pages), on a free loopback port."""
    with fuzz_database(request, backend) as url:
        server = Server(create_app(server_settings(url)))
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
