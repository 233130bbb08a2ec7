"""Every fault at once, in one comparison: it answers within its deadline, every carrier accounted for.

Ten sandbox carriers on loopback, each with one fault (and one healthy), beside the shipped Texas
auto manuals; the comparison goes through the registry as every caller's does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandboxkit import MAPPING, ROOT, RunningSandbox

from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.compare.service import Comparison, compare_async
from rateshop.config import Settings
from rateshop.rating.library import Library

DEADLINE = 2.0
FAULTS: dict[str, tuple[dict[str, Any], str, str | None]] = {
    # carrier: (sandbox options, status, failure kind)
    "healthy": ({}, "quoted", None),
    "polled": ({"mode": "async", "latency": (0.2, 0.3)}, "quoted", None),
    "slow": ({"fault": "slow"}, "failed", "timeout"),
    "hang": ({"fault": "hang"}, "failed", "timeout"),
    "five-hundred": ({"fault": "5xx"}, "failed", "carrier_error"),
    "too-many": ({"fault": "429"}, "failed", "rate_limited"),
    "malformed": ({"fault": "malformed"}, "failed", "invalid_response"),
    "euros": ({"fault": "currency"}, "failed", "invalid_response"),
    "sums": ({"fault": "parts"}, "failed", "invalid_response"),
    "reset": ({"fault": "reset"}, "failed", "carrier_error"),
    "huge": ({"fault": "big"}, "failed", "invalid_response"),
    "underwriter": ({"fault": "referred"}, "referred", None),
}


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, RunningSandbox]]:
    running = {name: RunningSandbox(**options).start() for name, (options, _, _) in FAULTS.items()}
    yield running
    for served in running.values():
        served.stop()


def catalog(sandboxes: dict[str, RunningSandbox], folder: Path) -> Path:
    lines = ["carriers:"]
    for name, served in sandboxes.items():
        lines += [
            f"  - id: {name}",
            f"    name: {name.title()} Mutual",
            "    group: Faulty Group",
            "    kind: local",
            "    rating: B",
            "    link: https://sample.invalid/faulty",
            "    connector: http",
            f"    endpoint: {{url: '{served.url}', quote_path: /v1/quotes, mapping: '{MAPPING}'}}",
            "    writes: {auto: [TX]}",
        ]
    path = folder / "faulty.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_comparison_with_every_fault_answers_within_its_deadline_and_accounts_for_all(
    sandboxes: dict[str, RunningSandbox], tmp_path: Path
) -> None:
    market = Market.load(ROOT / "market", catalog(sandboxes, tmp_path))
    settings = Settings(carrier_call_deadline=DEADLINE + 1)  # the comparison's deadline comes first
    registry = Registry(Library.load(ROOT / "manuals"), market, settings)
    risk = json.loads((ROOT / "examples" / "auto.json").read_text())

    async def once() -> Comparison:
        try:
            return await compare_async(risk, registry.connectors("auto", "TX"), market, DEADLINE)
        finally:
            await registry.aclose()

    result = asyncio.run(once())
    # Answered at its deadline while the slow and the hung carrier still held their requests.
    for name in ("slow", "hang"):
        stats = sandboxes[name].stats
        assert not [k for k in stats if k.startswith("answered_")], (name, stats)
    answers = {a.carrier: a for a in (*result.quotes, *result.declines, *result.errors)}
    assert len(answers) == len(FAULTS) + 5  # the five Texas auto manuals too
    for name, (_, status, kind) in FAULTS.items():
        assert (answers[name].status, answers[name].error_kind) == (status, kind), name
    local = [a for a in answers.values() if a.connector == "manual"]
    assert {a.status for a in local} == {"quoted", "declined"}
    for served in sandboxes.values():
        assert served.stats.get("quote_requests", 0) == 1  # nobody was asked twice
