"""Write ``src/rateshop/risk/zips.tsv.gz``: every US ZIP code in use, with its state, town and
county, from the ``zipcodes`` package's table (offline).

The package unpacks its whole table (all ~42,000 ZIPs with area codes, time zones, coordinates
and alternative names) whenever it is first asked, which costs a process about a second before
it can check one ZIP. rateshop needs four columns of it, so it ships them, derived here, and
reads them in a few hundredths of a second. A test checks the shipped file against the package,
so a new release of the package is noticed; run this again then:

    python scripts/build_zip_table.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import zipcodes

TABLE = Path(__file__).resolve().parents[1] / "src" / "rateshop" / "risk" / "zips.tsv.gz"


def rows() -> list[tuple[str, str, str, str]]:
    """Every active ZIP of the package's table: (zip, state, town, county), by ZIP."""
    return sorted(
        (z["zip_code"], z["state"], z["city"], z["county"])
        for z in zipcodes.list_all()  # type: ignore[no-untyped-call]
        if z["active"]
    )


def text(found: list[tuple[str, str, str, str]]) -> str:
    """The table as the shipped file holds it: a header, then one tab-separated line per ZIP."""
    lines = ["zip\tstate\ttown\tcounty", *("\t".join(row) for row in found)]
    return "\n".join(lines) + "\n"


def main() -> None:
    found = rows()
    # mtime=0: the same table gives the same bytes, so an unchanged table shows no diff.
    with gzip.GzipFile(TABLE, "wb", mtime=0) as out:
        out.write(text(found).encode("utf-8"))
    print(f"{len(found)} ZIP codes written to {TABLE.relative_to(TABLE.parents[3])}")


if __name__ == "__main__":
    main()
