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
MANUALS_DIR = REPO_ROOT / "manuals"
CARRIER_IDS = {"meridian-life", "evergreen-mutual", "lakeshore-life", "summit-national"}


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
Version = tuple[str, str | None]


@pytest.fixture(scope="module")
def all_tables() -> dict[Version, dict[Key, Decimal]]:
    """Rates of every table (first filings and revisions) keyed by (carrier_id, revision)."""
    return {
        (carrier_id, revision): {row[:5]: row[5] for row in dlr.carrier_rows(carrier_id, revision)}
        for carrier_id, revision in dlr.table_versions()
    }


@pytest.fixture(scope="module")
def tables(all_tables: dict[Version, dict[Key, Decimal]]) -> dict[str, dict[Key, Decimal]]:
    """Rates of every carrier's first filing keyed by (issue_age, sex, tobacco, health_class, term)."""
    return {carrier_id: rates for (carrier_id, rev), rates in all_tables.items() if rev is None}


def committed_csvs() -> list[Path]:
    """The committed rate tables, one folder per carrier."""
    return sorted(MANUALS_DIR.glob("*/common/rates_per_1000*.csv"))


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


def test_grid_and_format(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    assert {carrier_id for carrier_id, _ in all_tables} == CARRIER_IDS
    assert set(dlr.REVISIONS) <= set(all_tables)
    for rates in all_tables.values():
        assert len(rates) == 197 * 16  # (58 + 53 + 48 + 38) age/term cells x 16 classes
        assert all(age + term <= 85 for age, _, _, _, term in rates)
        assert all(rate > 0 and rate.as_tuple().exponent == -2 for rate in rates.values())
    paths = committed_csvs()
    expected = {
        dlr.output_path(MANUALS_DIR, carrier_id, rev).relative_to(MANUALS_DIR)
        for carrier_id, rev in all_tables
    }
    assert {p.relative_to(MANUALS_DIR) for p in paths} == expected
    for path in paths:
        header, *body = path.read_text(encoding="utf-8").splitlines()
        assert header == "issue_age,sex,tobacco,health_class,term,rate"
        assert all(re.fullmatch(r"\d+,(fe)?male,(no|yes),[a-z_]+,\d+,\d+\.\d\d", ln) for ln in body)
        keys = [(int(a), s, t, h, int(n)) for a, s, t, h, n, _ in (ln.split(",") for ln in body)]
        assert keys == sorted(keys)


def test_rates_increase_with_issue_age(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    for rates in all_tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            older = rates.get((age + 1, sex, tob, hc, term))
            if older is not None:
                assert older >= rate  # cents rounding can tie adjacent young ages
            ten_older = rates.get((age + 10, sex, tob, hc, term))
            if ten_older is not None:
                assert ten_older > rate


def test_smokers_pay_more(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    for rates in all_tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if tob == "no":
                assert rates[(age, sex, "yes", hc, term)] > rate


def test_class_ordering(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    order = ("preferred_plus", "preferred", "standard_plus", "standard")
    for rates in all_tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if hc == "preferred_plus":
                assert rate < rates[(age, sex, tob, "standard", term)]
                chain = [rates[(age, sex, tob, c, term)] for c in order]
                assert chain == sorted(chain)


def test_longer_term_costs_more(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    terms = (10, 15, 20, 30)
    for rates in all_tables.values():
        for age, sex, tob, hc, term in rates:
            if term == 10:
                chain = [rates.get((age, sex, tob, hc, t)) for t in terms]
                present = [r for r in chain if r is not None]
                assert present == sorted(present)
                assert present[-1] > present[0] or len(present) == 1


def test_females_pay_less(all_tables: dict[Version, dict[Key, Decimal]]) -> None:
    for rates in all_tables.values():
        for (age, sex, tob, hc, term), rate in rates.items():
            if sex == "female":
                assert rate <= rates[(age, "male", tob, hc, term)]


def test_different_carriers_win_somewhere(tables: dict[str, dict[Key, Decimal]]) -> None:
    winners: set[str] = set()
    for key in tables["meridian-life"]:
        best = min(tables, key=lambda c: (tables[c][key], c))
        winners.add(best)
    assert winners == set(tables)


def test_revision_changes_rates_as_documented(
    all_tables: dict[Version, dict[Key, Decimal]],
) -> None:
    base = all_tables[("evergreen-mutual", None)]
    revised = all_tables[("evergreen-mutual", "2026-07-01")]
    assert base.keys() == revised.keys()
    nonsmoker = [revised[k] / base[k] for k in base if k[2] == "no"]
    smoker = [revised[k] / base[k] for k in base if k[2] == "yes"]
    assert Decimal("1.05") < sum(nonsmoker) / len(nonsmoker) < Decimal("1.06")
    assert Decimal("0.95") < sum(smoker) / len(smoker) < Decimal("0.98")
    assert all(r < 1 for r in smoker)


def test_output_paths() -> None:
    root = Path("manuals")
    assert dlr.output_path(root, "summit-national") == Path(
        "manuals/summit-national/common/rates_per_1000.csv"
    )
    assert dlr.output_path(root, "evergreen-mutual", "2026-07-01") == Path(
        "manuals/evergreen-mutual/common/rates_per_1000_2026-07-01.csv"
    )


def test_check_passes_on_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert dlr.main(["--check"]) == 0  # the default root is the repository's manuals folder
    assert "5 rate tables up to date" in capsys.readouterr().out


def _copy_committed(tmp_path: Path) -> None:
    for path in committed_csvs():
        target = tmp_path / path.relative_to(MANUALS_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def test_check_detects_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_committed(tmp_path)
    assert dlr.main(["--check", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    target = dlr.output_path(tmp_path, "lakeshore-life")
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].rsplit(",", 1)[0] + ",999.99\n"
    target.write_text("".join(lines), encoding="utf-8")
    assert dlr.main(["--check", "--out", str(tmp_path)]) == 1
    assert "line 6" in capsys.readouterr().err


def test_check_detects_missing_and_extra_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _copy_committed(tmp_path)
    revision = dlr.output_path(tmp_path, "evergreen-mutual", "2026-07-01")
    stray = revision.with_name("rates_per_1000_2027-01-01.csv")
    shutil.move(revision, stray)
    assert dlr.main(["--check", "--out", str(tmp_path)]) == 1
    assert "missing" in capsys.readouterr().err
    shutil.copy(stray, revision)
    assert dlr.main(["--check", "--out", str(tmp_path)]) == 1
    assert "unexpected rate tables" in capsys.readouterr().err
