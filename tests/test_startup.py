"""A real ``rateshop serve`` answers without compiling the market, then compiles what it rates."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from rateshop.rating.cache import ManualStore
from rateshop.rating.library import Library, named_version

RATESHOP = Path(sys.executable).parent / "rateshop"
RISK = json.loads((ROOT / "examples" / "auto.json").read_text(encoding="utf-8"))


def _free_port() -> int:
    for port in range(8520, 8550):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8520-8549")


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def _compare(url: str) -> Any:
    request = urllib.request.Request(
        f"{url}/comparisons?worksheets=true",
        data=json.dumps(RISK).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 201
        return json.loads(reply.read())


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(cache: Path, name: str) -> str:
        port = _free_port()
        env = dict(os.environ)
        env.update(
            RATESHOP_MANUALS=str(ROOT / "manuals"),
            RATESHOP_MARKET=str(ROOT / "market"),
            RATESHOP_PLAN_CACHE=str(cache),
            RATESHOP_DATABASE_URL=f"sqlite:///{tmp_path / name}.db",
        )
        proc = subprocess.Popen(
            [str(RATESHOP), "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                _get(f"{url}/lines")
                return url
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kept(cache: Path) -> set[str]:
    return (
        {p.stem for p in (cache / "manuals").rglob("*.bin")}
        if (cache / "manuals").exists()
        else set()
    )


def _quotes(answer: dict[str, Any]) -> dict[str, Any]:
    """Each carrier's quote (premium, amounts, worksheet, manual version), or its status; not the
    link to its worksheet, which names the comparison."""
    return {
        q["carrier"]: {k: v for k, v in q["quote"].items() if k != "worksheet_url"}
        if q.get("quote")
        else q["status"]
        for q in answer["quotes"]
    }


def test_serve_lists_the_market_and_compiles_only_what_a_comparison_rates(
    tmp_path: Path, serve: Any
) -> None:
    cache = tmp_path / "cache"
    url = serve(cache, "one")
    assert _kept(cache) == set()  # answering: nothing compiled yet
    folders = [
        p.parent.relative_to(ROOT / "manuals").as_posix()
        for p in (ROOT / "manuals").rglob("manual.yaml")
    ]
    # listed from the folders' names: only the manuals named otherwise were read
    unnamed = {rel for rel in folders if named_version(rel) is None}
    assert unnamed
    assert set(ManualStore(cache).read_index(ROOT / "manuals")) == unnamed
    first = _compare(url)
    on = dt.date.fromisoformat(RISK["effective_date"])
    eager = Library.load(ROOT / "manuals", store=None)
    rated = {p.manual.content_hash for p in eager.in_force("auto", RISK["state"], on)}
    assert rated
    assert _kept(cache) == rated
    # what the comparison read is kept for the next process: the headers and content hashes
    index = ManualStore(cache).read_index(ROOT / "manuals", f"auto-{RISK['state']}")
    assert {e["hash"] for e in index.values()} >= rated

    # A second process on the same cache rates from what the first kept, to the same cent.
    again = _compare(serve(cache, "two"))
    assert any(isinstance(q, dict) for q in _quotes(first).values())
    assert _quotes(again) == _quotes(first)
    assert _kept(cache) == rated


def test_a_serving_process_leaves_what_its_first_answer_does_not_need_unimported() -> None:
    """The app a server runs, made from its factory, imports neither the agency's ORM tables,
    ``cryptography`` nor Jinja2: they are loaded when an agency desk, a contact or a page is first
    used."""
    probe = (
        "import sys\n"
        "from rateshop.api.server import APP\n"
        "from rateshop.app import create_app\n"
        "create_app()\n"
        "heavy = ('cryptography', 'jinja2', 'rateshop.store.agency_models', 'rateshop.store.agency')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    env = dict(os.environ, RATESHOP_DEV_MODE="1", RATESHOP_DATABASE_URL="sqlite://")
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
