#!/usr/bin/env python3
"""Derive sample term-life premium rate tables (per $1,000 of face amount).

Deterministic, standard library only.  The actuarial math is done in binary floats; ``decimal``
is used only for the final rounding of each rate to the cent (ROUND_HALF_UP).

Mortality basis
---------------
Standard Ultimate Life Table (SULT, Dickson/Hardy/Waters, *Actuarial Mathematics for Life
Contingent Risks*): Makeham's law ``mu_x = A + B * c**x`` with ``A = 0.00022``, ``B = 2.7e-6``,
``c = 1.124`` and radix ``l_20 = 100,000``.  Survival over ``t`` years from age ``x``::

    l_{x+t} = l_x * exp(-A*t - B*c**x * (c**t - 1) / ln c)

The published table covers ages 20-120.  Our issue ages start at 18, so ``l_18`` and ``l_19``
are obtained from the *same* Makeham formula with ``t < 0`` (an extrapolation below the
published range, not a published value).  Annual ``q_x = 1 - l_{x+1} / l_x`` for
``x = 18..119`` and ``q_120 = 1`` (the table closes at 120).  Every run verifies the basis: at
``i = 5%`` the whole-life annuity-due ``ä_30`` must equal 19.3834 (4 d.p.) and ``A_30`` must equal
0.07698 (5 d.p.), the SULT published values.

Premiums
--------
Each carrier scales the unisex SULT ``q_x`` by the product of its sex, tobacco and health-class
multipliers (capped at 1).  With ``v = 1 / (1 + i)`` and ``kp_x`` from the adjusted ``q``::

    A^1_{x:n} = sum_{k=0}^{n-1} v**(k+1) * kp_x * q_{x+k}    (benefit paid end of year of death)
    ä_{x:n}   = sum_{k=0}^{n-1} v**k     * kp_x              (premiums annually in advance)
    net       = 1000 * A^1_{x:n} / ä_{x:n}                   (net level annual premium)
    rate      = round_half_up(net * (1 + expense_loading) + expense_per_1000, 0.01)

Terms 10, 15, 20 and 30 years; issue ages 18-75, keeping only ``issue_age + term <= 85``.

Rate revisions
--------------
A carrier may file a revised rate table from a later effective date.  ``REVISIONS`` holds the
complete parameter set of each revision, keyed by ``(carrier_id, effective_date)``; each one is
written beside the carrier's first table with the date as a suffix.

Output
------
The tables are written where the rate manuals read them: one folder per carrier,
``<out>/<carrier_id>/common/``, shared by that carrier's state manuals
(``file: ../common/rates_per_1000.csv``):

* ``rates_per_1000.csv``: the first filing (manuals effective 2026-01-01);
* ``rates_per_1000_<date>.csv``: a revision from ``REVISIONS`` (e.g. ``_2026-07-01``).

Header ``issue_age,sex,tobacco,health_class,term,rate``, ``\\n`` line endings, rows sorted by
(issue_age, sex, tobacco, health_class, term) with ages/terms compared numerically and the text
columns alphabetically (i.e. ``female`` before ``male``, ``preferred`` before
``preferred_plus``).  ``rate`` always has exactly two decimals; ``tobacco`` is ``no``/``yes``,
which the manuals read as a boolean key.

Regenerate / verify (from the repository root)::

    python scripts/derive_life_rates.py            # (re)write manuals/<carrier>/common/*.csv
    python scripts/derive_life_rates.py --check    # exit 1 if committed CSVs are stale

``--out DIR`` selects another root folder (default: ``manuals`` under the repository root).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TypedDict

# --------------------------------------------------------------------------------------------
# Carrier parameters (fictional sample carriers).
#
# Shapes, not fitted values: they follow the ballpark relationships seen in published US term
# products and industry tables (e.g. the SOA VBT smoker/nonsmoker and relative-risk tables):
#   * best preferred class at roughly 55-70% of the standard-class mortality, standard at
#     100-125% of the basis, intermediate classes in between;
#   * smoker/nonsmoker mortality ratios of roughly 2-3x;
#   * female mortality ~70-85% of male at working ages (the SULT is unisex, so male >= 1.0).
# Each carrier is tilted so that a different one wins in different segments:
#   meridian-life     steep class discounts + tiny per-1,000 fee -> young preferred nonsmokers
#   evergreen-mutual  lowest tobacco multiplier                  -> smokers
#   lakeshore-life    low percentage loading, high fixed fee      -> older issue ages
#   summit-national   flat class structure, low female multiplier -> standard classes, women
# --------------------------------------------------------------------------------------------


class CarrierParams(TypedDict):
    """Pricing parameters of one carrier."""

    interest: float  # annual effective valuation interest rate
    sex: dict[str, float]  # mortality multiplier by sex (applied to the unisex SULT)
    tobacco: float  # mortality multiplier for tobacco users (non-users: 1.0)
    health_class: dict[str, float]  # mortality multiplier by underwriting class
    expense_loading: float  # proportional loading on the net premium
    expense_per_1000: float  # flat annual add-on per $1,000 of face amount


CARRIERS: dict[str, CarrierParams] = {
    "meridian-life": {
        "interest": 0.045,
        "sex": {"male": 1.00, "female": 0.80},
        "tobacco": 2.90,
        "health_class": {
            "preferred_plus": 0.55,
            "preferred": 0.72,
            "standard_plus": 0.88,
            "standard": 1.15,
        },
        "expense_loading": 0.32,
        "expense_per_1000": 0.05,
    },
    "evergreen-mutual": {
        "interest": 0.040,
        "sex": {"male": 1.05, "female": 0.82},
        "tobacco": 2.05,
        "health_class": {
            "preferred_plus": 0.68,
            "preferred": 0.80,
            "standard_plus": 0.92,
            "standard": 1.10,
        },
        "expense_loading": 0.25,
        "expense_per_1000": 0.15,
    },
    "lakeshore-life": {
        "interest": 0.050,
        "sex": {"male": 1.00, "female": 0.78},
        "tobacco": 2.60,
        "health_class": {
            "preferred_plus": 0.62,
            "preferred": 0.76,
            "standard_plus": 0.90,
            "standard": 1.20,
        },
        "expense_loading": 0.15,
        "expense_per_1000": 0.30,
    },
    "summit-national": {
        "interest": 0.035,
        "sex": {"male": 1.02, "female": 0.72},
        "tobacco": 2.40,
        "health_class": {
            "preferred_plus": 0.70,
            "preferred": 0.80,
            "standard_plus": 0.90,
            "standard": 1.00,
        },
        "expense_loading": 0.22,
        "expense_per_1000": 0.12,
    },
}

# Rate revisions: (carrier_id, effective date) -> the complete parameter set from that date.
#   evergreen-mutual 2026-07-01 (filed in New York only): after a tobacco mortality study the
#   tobacco multiplier falls from 2.05 to 1.85, while the proportional expense loading rises from
#   25% to 33%; non-smoker rates rise by about 5-6%, smoker rates fall by about 2-5%.
REVISIONS: dict[tuple[str, str], CarrierParams] = {
    ("evergreen-mutual", "2026-07-01"): {
        "interest": 0.040,
        "sex": {"male": 1.05, "female": 0.82},
        "tobacco": 1.85,
        "health_class": {
            "preferred_plus": 0.68,
            "preferred": 0.80,
            "standard_plus": 0.92,
            "standard": 1.10,
        },
        "expense_loading": 0.33,
        "expense_per_1000": 0.15,
    },
}

# SULT Makeham parameters and table range.
SULT_A = 0.00022
SULT_B = 2.7e-6
SULT_C = 1.124
SULT_RADIX_AGE = 20
SULT_RADIX = 100_000.0
MIN_AGE = 18  # extrapolated below the published start age of 20
MAX_AGE = 120  # q_120 = 1

# Product grid.
ISSUE_AGES = range(18, 76)
TERMS = (10, 15, 20, 30)
MAX_EXPIRY_AGE = 85
SEXES = ("female", "male")
TOBACCO = ("no", "yes")
HEALTH_CLASSES = ("preferred", "preferred_plus", "standard", "standard_plus")

HEADER = "issue_age,sex,tobacco,health_class,term,rate"
CENT = Decimal("0.01")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "manuals"
TABLE_STEM = "rates_per_1000"

Row = tuple[int, str, str, str, int, Decimal]


def makeham_survival(x: float, t: float) -> float:
    """Return tp_x under the SULT Makeham law (also valid for t < 0, i.e. l_{x+t}/l_x > 1)."""
    log_c = math.log(SULT_C)
    return math.exp(-SULT_A * t - SULT_B * SULT_C**x * (SULT_C**t - 1.0) / log_c)


def sult_lx() -> dict[int, float]:
    """Return l_x for ages MIN_AGE..MAX_AGE, anchored at l_20 = 100,000."""
    return {
        x: SULT_RADIX * makeham_survival(SULT_RADIX_AGE, x - SULT_RADIX_AGE)
        for x in range(MIN_AGE, MAX_AGE + 1)
    }


def sult_qx() -> dict[int, float]:
    """Return annual q_x for ages MIN_AGE..MAX_AGE from the l_x table (q_120 = 1)."""
    lx = sult_lx()
    qx = {x: 1.0 - lx[x + 1] / lx[x] for x in range(MIN_AGE, MAX_AGE)}
    qx[MAX_AGE] = 1.0
    return qx


def _discounted_sums(qx: dict[int, float], x: int, n: int, i: float) -> tuple[float, float]:
    """Return (A^1_{x:n}, ä_{x:n}) for an n-year term; n may run to the end of the table."""
    v = 1.0 / (1.0 + i)
    insurance = 0.0
    annuity = 0.0
    survival = 1.0  # kp_x
    for k in range(n):
        q = qx[x + k]
        annuity += v**k * survival
        insurance += v ** (k + 1) * survival * q
        survival *= 1.0 - q
    return insurance, annuity


def term_insurance(qx: dict[int, float], x: int, n: int, i: float) -> float:
    """Return A^1_{x:n}: n-year term insurance of 1 paid at the end of the year of death."""
    return _discounted_sums(qx, x, n, i)[0]


def temporary_annuity_due(qx: dict[int, float], x: int, n: int, i: float) -> float:
    """Return ä_{x:n}: n-year temporary life annuity-due of 1 per year."""
    return _discounted_sums(qx, x, n, i)[1]


def whole_life_annuity_due(qx: dict[int, float], x: int, i: float) -> float:
    """Return ä_x, running to the end of the table (q_120 = 1)."""
    return temporary_annuity_due(qx, x, MAX_AGE - x + 1, i)


def whole_life_insurance(qx: dict[int, float], x: int, i: float) -> float:
    """Return A_x (benefit at the end of the year of death), to the end of the table."""
    return term_insurance(qx, x, MAX_AGE - x + 1, i)


def net_premium_per_1000(qx: dict[int, float], x: int, n: int, i: float) -> float:
    """Return the net level annual premium per $1,000 for n-year term issued at age x."""
    insurance, annuity = _discounted_sums(qx, x, n, i)
    return 1000.0 * insurance / annuity


def scaled_qx(qx: dict[int, float], multiplier: float) -> dict[int, float]:
    """Return q_x multiplied by ``multiplier`` and capped at 1."""
    return {x: min(1.0, q * multiplier) for x, q in qx.items()}


def round_cents(value: float) -> Decimal:
    """Round a float to the cent, half up (the float is converted to Decimal exactly)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def gross_rate(net: float, expense_loading: float, expense_per_1000: float) -> Decimal:
    """Return the gross annual rate per $1,000, rounded to the cent."""
    return round_cents(net * (1.0 + expense_loading) + expense_per_1000)


