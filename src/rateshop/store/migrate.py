"""Bringing a database's schema to the version this code needs, with Alembic.

The migration scripts ship inside the package (``rateshop/store/migrations``), so an installed
rateshop can migrate its own database::

    python -m rateshop.store                 # the database of RATESHOP_DATABASE_URL
    python -m rateshop.store postgresql+psycopg://user@host/db

Developers working from the repository can also use ``alembic`` with the ``alembic.ini`` at its
root (``alembic upgrade head``, ``alembic revision --autogenerate -m "..."``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from rateshop.config import settings
from rateshop.store.database import connect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the packaged migrations and the database at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser would read a percent-encoded password as interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head() -> str:
    """The newest revision of the packaged migrations: the schema this code expects."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for a database never migrated."""
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> str:
    """Bring the database at ``url`` to ``revision`` (the newest by default); returns it.

    Safe to run on every start: a database already there is left as it is.
    """
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


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base`` drops the store's tables)."""
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
