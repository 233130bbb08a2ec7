"""A save killed mid-transaction leaves no trace: a comparison is stored whole or not at all.

A child process starts saving a real comparison; the store's test hook
(``RATESHOP_TEST_PAUSE_MID_SAVE``) holds the transaction open after some answer rows are written;
the parent checks the transaction really is open, kills the child with SIGKILL (no cleanup code
runs) and then looks for any part of the comparison in the database.
"""

from __future__ import annotations

import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url
from storekit import SECRET, Compared, config_for, raw

from rateshop.store import Store

CHILD = Path(__file__).with_name("crash_child.py")
MARKER = "test hook: pausing"
APP = "rateshop-crash-test"
TABLES = ("comparisons", "answers", "manual_versions", "contacts")


def _wait_for_marker(child: subprocess.Popen[str], seconds: float) -> str:
    """The child's output up to the hook's line; fails the test if the line never comes."""
    assert child.stdout is not None
    seen: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = child.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(MARKER):
                return line
    child.kill()
    _, err = child.communicate()
    pytest.fail(f"the child never paused mid-save.\nstdout: {''.join(seen)}\nstderr: {err}")


def _open_transactions(database_url: str) -> list[tuple[str]]:
    return raw(
        database_url,
        "SELECT state FROM pg_stat_activity WHERE application_name = :app",
        app=APP,
    )


def test_a_save_killed_mid_transaction_leaves_nothing(
    database_url: str, backend: str, tmp_path: Path, auto: Compared
) -> None:
    url = database_url
    if backend == "postgresql":
        url = make_url(url).update_query_dict({"application_name": APP}).render_as_string(False)
    env = {
        **os.environ,
        "RATESHOP_DATABASE_URL": url,
        "RATESHOP_SECRET_KEY": SECRET,
        "RATESHOP_DEV_MODE": "0",
        "RATESHOP_TEST_PAUSE_MID_SAVE": "60",
    }
    child = subprocess.Popen(
        [sys.executable, str(CHILD)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = _wait_for_marker(child, seconds=30)
        assert "answers written, not committed" in line
        # Proof the kill lands inside an open write transaction, not before or after it.
        if backend == "sqlite":
            path = make_url(database_url).database
            assert path is not None
            # Another writer is refused at once: the child holds the write lock.
            other = sqlite3.connect(path, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        else:
            assert _open_transactions(database_url) == [("idle in transaction",)]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.communicate()

    if backend == "postgresql":
        # The server ends the dead client's session (and its transaction) once it notices.
        deadline = time.monotonic() + 10
        while _open_transactions(database_url) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open_transactions(database_url) == []
    for table in TABLES:
        assert raw(database_url, f"SELECT count(*) FROM {table}") == [(0,)], table

    # The database is not wedged: the same comparison saves and reads back whole.
    with Store.open(config_for(database_url)) as store:
        assert store.recent() == []
        ref = store.save(auto.comparison, auto.risk)
        assert store.get(ref).to_dict() == auto.comparison.to_dict()
