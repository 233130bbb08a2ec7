"""Bringing a database's schema to the version this code needs, with Alembic.

The migration scripts ship inside the package (``rateshop/store/migrations``), so an installed
rateshop can migrate its own database::

    python -m rateshop.store                 # the database of RATESHOP_DATABASE_URL
    python -m rateshop.store postgresql+psycopg://user@host/db

Developers working from the repository can also use ``alembic`` with the ``alembic.ini`` at its
root (``alembic upgrade head``, ``alembic revision --autogenerate -m "..."``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import make_url, text
from sqlalchemy.exc import SQLAlchemyError

from rateshop.config import settings
from rateshop.store.database import connect

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision shipped (a test holds it to the scripts). A database already at it is
# recognised with one query, without loading Alembic: about a tenth of every server's start.
HEAD = "0006"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the packaged migrations and the database at ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser would read a percent-encoded password as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head() -> str:
    """The newest revision of the packaged migrations: the schema this code expects."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    engine = connect(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` (the newest by default); returns it.

    Safe to run on every start: a database already there is left as it is. A new SQLite
    database is given the newest schema in one transaction, as the migrations make it
    (:mod:`rateshop.store.sqlite_schema`).
    """
    if revision == "head" and (_at_head(url) or _new_sqlite(url)):
        return HEAD
    return upgrade_with_migrations(url, revision)


def _new_sqlite(url: str) -> bool:
    """Whether ``url`` is a SQLite database that held no table and now holds the newest schema."""
    if make_url(url).get_backend_name() != "sqlite":
        return False
    from rateshop.store.sqlite_schema import create_if_new

    engine = connect(url)
    try:
        raw = engine.raw_connection()
        try:
            database = raw.driver_connection
            assert isinstance(database, sqlite3.Connection)
            return create_if_new(database, HEAD)
        finally:
            raw.close()
    finally:
        engine.dispose()


def upgrade_with_migrations(url: str, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` by running the migrations; returns it."""
    from alembic import command

    engine = connect(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    now = current(url)
    assert now is not None
    return now


def _at_head(url: str) -> bool:
    """Whether the database at ``url`` is at :data:`HEAD` (False when it cannot say)."""
    engine = connect(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False  # never migrated (no table), or not reachable: Alembic will say which
    finally:
        engine.dispose()
    return [tuple(row) for row in found] == [(HEAD,)]


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base`` drops the store's tables)."""
    from alembic import command

    engine = connect(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    """``python -m rateshop.store [URL]``: upgrade to head and say which revision it is at."""
    url = argv[0] if argv else settings().database_url
    revision = upgrade(url)
    print(f"database at revision {revision} (head {head()})")
    return 0
