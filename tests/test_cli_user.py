"""``rateshop user create``: the first admin from the command line, into the configured database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rateshop.cli import app
from rateshop.store.accounts import Accounts, BadCredentials
from rateshop.store.database import connect

PASSWORD = "a long enough secret"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'rateshop.db'}"
    monkeypatch.setenv("RATESHOP_DATABASE_URL", url)
    return url


def log_in(url: str, name: str, password: str) -> str:
    engine = connect(url)
    try:
        user, _ = Accounts(engine).log_in(name, password)
        return user.role
    finally:
        engine.dispose()


def test_create_an_admin_with_the_password_on_stdin(database: str) -> None:
    done = CliRunner().invoke(
        app, ["user", "create", "root.admin", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "created admin root.admin" in done.output
    assert log_in(database, "root.admin", PASSWORD) == "admin"


def test_the_prompt_asks_twice_and_refuses_a_mismatch(database: str) -> None:
    runner = CliRunner()
    mismatch = runner.invoke(app, ["user", "create", "ana"], input=f"{PASSWORD}\nother one!\n")
    assert mismatch.exit_code != 0
    assert "created" not in mismatch.output
    same = runner.invoke(app, ["user", "create", "ana"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert same.exit_code == 0, same.output
    assert log_in(database, "ana", PASSWORD) == "agent"
    with pytest.raises(BadCredentials):
        log_in(database, "ana", "other one!")


def test_a_taken_name_or_a_short_password_is_refused(database: str) -> None:
    runner = CliRunner()
    args = ["user", "create", "ana", "--password-stdin"]
    assert runner.invoke(app, args, input=PASSWORD + "\n").exit_code == 0
    again = runner.invoke(app, args, input=PASSWORD + "\n")
    assert again.exit_code == 2
    assert "already exists" in again.output
    short = runner.invoke(app, ["user", "create", "bob", "--password-stdin"], input="short\n")
    assert short.exit_code == 2
    assert "at least 10 characters" in short.output
