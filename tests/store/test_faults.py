"""Faults the store survives, each against the app served on loopback.

* The server killed (SIGKILL) under concurrent load, on SQLite and on PostgreSQL: every comparison
  it acknowledged (a 201 reached the client) reads back whole; nothing else is half there.
* PostgreSQL gone (the path to it cut, or hanging), then back: requests get a quick 503 with
  ``Retry-After`` in the error body, and the same process serves again once it is back.
* A full disk under SQLite: a 503 saying the store is full, nothing half-written, earlier
  comparisons still read back, and saving works again once there is room.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from storekit import raw
from tcpproxy import Proxy

from api.apikit import ROOT, SECRET, Client, Server, example, postgres_schema, server_settings
from paths import POSTGRES_URL
from rateshop.api.errors import RETRY_AFTER_SECONDS
from rateshop.app import create_app

PORTS = range(8170, 8190)
LOAD_CLIENTS = 6
LOAD_SECONDS = 20.0
KILL_AFTER_ACKS = 12
FAULTS_SCHEMA = "rateshop_faults"


def _whole(body: dict[str, Any]) -> int:
    return len(body["quotes"]) + len(body["declines"]) + len(body["errors"])


# --- killed under load ------------------------------------------------------------------------


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


async def _load(base: str, acked: dict[str, int], stop: asyncio.Event) -> int:
    """Concurrent clients saving comparisons until the server dies; returns requests sent."""
    sent = 0
    risk = example("auto")
    timeout = aiohttp.ClientTimeout(total=30)

    async def client() -> None:
        nonlocal sent
        async with aiohttp.ClientSession(base_url=base, timeout=timeout) as session:
            while not stop.is_set():
                sent += 1
                try:
                    async with session.post("/comparisons", json=risk) as reply:
                        if reply.status == 201:
                            body = await reply.json()
                            acked[body["ref"]] = _whole(body)
                except (TimeoutError, aiohttp.ClientError):
                    return  # the server died under this request: it was never acknowledged

    await asyncio.gather(*(client() for _ in range(LOAD_CLIENTS)))
    return sent


def _wait_up(base: str, child: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child.poll() is not None:
            pytest.fail(f"the server exited with {child.returncode} before it was up")
        try:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server at {base} did not start in {seconds} s")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_acknowledged_comparison_survives_a_kill_under_load(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / 'rateshop.db'}"
        else:
            url = stack.enter_context(
                postgres_schema(request.getfixturevalue("postgres_admin"), FAULTS_SCHEMA)
            )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "RATESHOP_DATABASE_URL": url,
            "RATESHOP_SECRET_KEY": SECRET,
            "RATESHOP_DEV_MODE": "0",
            "RATESHOP_MANUALS": str(ROOT / "manuals"),
            "RATESHOP_MARKET": str(ROOT / "market"),
        }
        command = [sys.executable, "-m", "uvicorn", "--factory", "rateshop.app:create_app"]
        child = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_up(base, child, seconds=90)
            acked: dict[str, int] = {}

            async def run() -> int:
                stop = asyncio.Event()
                load = asyncio.ensure_future(_load(base, acked, stop))
                deadline = time.monotonic() + LOAD_SECONDS
                while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                # Mid-load: other requests are being rated and saved at this moment.
                os.kill(child.pid, signal.SIGKILL)
                stop.set()
                return await load

            sent = asyncio.run(run())
            assert child.wait(timeout=10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()

        assert len(acked) >= KILL_AFTER_ACKS, f"only {len(acked)} of {sent} acknowledged"
        # Read past the app: what is really in the database after the kill.
        rows = dict(
            raw(
                url,
                "SELECT c.ref, count(a.id) FROM comparisons c "
                "LEFT JOIN answers a ON a.comparison_id = c.id GROUP BY c.ref",
            )
        )
        lost = [ref for ref, answers in acked.items() if rows.get(ref) != answers]
        assert lost == [], f"{len(lost)} of {len(acked)} acknowledged comparisons lost or partial"
        # A save the kill interrupted left nothing: every stored comparison is whole.
        whole = next(iter(acked.values()))
        assert {ref: n for ref, n in rows.items() if n != whole} == {}
        # And the database takes the same app again.
        server = Server(create_app(server_settings(url)))
        server.start()
        client = Client(server.url)
        try:
            ref = next(iter(acked))
            reply = client.get(f"/comparisons/{ref}")
            assert reply.status == 200
            assert _whole(reply.json) == acked[ref]
        finally:
            client.close()
            server.stop()


# --- PostgreSQL gone, then back ---------------------------------------------------------------


def _assert_503(reply: Any) -> None:
    assert reply.status == 503, reply.text
    assert reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = reply.json
    assert set(body) == {"error", "message", "errors", "incident"}
    assert body["error"] == "unavailable"


def test_postgres_gone_is_a_quick_503_and_back_is_served_without_a_restart(
    postgres_admin: Engine,
) -> None:
    upstream = make_url(POSTGRES_URL)
    proxy = Proxy((upstream.host or "127.0.0.1", upstream.port or 5432))
    through = upstream.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    with postgres_schema(postgres_admin, FAULTS_SCHEMA, through) as url:
        server = Server(create_app(server_settings(url)))
        server.start()
        client = Client(server.url)
        try:
            made = client.post("/comparisons", example("life"))
            assert made.status == 201, made.text
            ref = made.json["ref"]

            # Each 503 below comes while the database is still away (it is brought back only
            # after): the server answers at once rather than waiting for it.
            proxy.cut()  # the server went down: connections reset, new ones refused
            _assert_503(client.post("/comparisons", example("life")))
            _assert_503(client.get(f"/comparisons/{ref}"))

            proxy.restore()
            back = client.get(f"/comparisons/{ref}")
            assert back.status == 200, back.text
            assert _whole(back.json) == _whole(made.json)

            proxy.hang()  # unreachable without a refusal: only the connect timeout ends the wait
            _assert_503(client.get(f"/comparisons/{ref}"))

            proxy.restore()
            again = client.post("/comparisons", example("life"))
            assert again.status == 201, again.text
            assert client.get(f"/comparisons/{again.json['ref']}").status == 200
        finally:
            client.close()
            server.stop()
            proxy.stop()


# --- a full disk under SQLite -----------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[str]:
    """A 16 MB tmpfs at ``folder`` when this process may mount one; else ``folder`` as it is.

    Returns how the disk will be filled: ``tmpfs`` (a real ENOSPC from the kernel) or
    ``max_page_count`` (SQLite's own size limit, which fails a write with the same SQLITE_FULL).
    """
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield "tmpfs" if mounted else "max_page_count"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last byte; returns the filler to delete."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
                    out.flush()
                    os.fsync(out.fileno())
    return filler


def test_a_full_disk_is_a_clear_503_and_nothing_half_written(tmp_path: Path) -> None:
    folder = tmp_path / "disk"
    with small_disk(folder) as how:
        url = f"sqlite:///{folder / 'rateshop.db'}"
        server = Server(create_app(server_settings(url)))
        server.start()
        client = Client(server.url)
        try:
            before = [client.post("/comparisons", example(n)) for n in ("auto", "home")]
            assert [r.status for r in before] == [201, 201]
            app: Any = server.server.config.app
            engine = app.state.runtime.store.engine
            if how == "tmpfs":
                filler = _fill(folder)
            else:

                def no_room(dbapi_connection: Any, record: Any) -> None:
                    cursor = dbapi_connection.cursor()
                    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
                    cursor.execute(f"PRAGMA max_page_count = {pages}")
                    cursor.close()

                event.listen(engine, "connect", no_room)
                engine.dispose()

            for name in ("auto", "health"):
                reply = client.post("/comparisons", example(name))
                assert reply.status == 503, (how, reply.text)
                assert reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
                assert reply.json["error"] == "store_full"
                assert (
                    reply.json["message"] == "the store is full: nothing was saved; try again later"
                )
                assert reply.json["incident"]
            for made in before:
                read = client.get(f"/comparisons/{made.json['ref']}")
                assert read.status == 200
                assert _whole(read.json) == _whole(made.json)

            if how == "tmpfs":
                filler.unlink(missing_ok=True)
            else:
                event.remove(engine, "connect", no_room)
                engine.dispose()
            after = client.post("/comparisons", example("life"))
            assert after.status == 201, after.text
        finally:
            client.close()
            server.stop()
        # Nothing of the refused saves is in the file: three comparisons, each whole.
        stored = raw(
            url,
            "SELECT c.ref, count(a.id) FROM comparisons c "
            "LEFT JOIN answers a ON a.comparison_id = c.id GROUP BY c.ref",
        )
        expected = {r.json["ref"]: _whole(r.json) for r in (*before, after)}
        assert dict(stored) == expected
        create_engine(url).dispose()
