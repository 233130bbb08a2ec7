"""Test configuration: make the shared builders importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        help="rewrite tests/golden/ from what the engine gives now (review the diff)",
    )
