"""Alembic's environment for the store: which database, which models, how to run a revision.

:func:`rateshop.store.migrate.upgrade` hands over an open connection; the ``alembic`` command line
gives a URL instead (``sqlalchemy.url``, else ``RATESHOP_DATABASE_URL``).
"""

from __future__ import annotations

import importlib
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from rateshop.config import settings
from rateshop.store.database import connect
from rateshop.store.models import Base

# The account and agency tables are declared in their own modules; importing them puts them in
# Base.metadata, which autogeneration compares with the database.
importlib.import_module("rateshop.store.accounts")
importlib.import_module("rateshop.store.agency_models")

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot alter most of a table in place; batch mode copies it instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against a live database: the connection given, or one opened from the URL."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    engine = connect(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


# Only the alembic command line configures logging; called from the service, the host's stays.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
