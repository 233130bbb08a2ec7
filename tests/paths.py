"""Where the tests find the repository's files and the PostgreSQL server they may use."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MANUALS = ROOT / "manuals"
MARKET = ROOT / "market"
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"

# The PostgreSQL half of the store and API tests runs here (trust auth, database ``test``).
POSTGRES_URL = os.environ.get(
    "RATESHOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
