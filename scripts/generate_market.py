#!/usr/bin/env python3
"""Write a large market of manual versions, made from the shipped ones, into a folder.

For measuring start-up against the market's size; never commit what it writes. Each shipped
carrier manual (``manuals/<carrier>/<line>-<state>-<date>``, the reference manuals aside) is kept
as it is, and copied into other states and to earlier effective dates until the market holds
``--versions`` versions, each copy in a folder named after its version as an upload is installed
(``<carrier>/<line>-<state>-<date>``). A copy differs from its original in its identity (state, effective and
expiry dates), its title and a comment naming the copy, so every version has a content hash of
its own; its tables are hard links to the original's (same bytes, no extra disk), its stored
cases are left out (they are written for the original's state). Quotes for the shipped states and
dates find the shipped versions, so a comparison rates the same carriers in a larger market.

    python scripts/generate_market.py /tmp/market-5000 --versions 5000
    RATESHOP_MANUALS=/tmp/market-5000 rateshop quote examples/auto.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every state's code but those the shipped manuals write (CA, NY, TX), in a fixed order.
STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]
STEP = dt.timedelta(days=400)  # between a copy's dates: never lands on another version's date


def _link_tree(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` with every file a hard link (a copy where links fail)."""
    for folder, _, files in os.walk(source):
        here = target / Path(folder).relative_to(source)
        here.mkdir(parents=True, exist_ok=True)
        for name in files:
            if name == "tests.yaml":
                continue
            try:
                os.link(Path(folder) / name, here / name)
            except OSError:
                shutil.copy2(Path(folder) / name, here / name)


def _shift(text: str, key: str, delta: dt.timedelta) -> str:
    """``text`` with the date of ``manual.<key>`` moved back by ``delta``."""

    def moved(match: re.Match[str]) -> str:
        day = dt.date.fromisoformat(match.group(2)) - delta
        return f"{match.group(1)}{day.isoformat()}"

    return re.sub(rf"^(  {key}:\s*)(\d{{4}}-\d{{2}}-\d{{2}})", moved, text, count=1, flags=re.M)


def _copy(
    original: Path, manual_text: str, state: str, delta: dt.timedelta, n: int, target: Path
) -> None:
    _link_tree(original, target)
    text = re.sub(r"^(  state:\s*)\S+", rf"\g<1>{state}", manual_text, count=1, flags=re.M)
    for key in ("effective", "expires"):
        text = _shift(text, key, delta)
    text = re.sub(r"^(  title:\s*)(.*)$", rf"\g<1>\g<2> (copy {n})", text, count=1, flags=re.M)
    (target / "manual.yaml").unlink()
    (target / "manual.yaml").write_text(f"# generated copy {n}\n{text}", encoding="utf-8")


def generate(source: Path, target: Path, versions: int) -> int:
    """Write a market of about ``versions`` manual versions under ``target``; return the count."""
    originals = sorted(
        p.parent
        for p in source.glob("*/*/manual.yaml")
        if p.parent.parent.name != "reference" and p.parent.name != "common"
    )
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    for carrier in sorted({o.parent for o in originals}):
        _link_tree(carrier, target / carrier.name)  # the shipped versions, and ../common
    per = max(0, math.ceil(versions / len(originals)) - 1)
    made = len(originals)
    n = 0
    seen: dict[tuple[str, str], int] = {}  # copies of one carrier's line in one state
    for original in originals:
        text = (original / "manual.yaml").read_text(encoding="utf-8")
        line = re.search(r"^  line:\s*(\S+)", text, re.M)
        effective = re.search(r"^  effective:\s*(\d{4}-\d{2}-\d{2})", text, re.M)
        if line is None or effective is None:
            continue
        # Each original of a carrier's line lands its copies a week apart from the others'.
        nth = seen.setdefault((original.parent.name, line.group(1)), 0)
        seen[(original.parent.name, line.group(1))] += 1
        for k in range(per):
            if made >= versions:
                break
            n += 1
            # states first (a carrier writing more states), then earlier versions of each
            state = STATES[k % len(STATES)]
            delta = STEP * (1 + k // len(STATES)) + dt.timedelta(weeks=nth)
            # named as an upload is installed: <line>-<state>-<effective date>
            day = dt.date.fromisoformat(effective.group(1)) - delta
            name = f"{line.group(1)}-{state.lower()}-{day.isoformat()}"
            _copy(original, text, state, delta, n, target / original.parent.name / name)
            made += 1
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="an empty (or new) folder")
    parser.add_argument("--versions", type=int, default=5000)
    parser.add_argument("--manuals", type=Path, default=ROOT / "manuals")
    args = parser.parse_args()
    made = generate(args.manuals, args.target, args.versions)
    print(f"{made} manual versions under {args.target}")


if __name__ == "__main__":
    main()
