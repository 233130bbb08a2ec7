"""``rateshop serve``: the API on the embedded default, dev mode only where nobody else can connect."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from apikit import ROOT, Client
from typer.testing import CliRunner

from rateshop.cli import app

NO_KEY = {"RATESHOP_SECRET_KEY": None, "RATESHOP_DEV_MODE": None}


def test_serve_on_a_public_address_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    database = tmp_path / "never.db"
    result = CliRunner().invoke(
        app,
        ["serve", "--host", "0.0.0.0", "--port", "1"],
        env={**NO_KEY, "RATESHOP_DATABASE_URL": f"sqlite:///{database}"},
    )
    assert result.exit_code == 2
    assert "RATESHOP_SECRET_KEY is not set" in result.output
    assert not database.exists()


def test_serve_help_says_when_it_runs_with_the_development_key() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "loopback" in result.output
    assert "RATESHOP_SECRET_KEY" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_runs_the_api_on_loopback_in_dev_mode(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NO_KEY}
    env["RATESHOP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'served.db'}"
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from rateshop.cli import app; app()"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    client = Client(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                reply = client.get("/lines")
                break
            except aiohttp.ClientConnectionError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert reply.status == 200
        assert [line["id"] for line in reply.json] == ["auto", "home", "life", "health"]
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=20)
    said = log.read_text()
    assert "development mode" in said
    assert (tmp_path / "served.db").exists()
