"""Where a ZIP code is: the US ZIP table of the ``zipcodes`` package, read offline.

rateshop ships the four columns it needs of that table (``zips.tsv.gz`` beside this module, made
by ``scripts/build_zip_table.py``; a test holds it to the package), read in a few hundredths of a
second where the package's own loader takes about a second.

Every ZIP a risk gives (a vehicle's garaging ZIP, a home's, a household's) must exist and lie in
the risk's state: a ZIP of another state would be rated on a territory its carrier never filed for
it, or take a default no one chose. The town is shown beside the ZIP so the shopper can confirm it.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rateshop.errors import FieldProblem

TABLE = Path(__file__).resolve().parent / "zips.tsv.gz"

# The names of the states, districts, territories and military post codes the ZIP table uses.
STATE_NAMES = {
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AK": "Alaska",
    "AL": "Alabama",
    "AP": "Armed Forces Pacific",
    "AR": "Arkansas",
    "AS": "American Samoa",
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DC": "the District of Columbia",
    "DE": "Delaware",
    "FL": "Florida",
    "FM": "Micronesia",
    "GA": "Georgia",
    "GU": "Guam",
    "HI": "Hawaii",
    "IA": "Iowa",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "MA": "Massachusetts",
    "MD": "Maryland",
    "ME": "Maine",
    "MH": "the Marshall Islands",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MO": "Missouri",
    "MP": "the Northern Mariana Islands",
    "MS": "Mississippi",
    "MT": "Montana",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "NE": "Nebraska",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NV": "Nevada",
    "NY": "New York",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "PR": "Puerto Rico",
    "PW": "Palau",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VA": "Virginia",
    "VI": "the US Virgin Islands",
    "VT": "Vermont",
    "WA": "Washington",
    "WI": "Wisconsin",
    "WV": "West Virginia",
    "WY": "Wyoming",
}


@dataclass(frozen=True)
class Place:
    """A ZIP code's town, county and state, as the ZIP table has them."""

    zip: str
    town: str
    county: str
    state: str

    @property
    def state_name(self) -> str:
        """The state's name in words (``Texas`` for ``TX``)."""
        return state_name(self.state)

    def __str__(self) -> str:
        return f"{self.town}, {self.state}"


def state_name(code: str) -> str:
    """A state's name for a two-letter code; the code itself when the table has no such state."""
    return STATE_NAMES.get(code.upper(), code.upper())


@cache
def _rows() -> dict[str, str]:
    """Each ZIP's row of the table as text (ZIP, state, town and county, tab-separated), read
    once per process.

    Rows become :class:`Place` objects only when asked for: a process checks a few ZIPs, and
    making all 42,000 at start took most of a quote's ZIP check.
    """
    lines = gzip.decompress(TABLE.read_bytes()).decode("utf-8").split("\n")
    return {line[:5]: line for line in lines[1:] if line}


def _place(row: str) -> Place:
    zip_code, state, town, county = row.split("\t")
    return Place(zip_code, town, county, state)


def places() -> dict[str, Place]:
    """Every ZIP code in use, with its place."""
    return {zip_code: _place(row) for zip_code, row in _rows().items()}


def place(zip_code: str) -> Place | None:
    """The place of a five-digit ZIP code in use today, or None when there is no such ZIP."""
    row = _rows().get(zip_code)
    return None if row is None else _place(row)


def zips_of(state: str) -> list[str]:
    """Every ZIP code in use in ``state``, in order."""
    wanted = state.upper()
    return sorted(z for z, row in _rows().items() if row[6:8] == wanted)


def in_state(field: str, zip_code: str, state: str) -> list[FieldProblem]:
    """``zip_code`` must exist and lie in ``state``: the problem at ``field`` in plain words."""
    where = state_name(state)
    allowed = f"a ZIP code in {where}"
    found = place(zip_code)
    if found is None:
        return [FieldProblem(field, f"{zip_code} is not a US ZIP code in use", allowed)]
    if found.state != state.upper():
        problem = f"{zip_code} is in {found.state_name}, not {where}"
        return [FieldProblem(field, problem, allowed)]
    return []
