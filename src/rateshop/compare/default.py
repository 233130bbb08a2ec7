"""The shipped market as a ready comparison, for library users and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rateshop.compare.market import Market
from rateshop.compare.registry import Registry
from rateshop.compare.service import Comparison, compare_async, request_facts, run_blocking
from rateshop.config import Settings, settings
from rateshop.rating.library import Library
from rateshop.risk.problems import read_risk


@cache
def load_market(
    manuals: Path, market: Path, live_catalog: Path | None = None
) -> tuple[Library, Market]:
    """List the manuals (compiled when first used) and read the catalog (and a further live
    one), once per process."""
    more = () if live_catalog is None else (live_catalog.resolve(),)
    return Library.load(manuals), Market.load(market, *more)


_REGISTRIES: dict[str, Registry] = {}


def market_registry(conf: Settings | None = None) -> Registry:
    """The configured market's carriers and their connectors, made once per process and settings."""
    conf = conf or settings()
    key = conf.model_dump_json()
    found = _REGISTRIES.get(key)
    if found is None:
        library, market = load_market(
            conf.manuals.resolve(), conf.market.resolve(), conf.live_catalog
        )
        found = _REGISTRIES[key] = Registry(library, market, conf)
    return found


def compare_risk(risk: Mapping[str, Any], deadline: float = 10.0) -> Comparison:
    """Compare ``risk`` against every carrier of the configured market (``RATESHOP_MANUALS``).

    The risk is checked against its line's question set first, as the API checks it:
    :class:`~rateshop.errors.RiskError` names each field that is wrong.
    """
    risk = read_risk(risk)
    registry = market_registry()
    line, state, _ = request_facts(risk)
    connectors = registry.asked(line, state)

    async def once() -> Comparison:
        # A loop of its own: the connection pools live carriers opened are closed with it.
        try:
            return await compare_async(risk, connectors, registry.market, deadline)
        finally:
            await registry.aclose()

    return run_blocking(once)
