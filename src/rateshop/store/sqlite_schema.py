"""A new SQLite database's schema made in one transaction, from the migrations' own result.

A first start on a new SQLite file (``make run``, a laptop, a test) would otherwise import
Alembic and run every migration to make a schema known in advance: about a sixth of a second of
the start. The statements the migrations leave in a SQLite database (its ``sqlite_master``, in
the order they were made) ship in ``sqlite_schema.sql``, with the revision they reach; a test
makes a database with the migrations and holds the file to it (``python
scripts/write_sqlite_schema.py`` writes it again). A database with any table in it is never
touched here: the migrations bring it to the newest revision as before.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "sqlite_schema.sql"
# Statements in the script are separated by this line (a statement's text never holds it).
SEPARATOR = "\n-- next\n"


def statements_of(database: sqlite3.Connection) -> list[str]:
    """The statements that make ``database``'s schema and its Alembic revision, in order."""
    rows = database.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    made = [str(sql) for (sql,) in rows]
    revisions = [str(r) for (r,) in database.execute("SELECT version_num FROM alembic_version")]
    return made + [f"INSERT INTO alembic_version (version_num) VALUES ('{r}')" for r in revisions]


def statements(revision: str) -> list[str] | None:
    """The shipped statements, when they reach ``revision``; None otherwise (a stale script is
    never used: the migrations run instead)."""
    try:
        text = SCRIPT.read_text(encoding="utf-8")
    except OSError:
        return None
    found = [s for s in text.split(SEPARATOR) if s.strip()]
    reached = f"INSERT INTO alembic_version (version_num) VALUES ('{revision}')"
    if not found or found[-1].strip() != reached:
        return None
    return [s.strip() for s in found]


def create_if_new(database: sqlite3.Connection, revision: str) -> bool:
    """Make the schema at ``revision`` in ``database`` when it holds no table yet; whether it did.

    Under an immediate transaction: a second process starting on the same new file waits, then
    finds the tables and leaves them.
    """
    script = statements(revision)
    if script is None:
        return False
    database.execute("BEGIN IMMEDIATE")
    try:
        (tables,) = database.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if tables:
            database.rollback()
            return False
        for statement in script:
            database.execute(statement)
        database.commit()
    except BaseException:
        database.rollback()
        raise
    return True
