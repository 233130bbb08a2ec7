"""Tests for scripts/derive_life_rates.py (term-life rate derivation from the SULT)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "derive_life_rates.py"
DATA_DIR = REPO_ROOT / "data" / "life"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_life_rates", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


dlr = _load_script()

Key = tuple[int, str, str, str, int]


@pytest.fixture(scope="module")
def tables() -> dict[str, dict[Key, Decimal]]:
    """Rates for every carrier keyed by (issue_age, sex, tobacco, health_class, term)."""
    return {
        carrier_id: {row[:5]: row[5] for row in dlr.carrier_rows(carrier_id)}
        for carrier_id in dlr.CARRIERS
    }


def test_sult_basis_matches_published_values() -> None:
    qx = dlr.sult_qx()
    assert round(dlr.whole_life_annuity_due(qx, 30, 0.05), 4) == pytest.approx(19.3834, abs=1e-9)
    assert round(dlr.whole_life_insurance(qx, 30, 0.05), 5) == pytest.approx(0.07698, abs=1e-9)
    dlr.check_sult_basis()  # must not raise


def test_basis_extension_and_closure() -> None:
    qx = dlr.sult_qx()
    assert min(qx) == 18
    assert max(qx) == 120
    assert qx[120] == 1.0
    # Ages 18 and 19 come from the same Makeham law: q increases smoothly into the table.
    assert 0.0 < qx[18] < qx[19] < qx[20] < qx[21]
    assert qx[19] == pytest.approx(1.0 - dlr.makeham_survival(19, 1), rel=1e-12)
    assert dlr.sult_lx()[20] == pytest.approx(100_000.0)


def test_net_premium_identity_one_year_term() -> None:
    # One-year term: P = 1000 * v * q_x.
    qx = dlr.sult_qx()
    assert dlr.net_premium_per_1000(qx, 40, 1, 0.04) == pytest.approx(1000 * qx[40] / 1.04)


def test_gross_rate_rounds_half_up() -> None:
    assert dlr.round_cents(0.125) == Decimal("0.13")  # 0.125 is exact in binary
    assert dlr.gross_rate(1.0, 0.25, 0.10) == Decimal("1.35")


def test_grid_and_format(tables: dict[str, dict[Key, Decimal]]) -> None:
    assert set(tables) == {
        "meridian-life",
        "evergreen-mutual",
        "lakeshore-life",
        "summit-national",
    }
    for rates in tables.values():
        assert len(rates) == 197 * 16  # (58 + 53 + 48 + 38) age/term cells x 16 classes
        assert all(age + term <= 85 for age, _, _, _, term in rates)
        assert all(rate > 0 and rate.as_tuple().exponent == -2 for rate in rates.values())
    for path in sorted(DATA_DIR.glob("*_rates_per_1000.csv")):
        header, *body = path.read_text(encoding="utf-8").splitlines()
        assert header == "issue_age,sex,tobacco,health_class,term,rate"
        assert all(re.fullmatch(r"\d+,(fe)?male,(no|yes),[a-z_]+,\d+,\d+\.\d\d", ln) for ln in body)
        keys = [(int(a), s, t, h, int(n)) for a, s, t, h, n, _ in (ln.split(",") for ln in body)]
        assert keys == sorted(keys)


def test_rates_increase_with_issue_age(tables: dict[str, dict[Key, Decimal]]) -> None:
    for rates in tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            older = rates.get((age + 1, sex, tob, hc, term))
            if older is not None:
                assert older >= rate  # cents rounding can tie adjacent young ages
            ten_older = rates.get((age + 10, sex, tob, hc, term))
            if ten_older is not None:
                assert ten_older > rate


def test_smokers_pay_more(tables: dict[str, dict[Key, Decimal]]) -> None:
    for rates in tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if tob == "no":
                assert rates[(age, sex, "yes", hc, term)] > rate


def test_class_ordering(tables: dict[str, dict[Key, Decimal]]) -> None:
    order = ("preferred_plus", "preferred", "standard_plus", "standard")
    for rates in tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if hc == "preferred_plus":
                assert rate < rates[(age, sex, tob, "standard", term)]
                chain = [rates[(age, sex, tob, c, term)] for c in order]
                assert chain == sorted(chain)


def test_longer_term_costs_more(tables: dict[str, dict[Key, Decimal]]) -> None:
    terms = (10, 15, 20, 30)
    for rates in tables.values():
        for age, sex, tob, hc, term in rates:
            if term == 10:
                chain = [rates.get((age, sex, tob, hc, t)) for t in terms]
                present = [r for r in chain if r is not None]
                assert present == sorted(present)
                assert present[-1] > present[0] or len(present) == 1


def test_females_pay_less(tables: dict[str, dict[Key, Decimal]]) -> None:
    for rates in tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if sex == "female":
                assert rate <= rates[(age, "male", tob, hc, term)]


def test_different_carriers_win_somewhere(tables: dict[str, dict[Key, Decimal]]) -> None:
    winners: set[str] = set()
    for key in tables["meridian-life"]:
        best = min(tables, key=lambda c: (tables[c][key], c))
        winners.add(best)
    assert winners == set(tables)


def test_check_passes_on_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert dlr.main(["--check", "--out", str(DATA_DIR)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_detects_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in DATA_DIR.glob("*_rates_per_1000.csv"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "lakeshore-life_rates_per_1000.csv"
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].rsplit(",", 1)[0] + ",999.99\n"
    target.write_text("".join(lines), encoding="utf-8")
    assert dlr.main(["--check", "--out", str(tmp_path)]) == 1
    assert "line 6" in capsys.readouterr().err
