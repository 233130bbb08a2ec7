"""Connecting to the store's database: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rateshop.store.errors import StoreFailure


def json_text(data: Any) -> str:
    """``data`` as JSON text for a JSON column.

    orjson writes a stored comparison several times faster than the standard encoder; it refuses
    integers beyond 64 bits, which a shopper's risk could hold, so those go to the standard one.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(data)


def connect(url: str) -> Engine:
    """An engine for ``url``, set up so the store's rules hold on every backend.

    SQLite enforces foreign keys (and so the cascades that delete a comparison's answers and
    contacts) only when asked, on each connection; it also waits for a lock instead of failing.
    It keeps a write-ahead log: a commit appends to the log instead of rewriting the database
    with two syncs, and readers no longer wait for a writer. Each commit still syncs its log
    (``synchronous = FULL``): a comparison the caller was told is stored survives a power cut too.

    A server's connections are checked before use (a round trip each time), since a server can
    restart under a pooled connection; a SQLite file cannot go away like that, so it is not.
    """
    sqlite = url.startswith("sqlite")
    # Reading stays with the standard decoder: orjson would read a big integer as a float.
    engine = create_engine(url, pool_pre_ping=not sqlite, json_serializer=json_text)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    Database failures become a :class:`StoreFailure`, so callers handle one error tree.
    """
    try:
        with sessions.begin() as session:
            yield session
    except SQLAlchemyError as exc:
        # The driver's first line says what failed; SQLAlchemy's own text would add the
        # statement's parameters, which can hold a shopper's data.
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        first = (str(cause).splitlines() or [""])[0]
        raise StoreFailure(f"the database failed: {type(cause).__name__}: {first}") from exc