def check_sult_basis() -> None:
    """Verify the mortality basis against published SULT values; raise if it does not match.

    Uses an explicit raise (not ``assert``) so the check also runs under ``python -O``.
    """
    qx = sult_qx()
    a30 = Decimal(whole_life_annuity_due(qx, 30, 0.05)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    big_a30 = Decimal(whole_life_insurance(qx, 30, 0.05)).quantize(
        Decimal("0.00001"), rounding=ROUND_HALF_UP
    )
    if a30 != Decimal("19.3834") or big_a30 != Decimal("0.07698"):
        raise AssertionError(
            f"SULT basis check failed at i=5%: ä30={a30} (expected 19.3834), "
            f"A30={big_a30} (expected 0.07698)"
        )


def mortality_multiplier(params: CarrierParams, sex: str, tobacco: str, health: str) -> float:
    """Return the combined q_x multiplier for one rate class."""
    tobacco_factor = params["tobacco"] if tobacco == "yes" else 1.0
    return params["sex"][sex] * tobacco_factor * params["health_class"][health]


def params_for(carrier_id: str, revision: str | None = None) -> CarrierParams:
    """Return the parameters of a carrier's first filing, or of one of its ``REVISIONS``."""
    if revision is None:
        return CARRIERS[carrier_id]
    return REVISIONS[(carrier_id, revision)]


def carrier_rows(carrier_id: str, revision: str | None = None) -> list[Row]:
    """Return the sorted rate rows for one carrier (its first filing, or a dated revision)."""
    params = params_for(carrier_id, revision)
    base_qx = sult_qx()
    rows: list[Row] = []
    for sex in SEXES:
        for tobacco in TOBACCO:
            for health in HEALTH_CLASSES:
                qx = scaled_qx(base_qx, mortality_multiplier(params, sex, tobacco, health))
                for age in ISSUE_AGES:
                    for term in TERMS:
                        if age + term > MAX_EXPIRY_AGE:
                            continue
                        net = net_premium_per_1000(qx, age, term, params["interest"])
                        rate = gross_rate(
                            net, params["expense_loading"], params["expense_per_1000"]
                        )
                        rows.append((age, sex, tobacco, health, term, rate))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4]))
    return rows


