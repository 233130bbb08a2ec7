"""Store fixtures: a fresh migrated database on each backend, and real comparisons to save.

Every database test runs twice: on SQLite (a temporary file) and on PostgreSQL (a schema of its own
in the ``test`` database, dropped afterwards). PostgreSQL tests are skipped when the server cannot
be reached, unless ``RATESHOP_REQUIRE_POSTGRES=1``, which turns that into a failure.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine
from storekit import (
    ROOT,
    Compared,
    TimedOutCarrier,
    compare_example,
    config_for,
)

from paths import POSTGRES_URL
from rateshop.compare.market import Market
from rateshop.rating.library import Library
from rateshop.store import Store, upgrade

BACKENDS = ["sqlite", "postgresql"]

# Schemas of this run share a random prefix, so parallel runs on one server never collide.
_RUN = secrets.token_hex(4)
_schema_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def store_postgres(postgres_admin: Engine) -> Iterator[Engine]:
    """The PostgreSQL test server (see tests/conftest.py), and afterwards the schemas of this run
    that a test could not drop (e.g. interrupted) dropped with it."""
    yield postgres_admin
    with postgres_admin.begin() as connection:
        leftovers = connection.scalars(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": f"rateshop_test_{_RUN}_%"},
        ).all()
        for schema in leftovers:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _postgres_schema(admin: Engine) -> Iterator[str]:
    schema = f"rateshop_test_{_RUN}_{next(_schema_numbers)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, never migrated, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rateshop.db'}"
    else:
        yield from _postgres_schema(request.getfixturevalue("store_postgres"))


@pytest.fixture
def database_url(empty_url: str) -> str:
    """A database brought to head by the migrations (never by ``create_all``)."""
    upgrade(empty_url)
    return empty_url


@pytest.fixture
def backend(database_url: str) -> str:
    """``sqlite`` or ``postgresql``: the backend of this test's database."""
    return make_url(database_url).get_backend_name()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An open store over a freshly migrated database."""
    with Store.open(config_for(database_url)) as opened:
        yield opened


@pytest.fixture(scope="session")
def market_library() -> tuple[Library, Market]:
    """The shipped TX auto and life manuals, and the market catalog."""
    folders = sorted(
        [*(ROOT / "manuals").glob("*/auto-tx-*"), *(ROOT / "manuals").glob("*/life-tx-*")]
    )
    return Library.load(*folders), Market.load(ROOT / "market")


@pytest.fixture(scope="session")
def auto(market_library: tuple[Library, Market]) -> Compared:
    """examples/auto.json: quotes, a decline, and an error from a carrier that timed out."""
    compared = compare_example(market_library, "auto", [TimedOutCarrier()])
    kinds = compared.comparison
    assert kinds.quotes
    assert kinds.declines
    assert kinds.errors
    return compared


@pytest.fixture(scope="session")
def life(market_library: tuple[Library, Market]) -> Compared:
    """examples/life.json: another line, with its own manuals."""
    return compare_example(market_library, "life")
