"""Whether anyone can read a risk is asked of the live carriers too, not skipped for them.

A risk no manual can read is refused before any carrier is asked, naming what is wrong, unless a
carrier could still read it: a live carrier counts as reading it unless its connector can tell,
without asking it, that its request cannot carry the risk (a fact its mapping requires missing).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from paths import ROOT
from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.config import Settings
from rateshop.errors import RiskError
from rateshop.services.comparisons import carriers_for
from samples import sample_library

LIBRARY = sample_library()
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())
SANDBOX_MAPPING = ROOT / "market" / "live" / "carriers" / "common" / "sandbox-json.yaml"


def runtime(tmp_path: Path, mapping: Path) -> Any:
    """What ``carriers_for`` reads of the app: the manuals and a market with one live carrier."""
    path = tmp_path / "live.yaml"
    path.write_text(
        "carriers:\n"
        "  - id: gauge-mutual\n"
        "    name: Gauge Mutual\n"
        "    group: Gauge\n"
        "    kind: national\n"
        "    rating: A\n"
        "    link: https://sample.invalid/gauge\n"
        "    connector: http\n"
        "    endpoint:\n"
        "      url: http://127.0.0.1:18199\n"  # never asked: the check is local
        "      quote_path: /v1/quotes\n"
        f"      mapping: {mapping}\n"
        "    writes: {auto: [TX]}\n"
    )
    market = Market.load(ROOT / "market", path)
    return SimpleNamespace(registry=Registry(LIBRARY, market, Settings()), library=LIBRARY)


def without_gender() -> dict[str, Any]:
    risk = json.loads(json.dumps(RISK))
    del risk["drivers"][1]["gender"]  # Texas manuals rate on it
    return risk


def test_a_good_risk_goes_ahead_with_every_carrier(tmp_path: Path) -> None:
    _, connectors = carriers_for(runtime(tmp_path, SANDBOX_MAPPING), RISK)
    assert "gauge-mutual" in [c.carrier for c in connectors]


def test_a_live_carrier_whose_mapping_reads_the_risk_lets_it_go_ahead(tmp_path: Path) -> None:
    # No manual reads it, but the live carrier's request carries it: the carrier answers itself.
    _, connectors = carriers_for(runtime(tmp_path, SANDBOX_MAPPING), without_gender())
    assert "gauge-mutual" in [c.carrier for c in connectors]


def test_a_risk_no_manual_and_no_live_mapping_can_read_is_refused_naming_why(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "needs-gender.yaml"
    text = SANDBOX_MAPPING.read_text()
    marker = "  - to: drivers\n    each: drivers\n    fields:\n      - rest: camel\n"
    assert marker in text
    mapping.write_text(
        text.replace(
            marker, marker + "      - to: gender\n        from: gender\n        required: true\n"
        )
    )
    with pytest.raises(RiskError) as refused:
        carriers_for(runtime(tmp_path, mapping), without_gender())
    fields = {p.field for p in refused.value.problems}
    assert fields == {"drivers[1].gender"}
    texts = {p.problem for p in refused.value.problems}
    assert "is needed by the carrier" in texts  # the live carrier's own reason beside the manuals'