def render_csv(rows: Sequence[Row]) -> str:
    """Render rows as CSV text with ``\\n`` line endings and a trailing newline."""
    lines = [HEADER]
    lines.extend(
        f"{age},{sex},{tobacco},{health},{term},{rate:.2f}"
        for age, sex, tobacco, health, term, rate in rows
    )
    return "\n".join(lines) + "\n"


def table_versions() -> list[tuple[str, str | None]]:
    """Return every (carrier_id, revision) to write; ``None`` is the first filing."""
    versions: list[tuple[str, str | None]] = [(carrier_id, None) for carrier_id in CARRIERS]
    versions.extend(REVISIONS)
    return sorted(versions, key=lambda v: (v[0], v[1] or ""))


def output_path(out_dir: Path, carrier_id: str, revision: str | None = None) -> Path:
    """Return the CSV path of a carrier's table: ``<out>/<carrier>/common/rates_per_1000*.csv``."""
    suffix = "" if revision is None else f"_{revision}"
    return out_dir / carrier_id / "common" / f"{TABLE_STEM}{suffix}.csv"


def write_tables(out_dir: Path) -> list[Path]:
    """Check the basis, then write every carrier's tables under ``out_dir``; return the paths."""
    check_sult_basis()
    written: list[Path] = []
    for carrier_id, revision in table_versions():
        path = output_path(out_dir, carrier_id, revision)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_csv(carrier_rows(carrier_id, revision)).encode("utf-8"))
        written.append(path)
    return written


