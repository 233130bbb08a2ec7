"""Each carrier's connector comes from its catalog entry; an outside package adds one by entry point.

The outside package here is real: a module and its ``.dist-info`` (with ``entry_points.txt``) in a
folder put on ``sys.path``, found by :mod:`importlib.metadata` exactly as an installed one would be.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paths import ROOT
from rateshop.api.schemas import AnswerOut
from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.compare.service import compare
from rateshop.config import Settings
from samples import sample_library

LIBRARY = sample_library()
RISK: dict[str, Any] = json.loads((ROOT / "examples" / "auto.json").read_text())

PLUGIN = '''
"""A carrier integration shipped as its own package: rateshop knows nothing of it."""
import datetime as dt
from decimal import Decimal

from rateshop.compare.connectors import Offer
from rateshop.compare.outcomes import CoveredAmount, LiveDecline, LiveQuote, Pending, Referral


class Acme:
    may_requote = False

    def __init__(self, carrier, answer):
        self.carrier = carrier
        self.answer = answer

    async def quote_nearest(self, risk, line, state, on):
        if self.answer == "referred":
            return Offer(Referral(("an underwriter reviews drivers under 25",), "R-1"))
        if self.answer == "pending":
            return Offer(Pending("P-1", 2.0, "rating"))
        if self.answer == "declined":
            return Offer(LiveDecline(self.carrier, ("no vehicles over 10 years",), "D-1"))
        cover = (CoveredAmount("BI", Decimal("300.00"), "30/60"), CoveredAmount("PD", Decimal("150.50"), "25"))
        return Offer(LiveQuote(
            self.carrier, "USD", Decimal("450.50"), Decimal("450.50"), 6, cover,
            quote_ref="ACME-42", valid_until=dt.date(2026, 12, 31), bridge_url="https://sample.invalid/acme/ACME-42",
        ))


def connector(carrier, context):
    return Acme(carrier.id, carrier.link.rsplit("/", 1)[-1])
'''


@pytest.fixture
def outside_package(tmp_path: Path) -> Iterator[Path]:
    """``acme_rateshop`` installed in a folder on ``sys.path``, registering connector ``acme``."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_rateshop.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "acme_rateshop-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-rateshop\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[rateshop.connectors]\nacme = acme_rateshop:connector\n"
    )
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    sys.modules.pop("acme_rateshop", None)


def catalog(tmp_path: Path, *entries: tuple[str, str, str]) -> Path:
    """A live catalog with carriers (id, connector, answer their fake gives) writing auto in TX."""
    lines = ["carriers:"]
    for carrier, connector, answer in entries:
        lines += [
            f"  - id: {carrier}",
            f"    name: {carrier.title()} Insurance",
            "    group: Outside Group",
            "    kind: national",
            "    rating: A",
            f"    link: https://sample.invalid/{answer}",
            f"    connector: {connector}",
            "    writes: {auto: [TX]}",
        ]
    path = tmp_path / "live.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def registry(path: Path) -> Registry:
    return Registry(LIBRARY, Market.load(ROOT / "market", path), Settings())


def test_a_connector_from_an_outside_package_quotes_beside_the_manuals(
    outside_package: Path, tmp_path: Path
) -> None:
    reg = registry(catalog(tmp_path, ("acme-direct", "acme", "quoted")))
    conns = reg.connectors("auto", "TX")
    assert "acme-direct" in [c.carrier for c in conns]
    assert len(conns) == 6  # the five Texas manuals and the outside carrier
    result = compare(RISK, conns, reg.market)
    data = {a["carrier"]: a for a in result.to_dict()["quotes"]}
    acme = data["acme-direct"]
    AnswerOut.model_validate(acme)
    assert acme["status"] == "quoted"
    assert acme["connector"] == "acme"
    assert acme["quote"]["manual"] is None
    assert acme["quote"]["quote_ref"] == "ACME-42"
    assert acme["quote"]["total"] == "450.50"
    assert acme["quote"]["per_year"] == "901.00"
    assert "worksheet" not in acme["quote"]
    assert (
        data["harborview" if "harborview" in data else "pinnacle-direct"]["connector"] == "manual"
    )


@pytest.mark.parametrize(
    ("answer", "status", "key"),
    [("referred", "referred", "referral"), ("pending", "pending", "pending")],
)
def test_referred_and_pending_answers_say_so(
    outside_package: Path, tmp_path: Path, answer: str, status: str, key: str
) -> None:
    reg = registry(catalog(tmp_path, ("acme-direct", "acme", answer)))
    result = compare(RISK, reg.connectors("auto", "TX"), reg.market)
    (got,) = [a for a in result.to_dict()["errors"] if a["carrier"] == "acme-direct"]
    AnswerOut.model_validate(got)
    assert got["status"] == status
    assert got[key]["quote_ref"]
    assert "error" not in got


def test_a_live_decline_is_a_decline(outside_package: Path, tmp_path: Path) -> None:
    reg = registry(catalog(tmp_path, ("acme-direct", "acme", "declined")))
    result = compare(RISK, reg.connectors("auto", "TX"), reg.market)
    (got,) = [a for a in result.to_dict()["declines"] if a["carrier"] == "acme-direct"]
    AnswerOut.model_validate(got)
    assert got["status"] == "declined"
    assert got["decline"]["reasons"] == ["no vehicles over 10 years"]


def test_a_connector_nobody_installed_is_unavailable_and_breaks_nothing(tmp_path: Path) -> None:
    reg = registry(catalog(tmp_path, ("nowhere-mutual", "nowhere", "quoted")))
    result = compare(RISK, reg.connectors("auto", "TX"), reg.market)
    (got,) = result.errors
    assert (got.carrier, got.error_kind, got.status) == ("nowhere-mutual", "unavailable", "failed")
    assert "not installed" in (got.error or "")
    assert len(result.quotes) == 4


def test_connectors_are_made_once_per_registry(outside_package: Path, tmp_path: Path) -> None:
    reg = registry(catalog(tmp_path, ("acme-direct", "acme", "quoted")))
    first = {c.carrier: c for c in reg.connectors("auto", "TX")}
    again = {c.carrier: c for c in reg.connectors("auto", "TX")}
    assert all(first[c] is again[c] for c in first)
