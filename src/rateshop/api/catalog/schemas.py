"""Catalog bodies: carriers, lines, states and the coverage options on offer (the catalog's own
models, :mod:`rateshop.services.catalog`, named here for the API's schema)."""

from __future__ import annotations

from rateshop.compare.market import Carrier
from rateshop.services.catalog import (
    CoverageOut,
    CoveragesOut,
    LineOut,
    OfferedValue,
    OptionOut,
    StateOut,
)
from rateshop.services.states import AutoMinimum, StateRules

__all__ = [
    "AutoMinimum",
    "Carrier",
    "CoverageOut",
    "CoveragesOut",
    "LineOut",
    "OfferedValue",
    "OptionOut",
    "StateOut",
    "StateRules",
]
