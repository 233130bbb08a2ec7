"""A new SQLite database gets, in one transaction, exactly the schema the migrations make."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rateshop.store import sqlite_schema
from rateshop.store.migrate import HEAD, current, upgrade, upgrade_with_migrations


def _schema(path: Path) -> list[str]:
    with sqlite3.connect(path) as database:
        made = sqlite_schema.statements_of(database)
    database.close()
    return made


def test_the_shipped_script_is_what_the_migrations_make(tmp_path: Path) -> None:
    path = tmp_path / "migrated.db"
    upgrade_with_migrations(f"sqlite:///{path}")
    shipped = sqlite_schema.statements(HEAD)
    assert shipped == _schema(path), (
        "the migrations changed: write the script again with python scripts/write_sqlite_schema.py"
    )


def test_a_new_database_gets_the_schema_the_migrations_make(tmp_path: Path) -> None:
    scripted, migrated = tmp_path / "scripted.db", tmp_path / "migrated.db"
    assert upgrade(f"sqlite:///{scripted}") == HEAD
    upgrade_with_migrations(f"sqlite:///{migrated}")
    assert _schema(scripted) == _schema(migrated)
    assert current(f"sqlite:///{scripted}") == HEAD
    assert upgrade(f"sqlite:///{scripted}") == HEAD, "a database at head is left as it is"


def test_a_database_with_a_table_is_left_to_the_migrations(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    database = sqlite3.connect(path, isolation_level=None)
    try:
        database.execute("CREATE TABLE notes_of_mine (x INTEGER)")
        assert not sqlite_schema.create_if_new(database, HEAD)
        names = [n for (n,) in database.execute("SELECT name FROM sqlite_master")]
    finally:
        database.close()
    assert names == ["notes_of_mine"]


def test_a_script_for_another_revision_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "stale.sql"
    stale.write_text(
        sqlite_schema.SEPARATOR.join(
            [
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
                "INSERT INTO alembic_version (version_num) VALUES ('0001')",
            ]
        )
    )
    monkeypatch.setattr(sqlite_schema, "SCRIPT", stale)
    assert sqlite_schema.statements(HEAD) is None
    path = tmp_path / "new.db"
    assert upgrade(f"sqlite:///{path}") == HEAD  # by the migrations
    assert "comparisons" in " ".join(_schema(path))
