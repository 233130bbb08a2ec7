"""Helpers of the API tests: a real uvicorn server on a loopback port and a blocking aiohttp client."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Container, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import uvicorn
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine

from paths import POSTGRES_URL, ROOT
from rateshop.config import Settings
from rateshop.services.runtime import Runtime

SECRET = "api-tests-secret-" + "k" * 32
# Every carrier of the market but one (meridian-life) reads its leads with this key in the tests.
CARRIER_KEY = "carrier-test-key-" + "c" * 32


def server_settings(url: str, **extra: Any) -> Settings:
    """A test server's settings: the shipped market, the tests' key, no dev mode, and rate limits
    out of the way (the tests make many requests from one address; the limits have tests of their
    own). ``extra`` sets or overrides any other setting."""
    values: dict[str, Any] = {
        "database_url": url,
        "secret_key": SECRET,
        "dev_mode": False,
        "manuals": ROOT / "manuals",
        "market": ROOT / "market",
        "rate_limit_compare": "100000/minute",
        "rate_limit_read": "100000/minute",
        **extra,
    }
    return Settings(**values)


@contextmanager
def postgres_schema(admin: Engine, prefix: str, url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh schema on the shared PostgreSQL server, as a URL whose connections use it; dropped
    after."""
    schema = f"{prefix}_{secrets.token_hex(4)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def example(name: str) -> dict[str, Any]:
    """``examples/<name>.json`` as data."""
    data: dict[str, Any] = json.loads((ROOT / "examples" / f"{name}.json").read_text())
    return data


def _bound(ports: range | None, skip: Container[int] = ()) -> socket.socket:
    """A loopback socket bound to the first free port of ``ports``; without them, of
    ``RATESHOP_TEST_PORTS`` (``18400-18499``: test servers kept inside a range given to the tests,
    on a machine where others' servers share the loopback ports), else one the system picks."""
    if ports is None:
        given = os.environ.get("RATESHOP_TEST_PORTS")
        if given:
            low, _, high = given.partition("-")
            # parallel test workers take turns through the range, so no two race for a port
            worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:])
            count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
            ports = range(int(low) + worker, int(high or low) + 1, count)
        else:
            ports = range(0, 1)
    for port in ports:
        if port in skip:
            continue
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise RuntimeError(f"no free loopback port in {ports}")


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (of ``RATESHOP_TEST_PORTS`` when set) for servers
    started in a process of their own; each is free when found, all held until all are found."""
    # Sockets bound with SO_REUSEADDR and not listening may share a port, so each search skips
    # the ports already found.
    held: list[socket.socket] = []
    ports: list[int] = []
    for _ in range(count):
        held.append(_bound(None, skip=ports))
        ports.append(held[-1].getsockname()[1])
    for sock in held:
        sock.close()
    return ports


class Server:
    """uvicorn serving ``app`` from a thread of the test process, on a free loopback port (the
    first free one of ``ports`` when given)."""

    def __init__(self, app: FastAPI, ports: range | None = None) -> None:
        self.sock = _bound(ports)
        host, port = self.sock.getsockname()
        self.url = f"http://{host}:{port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the API server at {self.url} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Event:
    """One Server-Sent Event."""

    name: str
    data: dict[str, Any]


@dataclass
class Streamed:
    status: int
    headers: Mapping[str, str]
    events: list[Event] = field(default_factory=list)
    text: str = ""


class Client:
    """A blocking face over one aiohttp session running on its own event loop."""

    def __init__(self, base: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.session = self.loop.run_until_complete(self._open(base))

    @staticmethod
    async def _open(base: str) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(base_url=base, timeout=aiohttp.ClientTimeout(total=30))

    def close(self) -> None:
        self.loop.run_until_complete(self.session.close())
        self.loop.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        """Send a request (``json=``, ``data=``, ``params=`` as aiohttp takes them)."""

        async def go() -> Reply:
            async with self.session.request(method, path, **kwargs) as response:
                return Reply(response.status, dict(response.headers), await response.text())

        return self.loop.run_until_complete(go())

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> Reply:
        return self.call("POST", path, json=body, **kwargs)

    def stream(
        self, path: str, body: Any, on_event: Callable[[Event], None] | None = None
    ) -> Streamed:
        """POST ``body`` and read the Server-Sent Events of the answer as they come, each told to
        ``on_event`` as it arrives (a test may let a held carrier answer then)."""

        async def go() -> Streamed:
            async with self.session.post(path, json=body) as response:
                out = Streamed(response.status, dict(response.headers))
                if response.content_type != "text/event-stream":
                    out.text = await response.text()
                    return out
                name, data = "message", ""
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data += line[5:].strip()
                    elif not line and data:
                        got = Event(name, json.loads(data))
                        out.events.append(got)
                        if on_event is not None:
                            on_event(got)
                        name, data = "message", ""
                return out

        return self.loop.run_until_complete(go())


def runtime(server: Server) -> Runtime:
    """The running app's runtime (its registry, store and settings), for a test to look into."""
    app: Any = server.server.config.app
    found: Runtime = app.state.runtime
    return found
