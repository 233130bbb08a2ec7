"""Connecting to the store's database: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rateshop.jsonwrite import json_text
from rateshop.store.errors import StoreFailure, StoreFull

# SQLite's result code and PostgreSQL's SQLSTATE for "no room left".
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"

# A database server that does not answer must not hold a request for long: a connection waits
# at most this for the server (then the request is a 503 with Retry-After), unless the URL says
# otherwise (``?connect_timeout=``)...
CONNECT_TIMEOUT_SECONDS = 5
# ... and a statement at most this (the slowest, a save of every carrier's answer, takes
# milliseconds; a statement waiting this long waits on a lock that will not be freed soon).
STATEMENT_TIMEOUT_MS = 30_000


def connect(url: str) -> Engine:
    """An engine for ``url``, set up so the store's rules hold on every backend.

    SQLite enforces foreign keys (and so the cascades that delete a comparison's answers and
    contacts) only when asked, on each connection; it also waits for a lock instead of failing.
    It keeps a write-ahead log: a commit appends to the log instead of rewriting the database
    with two syncs, and readers no longer wait for a writer. Each commit still syncs its log
    (``synchronous = FULL``): a comparison the caller was told is stored survives a power cut too.

    A server's connections are checked before use (a round trip each time), since a server can
    restart under a pooled connection; a SQLite file cannot go away like that, so it is not. A
    server that stops answering costs a request :data:`CONNECT_TIMEOUT_SECONDS` at most to connect
    and :data:`STATEMENT_TIMEOUT_MS` per statement; when it is back, the next request reconnects.
    """
    sqlite = url.startswith("sqlite")
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql" and "connect_timeout" not in url:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    # Reading stays with the standard decoder: orjson would read a big integer as a float.
    engine = create_engine(
        url, pool_pre_ping=not sqlite, json_serializer=json_text, connect_args=connect_args
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_on_connect)
    return engine


def _postgres_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Outside any transaction, so the setting stays with the connection for its whole life.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    cursor.close()
    dbapi_connection.autocommit = autocommit


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
        failure = StoreFull if _is_full(cause) else StoreFailure
        raise failure(f"the database failed: {type(cause).__name__}: {first}") from exc


def _is_full(cause: BaseException | None) -> bool:
    """Whether a driver's error says the disk (or the database's size limit) is full."""
    code = getattr(cause, "sqlite_errorcode", None)
    # Extended result codes keep the primary code in their low byte.
    if isinstance(code, int) and code & 0xFF == SQLITE_FULL:
        return True
    return getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL
