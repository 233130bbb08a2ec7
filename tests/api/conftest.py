"""API fixtures: the real app served by uvicorn on a loopback port, over each store backend.

Every API test runs twice: against a server on SQLite (a temporary file) and one on PostgreSQL (a
schema of its own in the ``test`` database, dropped afterwards). The PostgreSQL half is skipped when
the server cannot be reached, unless ``RATESHOP_REQUIRE_POSTGRES=1``, which makes that a failure
(the one PostgreSQL fixture, in ``tests/conftest.py``). One server per backend serves the whole session; the manuals are compiled
once per process, so the second starts at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from apikit import CARRIER_KEY, ROOT, Client, Server, postgres_schema, server_settings

from rateshop.api import create_app
from rateshop.config import Settings

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def api_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database on each backend: the server's start-up migrates it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'rateshop.db'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_admin"), "rateshop_api_test") as url:
        yield url


def settings_for(url: str) -> Settings:
    """The settings of the session's servers: every carrier but one reads its leads with a key."""
    keys = {c: CARRIER_KEY for c in carrier_ids() if c != "meridian-life"}
    return server_settings(url, carrier_keys=keys)


def carrier_ids() -> list[str]:
    """The ids of the carriers of the sample market."""
    catalog = yaml.safe_load((ROOT / "market" / "carriers.yaml").read_text(encoding="utf-8"))
    return [c["id"] for c in catalog["carriers"]]


@pytest.fixture(scope="session")
def server(api_database: str) -> Iterator[Server]:
    """The app served by uvicorn on a free loopback port."""
    served = Server(create_app(settings_for(api_database)))
    served.start()
    yield served
    served.stop()


@pytest.fixture(scope="session")
def api(server: Server) -> Iterator[Client]:
    """An HTTP client of the server."""
    client = Client(server.url)
    yield client
    client.close()
