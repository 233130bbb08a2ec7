"""Child process of the crash test: compare examples/auto.json and save it, pausing mid-save.

Run with RATESHOP_DATABASE_URL, RATESHOP_SECRET_KEY and RATESHOP_TEST_PAUSE_MID_SAVE set. The
store's test hook logs a line starting ``test hook: pausing`` (printed here on stdout) while its
transaction is open with some answers written; the parent kills this process then.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from rateshop.compare.connectors import manual_connectors
from rateshop.compare.market import Market
from rateshop.compare.service import compare
from rateshop.rating.library import Library
from rateshop.store import Store

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(message)s")
    risk = json.loads((ROOT / "examples" / "auto.json").read_text(encoding="utf-8"))
    library = Library.load(*sorted((ROOT / "manuals").glob("*/auto-tx-*")))
    comparison = compare(
        risk, manual_connectors(library, "auto", "TX"), Market.load(ROOT / "market")
    )
    with Store.open() as store:
        ref = store.save(comparison, risk)
    print(f"saved {ref}", flush=True)


if __name__ == "__main__":
    main()
