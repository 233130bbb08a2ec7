"""The conformance kit passes for both connectors against sandbox carriers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandboxkit import ROOT, RunningSandbox
from typer.testing import CliRunner

from rateshop.cli import app

CARRIERS: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "atlas-direct": (
        "ironclad-casualty",
        {"auth": "apikey"},
        {"RATESHOP_SANDBOX_ATLAS_KEY": "sandbox-secret"},
    ),
    "northwind-mutual": (
        "pinnacle-national",
        {"auth": "oauth2", "mode": "async", "latency": (0.1, 0.2)},
        {
            "RATESHOP_SANDBOX_NORTHWIND_CLIENT": "kit",
            "RATESHOP_SANDBOX_NORTHWIND_SECRET": "sandbox-secret",
        },
    ),
    "copperline-assurance": ("pinnacle-direct", {"format": "xml"}, {}),
}
URLS = {
    "atlas-direct": "RATESHOP_SANDBOX_ATLAS_URL",
    "northwind-mutual": "RATESHOP_SANDBOX_NORTHWIND_URL",
    "copperline-assurance": "RATESHOP_SANDBOX_COPPERLINE_URL",
}


@pytest.fixture(params=sorted(CARRIERS))
def carrier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    manuals, options, secrets = CARRIERS[request.param]
    served = RunningSandbox(manuals, **options).start()
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv(URLS[request.param], served.url)
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    yield request.param
    served.stop()


def test_the_kit_passes_for_a_conforming_connector(carrier: str) -> None:
    result = CliRunner().invoke(app, ["carrier", "conform", carrier, "--deadline", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{carrier}: conforms" in out
    for check in (
        "round trip auto TX",
        "a carrier that hangs: timeout, 1 quote request(s)",
        "a cut connection: carrier_error, 1 quote request(s)",
        "HTTP 429 with Retry-After: rate_limited",
        "bad answer: wrong currency: invalid_response",
        "bad answer: parts not adding up: invalid_response",
        "bad answer: 10 MB body: invalid_response",
        "bad answer: malformed: invalid_response",
    ):
        assert f"pass {check}" in out, out
    if carrier == "northwind-mutual":
        assert "pass token expiry" in out


def test_the_kit_fails_a_carrier_that_is_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("RATESHOP_SANDBOX_ATLAS_URL", raising=False)
    result = CliRunner().invoke(app, ["carrier", "conform", "atlas-direct"])
    assert result.exit_code == 2
    assert "not configured: set RATESHOP_SANDBOX_ATLAS_URL" in result.output