def first_difference(expected: bytes, actual: bytes) -> str | None:
    """Describe the first differing line between two files' bytes, or None if identical."""
    if expected == actual:
        return None
    exp_lines = expected.decode("utf-8", errors="replace").splitlines(keepends=True)
    act_lines = actual.decode("utf-8", errors="replace").splitlines(keepends=True)
    for number, (exp, act) in enumerate(zip(exp_lines, act_lines, strict=False), start=1):
        if exp != act:
            return f"line {number}: expected {exp!r}, found {act!r}"
    if len(exp_lines) != len(act_lines):
        return f"line count: expected {len(exp_lines)}, found {len(act_lines)}"
    return "byte-level difference (encoding or line endings)"


def check_tables(out_dir: Path) -> int:
    """Regenerate into a temp dir and compare with ``out_dir`` byte-for-byte; return exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_root = Path(tmp)
        for fresh in write_tables(fresh_root):
            committed = out_dir / fresh.relative_to(fresh_root)
            if not committed.is_file():
                print(f"{committed}: missing (run scripts/derive_life_rates.py)", file=sys.stderr)
                return 1
            diff = first_difference(fresh.read_bytes(), committed.read_bytes())
            if diff is not None:
                print(f"{committed}: stale, {diff}", file=sys.stderr)
                return 1
    known = {
        output_path(out_dir, carrier_id, revision) for carrier_id, revision in table_versions()
    }
    found = {
        path
        for carrier_id in CARRIERS
        for path in (out_dir / carrier_id / "common").glob(f"{TABLE_STEM}*.csv")
    }
    extra = sorted(str(path) for path in found - known)
    if extra:
        print(f"{out_dir}: unexpected rate tables {extra}", file=sys.stderr)
        return 1
    print(f"{out_dir}: {len(known)} rate tables up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="root folder holding <carrier>/common/ (default: manuals under the repository root)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temp dir and compare byte-for-byte with --out; exit 1 if stale",
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out
    if args.check:
        return check_tables(out_dir)
    for path in write_tables(out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
