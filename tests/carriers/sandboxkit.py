"""Sandbox carriers for tests: a real HTTP server on a free loopback port, in a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

from paths import ROOT
from rateshop.carriers.sandbox import Sandbox, SandboxConfig, start
from rateshop.compare.market import Carrier, Endpoint

MAPPING = ROOT / "market" / "live" / "carriers" / "common" / "sandbox-json.yaml"


class RunningSandbox:
    """A :class:`Sandbox` served on 127.0.0.1 (port 0: any free one) until :meth:`stop`."""

    def __init__(self, manuals: str = "ironclad-casualty", **options: Any) -> None:
        self.sandbox = Sandbox(SandboxConfig(manuals=ROOT / "manuals" / manuals, **options))
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._runner, self.port = self.loop.run_until_complete(start(self.sandbox, 0))
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    def start(self) -> RunningSandbox:
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the sandbox did not start")
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stats(self) -> dict[str, int]:
        return dict(self.sandbox.stats)


def live_carrier(carrier: str = "sandbox-mutual", **endpoint: Any) -> Carrier:
    """A catalog entry for an ``http`` carrier speaking the sandbox's format."""
    return Carrier(
        id=carrier,
        name=carrier.replace("-", " ").title(),
        group="Sandbox Group",
        kind="national",
        rating="A",
        link=f"https://sample.invalid/{carrier}",
        connector="http",
        writes={"auto": ["CA", "TX"]},
        endpoint=Endpoint(mapping=str(MAPPING), quote_path="/v1/quotes", **endpoint),
        folder=MAPPING.parent,
    )
