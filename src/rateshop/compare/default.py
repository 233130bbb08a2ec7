"""The shipped market as a ready comparison, for library users and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import Comparison, compare, request_facts
from rateshop.config import settings
from rateshop.rating.library import Library
from rateshop.risk.problems import read_risk


@cache
def load_market(manuals: Path, market: Path) -> tuple[Library, Market]:
    """Compile every manual and read the catalog once per process."""
    return Library.load(manuals), Market.load(market)


def compare_risk(risk: Mapping[str, Any], deadline: float = 10.0) -> Comparison:
    """Compare ``risk`` against every carrier of the configured market (``RATESHOP_MANUALS``).

    The risk is checked against its line's question set first, as the API checks it:
    :class:`~rateshop.errors.RiskError` names each field that is wrong.
    """
    risk = read_risk(risk)
    conf = settings()
    library, market = load_market(conf.manuals.resolve(), conf.market.resolve())
    line, state, _ = request_facts(risk)
    return compare(risk, manual_connectors(library, line, state), market, deadline)
