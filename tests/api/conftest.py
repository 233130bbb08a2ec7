"""API fixtures: the real app served by uvicorn on a loopback port, over each store backend.

Every API test runs twice: against a server on SQLite (a temporary file) and one on PostgreSQL (a
schema of its own in the ``test`` database, dropped afterwards). The PostgreSQL half is skipped when
the server cannot be reached, unless ``RATESHOP_REQUIRE_POSTGRES=1``, which makes that a failure
(as in ``tests/store``). One server per backend serves the whole session; the manuals are compiled
once per process, so the second starts at once.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import yaml
from apikit import CARRIER_KEY, POSTGRES_URL, ROOT, SECRET, Client, Server
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from rateshop.api import create_app
from rateshop.config import Settings

BACKENDS = ["sqlite", "postgresql"]
_RUN = secrets.token_hex(4)


@pytest.fixture(scope="session")
def api_postgres() -> Iterator[Engine]:
    """A connection to the PostgreSQL test server, or a skip (a failure if it is required)."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    reason = None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {first}"
    if reason is not None:
        if os.environ.get("RATESHOP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}\nRATESHOP_REQUIRE_POSTGRES=1 requires it.", pytrace=False)
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def api_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database on each backend: the server's start-up migrates it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'rateshop.db'}"
        return
    admin: Engine = request.getfixturevalue("api_postgres")
    schema = f"rateshop_api_test_{_RUN}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def settings_for(url: str) -> Settings:
    """The settings of a test server: the shipped market, the tests' key, no dev mode."""
    return Settings(
        database_url=url,
        secret_key=SECRET,
        dev_mode=False,
        manuals=ROOT / "manuals",
        market=ROOT / "market",
        carrier_keys={c: CARRIER_KEY for c in carrier_ids() if c != "meridian-life"},
        # The tests make many requests from one address; the limits have tests of their own.
        rate_limit_compare="100000/minute",
        rate_limit_read="100000/minute",
    )


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
