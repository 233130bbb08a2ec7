"""The live demo: sandbox carriers started beside the local manuals, one comparison, then the app.

Everything runs in one process on loopback, so stopping the demo (Ctrl-C) stops every sandbox
with it. The sandboxes are the live catalog's sample carriers (``market/live/carriers.yaml``):
a JSON carrier with an API key, a JSON carrier that answers by submit-then-poll with OAuth2, an
ACORD-style XML carrier, and one that never answers, reported as timed out at the deadline.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from rateshop.carriers.sandbox import Sandbox, start
from rateshop.carriers.sandbox_options import SandboxConfig
from rateshop.compare.default import market_registry
from rateshop.compare.service import Answer, request_facts, stream
from rateshop.config import Settings

SECRET = "sandbox-secret"  # the sandboxes' test credential, in this demo only


@dataclass(frozen=True)
class DemoCarrier:
    """One sandbox of the demo: the live carrier it plays, the manuals it rates with, how."""

    carrier: str
    manuals: str
    variables: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)


DEMO = (
    DemoCarrier(
        "atlas-direct",
        "ironclad-casualty",
        {"RATESHOP_SANDBOX_ATLAS_KEY": SECRET},
        {"auth": "apikey", "latency": (0.8, 1.5)},
    ),
    DemoCarrier(
        "northwind-mutual",
        "pinnacle-national",
        {
            "RATESHOP_SANDBOX_NORTHWIND_CLIENT": "rateshop-demo",
            "RATESHOP_SANDBOX_NORTHWIND_SECRET": SECRET,
        },
        {"auth": "oauth2", "mode": "async", "latency": (1.5, 2.5)},
    ),
    DemoCarrier(
        "copperline-assurance", "pinnacle-direct", {}, {"format": "xml", "latency": (1.0, 2.0)}
    ),
    DemoCarrier("stillwater-casualty", "bluebonnet-county", {}, {"fault": "hang"}),
)
URL_VARIABLES = {
    "atlas-direct": "RATESHOP_SANDBOX_ATLAS_URL",
    "northwind-mutual": "RATESHOP_SANDBOX_NORTHWIND_URL",
    "copperline-assurance": "RATESHOP_SANDBOX_COPPERLINE_URL",
    "stillwater-casualty": "RATESHOP_SANDBOX_STILLWATER_URL",
}


async def start_sandboxes(
    root: Path, first_port: int, say: Callable[[str], None]
) -> list[web.AppRunner]:
    """Start the demo's sandboxes from ``first_port`` on; their URLs and secrets are exported."""
    runners = []
    for i, demo in enumerate(DEMO):
        config = SandboxConfig(manuals=root / demo.manuals, secret=SECRET, **demo.options)
        runner, port = await start(Sandbox(config), first_port + i if first_port else 0)
        runners.append(runner)
        # The catalog names these variables; the connectors read them when first asked.
        os.environ[URL_VARIABLES[demo.carrier]] = f"http://127.0.0.1:{port}"
        os.environ.update(demo.variables)
        shown = ", ".join(f"{k} {v}" for k, v in demo.options.items())
        say(f"sandbox {demo.carrier} ({shown or 'json'}) at http://127.0.0.1:{port}")
    return runners


async def compare_once(
    settings: Settings, risk: dict[str, Any], say: Callable[[Answer], None]
) -> None:
    """One comparison of ``risk``, each answer said as it arrives (the command line's view)."""
    registry = market_registry(settings)
    line, state, effective = request_facts(risk)
    # The manuals in force are compiled before any carrier is asked, as a server does on its
    # first request, so the stream shows the order in which the carriers themselves answer.
    registry.library.in_force(line, state, effective)
    connectors = registry.connectors(line, state)
    async for answer in stream(risk, connectors, registry.market, settings.compare_deadline):
        say(answer)
    await registry.aclose()
