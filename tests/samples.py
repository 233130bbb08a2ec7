"""The sample market, built once per test run and shared by every module that rates with it.

Compiling every shipped manual takes seconds; modules that each compiled their own copy paid that
again and again. These are cached for the process (one pytest run), so the first caller builds
them and every later one gets the same objects. Nothing here may be changed by a test.
"""

from __future__ import annotations

import functools
from pathlib import Path

from paths import MANUALS, MARKET
from rateshop.compare.market import Market
from rateshop.rating.library import Library, load_plan
from rateshop.rating.plan import Plan


@functools.cache
def sample_library() -> Library:
    """Every shipped manual, each compiled the first time it is used (then kept)."""
    return Library.load(MANUALS, store=None)


@functools.cache
def sample_market() -> Market:
    """The shipped market catalog."""
    return Market.load(MARKET)


@functools.cache
def compiled(folder: Path) -> Plan:
    """The manual in ``folder`` loaded, checked (with its stored cases) and compiled, once."""
    return load_plan(folder)
