"""Write ``src/rateshop/store/sqlite_schema.sql`` again, after a migration was added or changed.

The script is what the migrations leave in a new SQLite database brought to the newest revision
(see :mod:`rateshop.store.sqlite_schema`); ``tests/store/test_sqlite_schema.py`` fails until it
is written again.

    python scripts/write_sqlite_schema.py
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from rateshop.store.migrate import upgrade_with_migrations
from rateshop.store.sqlite_schema import SCRIPT, SEPARATOR, statements_of


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "schema.db"
        upgrade_with_migrations(f"sqlite:///{path}")
        database = sqlite3.connect(path)
        try:
            made = statements_of(database)
        finally:
            database.close()
    SCRIPT.write_text(SEPARATOR.join(made) + "\n", encoding="utf-8")
    print(f"wrote {len(made)} statements to {SCRIPT}")


if __name__ == "__main__":
    main()
