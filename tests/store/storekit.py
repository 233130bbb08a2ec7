"""Helpers shared by the store tests: settings, raw SQL, and real comparisons to save."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text

from paths import ROOT
from rateshop.compare.connectors import Connector, Offer, manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import Comparison, compare
from rateshop.config import Settings
from rateshop.errors import CarrierTimeout
from rateshop.rating.library import Library
from rateshop.rating.quote import Decline, Quote

SECRET = "store-tests-secret-" + "k" * 32


def config_for(url: str, **overrides: Any) -> Settings:
    """Settings for a store at ``url`` with the tests' secret key, unless overridden."""
    values: dict[str, Any] = {"database_url": url, "secret_key": SECRET, "dev_mode": False}
    values.update(overrides)
    return Settings(**values)


def raw(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a plain SQL query, read past the store (to see what is really on disk)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


class TimedOutCarrier:
    """A live carrier that never answers in time: gives comparisons an ``error`` answer."""

    carrier = "ghost-mutual"

    async def quote(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Quote | Decline:
        raise CarrierTimeout("ghost-mutual did not answer within 3.0 s")

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        raise CarrierTimeout("ghost-mutual did not answer within 3.0 s")


@dataclass(frozen=True)
class Compared:
    """A risk from ``examples/`` and its comparison against the shipped market."""

    risk: dict[str, Any]
    comparison: Comparison


def compare_example(
    market_library: tuple[Library, Market], name: str, extra: list[Connector] | None = None
) -> Compared:
    """Compare ``examples/<name>.json`` against every shipped carrier (and ``extra`` ones)."""
    library, market = market_library
    risk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    connectors: list[Connector] = [*manual_connectors(library, risk["line"], risk["state"])]
    return Compared(risk, compare(risk, [*connectors, *(extra or [])], market))


# The owner key the store tests save comparisons with (a shopper's second secret).
OWNER = "owner-key-" + "o" * 33


def agreed(wording: str = "Share my details with this carrier only") -> dict[str, str]:
    """The keyword arguments of a consent given by the comparison's owner."""
    return {"owner_key": OWNER, "wording": wording, "consent_version": "test"}
