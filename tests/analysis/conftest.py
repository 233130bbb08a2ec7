"""A small synthetic book and the shipped Texas auto market, shared by the analysis tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from rateshop.analysis.market import market_plans
from rateshop.analysis.synthetic import BookSpec, delivery_zips, generate_book, write_book
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from samples import sample_library

AS_OF = dt.date(2026, 12, 1)
ROWS = 1_500


@pytest.fixture(scope="session")
def library() -> Library:
    return sample_library()


@pytest.fixture(scope="session")
def tx_auto(library: Library) -> list[Plan]:
    return market_plans(library, "auto", "TX", AS_OF)


def spec(seed: int = 5, bad_share: float = 0.01) -> BookSpec:
    zips = delivery_zips("TX")
    return BookSpec("TX", zips, [1.0] * len(zips), AS_OF, seed, bad_share)


@pytest.fixture(scope="session")
def book_spec() -> Callable[..., BookSpec]:
    """Make the spec of a Texas book: ``book_spec(seed=…, bad_share=…)``."""
    return spec


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book of a few thousand rows in two row groups, with some rows spoiled on purpose."""
    path = tmp_path_factory.mktemp("book") / "book.parquet"
    write_book(generate_book(spec(), ROWS, chunk=1_000), path)
    return path
