"""``rateshop agency``: an agency and its members from the command line, and the renewal job."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paths import ROOT
from rateshop.cli import app

PASSWORD = "a long enough secret"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'rateshop.db'}"
    monkeypatch.setenv("RATESHOP_DATABASE_URL", url)
    monkeypatch.setenv("RATESHOP_SECRET_KEY", "cli-tests-secret-" + "k" * 32)
    monkeypatch.setenv("RATESHOP_MANUALS", str(ROOT / "manuals"))
    monkeypatch.setenv("RATESHOP_MARKET", str(ROOT / "market"))
    return url


def test_an_agency_its_admin_and_a_renewal_run(database: str) -> None:
    cli = CliRunner()
    made = cli.invoke(app, ["agency", "create", "North Star", "--licence", "TX-AG-1"])
    assert made.exit_code == 0, made.output
    assert "created agency 1: North Star (licence TX-AG-1)" in made.output
    again = cli.invoke(app, ["agency", "create", "North Star", "--licence", "TX-AG-1"])
    assert again.exit_code == 2
    assert "exists already" in again.output

    user = cli.invoke(
        app, ["user", "create", "north.boss", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert user.exit_code == 0, user.output
    joined = cli.invoke(app, ["agency", "member", "North Star", "north.boss", "--role", "admin"])
    assert joined.exit_code == 0, joined.output
    assert "north.boss is now admin of North Star" in joined.output
    nobody = cli.invoke(app, ["agency", "member", "North Star", "nobody.here"])
    assert nobody.exit_code == 2
    assert "no user is named 'nobody.here'" in nobody.output

    # On a thread of its own: the command runs an event loop, and a browser test run earlier in
    # this process may have left one running on the test's thread.
    with ThreadPoolExecutor(max_workers=1) as thread:
        ran = thread.submit(
            cli.invoke, app, ["agency", "renewals", "--days", "45", "--threshold", "5"]
        ).result()
    assert ran.exit_code == 0, ran.output
    assert "0 policies checked, 0 flagged" in ran.output
    wrong = cli.invoke(app, ["agency", "renewals", "--threshold", "five"])
    assert wrong.exit_code == 2


def test_the_command_line_s_renewal_window_is_the_service_s() -> None:
    from rateshop import agency_cli
    from rateshop.services.agency import renewals

    assert agency_cli.DEFAULT_DAYS == renewals.DEFAULT_DAYS
