"""Test configuration: the shared builders importable, and the one PostgreSQL server fixture."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).parent))

from paths import POSTGRES_URL, ROOT

# The tests keep compiled manuals and kernels in a cache of their own, never in the user's, so
# kernels compiled for the tests (below) never serve a real run; it persists between local runs.
os.environ.setdefault("RATESHOP_PLAN_CACHE", str(ROOT / ".cache" / "tests" / "plans"))
# The fused kernels are compiled without LLVM's optimisation passes: seconds less per kernel, and
# the same integers (exact int64 arithmetic has one answer at any optimisation level). Two plans'
# kernels are also tested as a real run compiles them, optimised (rating/test_fused_optimised.py),
# and the benchmarks measure the optimised ones. Set before numba is imported.
os.environ.setdefault("NUMBA_OPT", "0")
# Parallel workers are started with COLUMNS=80 in their environment, which the command line's
# consoles would take as their width for good when imported; a test that wants a width says so.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        help="rewrite tests/golden/ from what the engine gives now (review the diff)",
    )


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """A connection to the PostgreSQL test server, or a skip: a failure if
    ``RATESHOP_REQUIRE_POSTGRES=1`` (so a run that must cover PostgreSQL cannot silently skip it).

    Every test that needs PostgreSQL makes its own schema (or database) through this connection.
    """
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    reason = None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", exc)).splitlines()[0]
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable: {first}"
    # Outside the except block, so the report is the reason alone, not a chained traceback.
    if reason is not None:
        if os.environ.get("RATESHOP_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                f"{reason}\nRATESHOP_REQUIRE_POSTGRES=1 requires it: start PostgreSQL with trust "
                "auth for user postgres and a database named test, or unset the variable.",
                pytrace=False,
            )
        pytest.skip(reason)
    yield engine
    engine.dispose()
