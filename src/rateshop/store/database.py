"""Connecting to the store's database: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def connect(url: str) -> Engine:
    """An engine for ``url``, set up so the store's rules hold on every backend.

    SQLite enforces foreign keys (and so the cascades that delete a comparison's answers and
    contacts) only when asked, on each connection; it also waits for a lock instead of failing.
    It keeps a write-ahead log: a commit appends to the log instead of rewriting the database
    with two syncs, and readers no longer wait for a writer. Each commit still syncs its log
    (``synchronous = FULL``): a comparison the caller was told is stored survives a power cut too.
    """
    engine = create_engine(url, pool_pre_ping=True)
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
