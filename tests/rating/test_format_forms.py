"""Forms of the manual format that real filings need, each on a small manual of its own.

The manuals live in ``tests/fixtures/format`` (the batch-equals-single tests run them too) and
are shown in the manual-format reference; the shipped market's own edges are checked here too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from builders import line_of
from paths import ROOT
from rateshop.errors import ManualError, ManualNotFound, RiskError
from rateshop.rating.batch import rate_many
from rateshop.rating.checks import run_cases
from rateshop.rating.library import Library, load_plan
from rateshop.rating.quote import Decline
from rateshop.rating.single import rate

FORMS = ROOT / "tests" / "fixtures" / "format"


def _copy(name: str, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of a format example with one piece of its manifest replaced."""
    folder = tmp_path / name
    folder.mkdir()
    text = (FORMS / name / "manual.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "manual.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- validity end
def test_a_plan_year_manual_ends_with_its_plan_year() -> None:
    lib = Library([load_plan(FORMS / "plan-year")])
    last = lib.select("example-health", "health", "XX", dt.date(2026, 12, 31))
    assert last.manual.identity.expires == dt.date(2027, 1, 1)
    with pytest.raises(ManualNotFound) as found:
        lib.select("example-health", "health", "XX", dt.date(2027, 1, 1))
    assert str(found.value) == (
        "no 2027 rates filed yet: example-health's health rates in XX ended 2026-12-31"
    )
    assert lib.in_force("health", "XX", dt.date(2027, 3, 1)) == []


def test_ends_and_expires_are_one_or_the_other(tmp_path: Path) -> None:
    both = _copy(
        "plan-year", tmp_path, "  ends: 2026-12-31", "  ends: 2026-12-31\n  expires: 2027-01-01"
    )
    with pytest.raises(ManualError, match="not both"):
        load_plan(both)
    (tmp_path / "early").mkdir()
    early = _copy("plan-year", tmp_path / "early", "ends: 2026-12-31", "ends: 2025-12-31")
    with pytest.raises(ManualError, match=r"manual\.ends must be on or after manual\.effective"):
        load_plan(early)


def test_every_shipped_health_manual_ends_with_plan_year_2026() -> None:
    lib = Library.load(ROOT / "manuals", store=None)
    for state in ("CA", "NY", "TX"):
        carriers = lib.carriers("health", state)
        assert carriers
        assert len(lib.in_force("health", state, dt.date(2026, 12, 31))) == len(carriers)
        assert lib.in_force("health", state, dt.date(2027, 1, 1)) == []
        with pytest.raises(ManualNotFound, match="no 2027 rates filed yet"):
            lib.select(carriers[0], "health", state, dt.date(2027, 1, 1))


# ---------------------------------------------------------------- leap-day birthdays
def test_leap_day_birthdays_by_the_default_convention() -> None:
    plan = load_plan(FORMS / "leap-birthday")
    assert [r.failures for r in run_cases(plan)] == [[]] * len(plan.manual.tests)


def test_leap_day_birthdays_on_1_march(tmp_path: Path) -> None:
    folder = _copy(
        "leap-birthday", tmp_path, "leap_birthday: february_28", "leap_birthday: march_1"
    )
    plan = load_plan(folder)
    on_28th = rate(plan, {"birth_date": "2008-02-29", "effective_date": "2026-02-28"})
    assert isinstance(on_28th, Decline)
    on_1st = rate(plan, {"birth_date": "2008-02-29", "effective_date": "2026-03-01"})
    assert not isinstance(on_1st, Decline)
    assert str(on_1st.premium) == "150.00"


def test_an_unknown_leap_convention_is_refused(tmp_path: Path) -> None:
    folder = _copy("leap-birthday", tmp_path, "leap_birthday: february_28", "leap_birthday: feb29")
    with pytest.raises(
        ManualError, match=r"manual\.leap_birthday must be one of february_28, march_1"
    ):
        load_plan(folder)


# ---------------------------------------------------------------- one-column tables, by peril
def test_a_by_peril_filing_with_dozens_of_unrounded_factors_loads() -> None:
    plan = load_plan(FORMS / "by-peril")
    assert [r.failures for r in run_cases(plan)] == [[]] * len(plan.manual.tests)
    hurricane = next(c for c in plan.components if c.id == "hurricane")
    assert max(cs.out_scale for cs in hurricane.steps) == 2 + 15 * 3


def test_a_one_column_table_over_several_components_is_refused(tmp_path: Path) -> None:
    text = (FORMS / "by-peril" / "manual.yaml").read_text(encoding="utf-8")
    folder = _copy(
        "by-peril",
        tmp_path,
        "    components: [hurricane]       # one value column, for hurricane only\n",
        "",
    )
    folder_text = (folder / "manual.yaml").read_text(encoding="utf-8")
    (folder / "manual.yaml").write_text(
        folder_text.replace(
            "multiply: distance_to_coast, only: hurricane}", "multiply: distance_to_coast}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ManualError) as found:
        load_plan(folder)
    (problem,) = found.value.problems
    assert problem.file.endswith("manual.yaml")
    assert problem.line == line_of(text, "{id: coast,") - 1
    assert problem.reason.startswith(
        "step coast: table distance_to_coast (line 23) has one value column, so this step applies "
        "the same factor to fire, hurricane, theft; if it is meant for every one of them say "
        "'components: all' on the table"
    )


def test_a_table_for_some_components_only_is_refused_for_others(tmp_path: Path) -> None:
    folder = _copy(
        "by-peril", tmp_path, "multiply: protection, only: fire}", "multiply: protection}"
    )
    with pytest.raises(ManualError) as found:
        load_plan(folder)
    assert [p.reason for p in found.value.problems] == [
        "step protection: table protection is for fire only (its components:), but this step "
        "applies it to hurricane, theft; restrict the step with only:"
    ]


def test_a_table_names_real_components(tmp_path: Path) -> None:
    folder = _copy("by-peril", tmp_path, "components: [fire]", "components: [fyre]")
    with pytest.raises(
        ManualError, match="components must be 'all' or a list of component ids; unknown fyre"
    ):
        load_plan(folder)


# ---------------------------------------------------------------- messages that say where
def test_the_running_total_check_names_component_and_step_and_where_to_round(
    tmp_path: Path,
) -> None:
    steps = "".join(f"    - {{id: f{i}, multiply: 1.001}}\n" for i in range(60))
    folder = _copy(
        "by-peril",
        tmp_path,
        "    - {id: premium, label: Round",
        steps + "    - {id: premium, label: Round",
    )
    with pytest.raises(ManualError) as found:
        load_plan(folder)
    reasons = [p.reason for p in found.value.problems]
    assert reasons == [
        f"component {c}, step f{n}: the running total would carry {scale} decimals, more than 150;"
        f" round it at step f{n - 1} or before (round: 3 there, or round_each: 3)"
        for c, n, scale in (("fire", 34, 152), ("hurricane", 34, 152), ("theft", 35, 152))
    ]


def test_an_empty_cell_names_table_row_column_and_component(tmp_path: Path) -> None:
    folder = _copy(
        "by-peril",
        tmp_path,
        "      - {roof: wood_shake, fire: 1.250, hurricane: 1.200, theft: 1.000}\n    keys: {roof: roof}",
        "      - {roof: wood_shake, fire: 1.250, hurricane: '', theft: 1.000}\n    keys: {roof: roof}\n    sparse: true",
    )
    plan = load_plan(folder)
    risk = {"coast": "over_1mi", "roof": "wood_shake", "protection_class": 3}
    with pytest.raises(RiskError) as found:
        rate(plan, risk)
    line = line_of((folder / "manual.yaml").read_text(encoding="utf-8"), "roof: wood_shake")
    assert str(found.value) == (
        f"roof: table roof, row roof wood_shake ({folder / 'manual.yaml'}:{line}): the hurricane "
        "cell is empty, so there is no factor for component hurricane"
    )


# ---------------------------------------------------------------- extrapolation past the last row
@pytest.mark.parametrize(
    ("steps", "factor", "contents"),
    [("whole", "1.900", "280"), ("pro_rata", "1.913", "282"), ("part", "1.925", "284")],
)
def test_beyond_counts_steps_as_the_filing_says(
    tmp_path: Path, steps: str, factor: str, contents: str
) -> None:
    folder = _copy(
        "beyond",
        tmp_path,
        "steps: whole}      # 512,500",
        f"steps: {steps}}}      # 512,500",
    )
    text = (folder / "manual.yaml").read_text(encoding="utf-8")
    (folder / "manual.yaml").write_text(
        text.replace("factor: 0.015, steps: part}", f"factor: 0.015, steps: {steps}}}"),
        encoding="utf-8",
    )
    plan = load_plan(folder)
    quote = rate(plan, {"coverage_a": 512500, "coverage_c": 103500})
    assert not isinstance(quote, Decline)
    values = quote.worksheet.step_values()
    assert values["dwelling.aoi"] == Decimal("300.00") * Decimal(factor)
    assert values["contents.contents"] == Decimal(contents)
    batch = rate_many(plan, [{"coverage_a": 512500, "coverage_c": 103500}])
    assert int(batch.premium[0]) == int(quote.premium.scaleb(2))


def test_a_factor_beyond_must_say_how_steps_count(tmp_path: Path) -> None:
    folder = _copy("beyond", tmp_path, "factor: 0.015, steps: part}", "factor: 0.015}")
    with pytest.raises(ManualError, match="beyond needs 'steps:' pro_rata, whole, part"):
        load_plan(folder)
    (tmp_path / "both").mkdir()
    both = _copy(
        "beyond", tmp_path / "both", "add: 0.025, steps: whole}", "add: 0.025, factor: 0.1}"
    )
    with pytest.raises(ManualError, match="beyond needs 'every' and one of 'add' or 'factor'"):
        load_plan(both)


# ---------------------------------------------------------------- irregular grids, not offered
IRREGULAR_RISKS = [
    {"form": "HO-3", "deductible": "5%", "coverage_a": 750000, "home_age": 10},
    {"form": "HO-6", "deductible": "1%", "coverage_a": 300000, "home_age": 120},
    {"form": "HO-3", "deductible": "1%", "coverage_a": 750000, "home_age": 10},
    {"form": "HO-6", "deductible": "5%", "coverage_a": 100000, "home_age": 150},
]


def _answers(folder: Path) -> tuple[list[object], list[object]]:
    plan = load_plan(folder)
    single: list[object] = []
    for risk in IRREGULAR_RISKS:
        answer = rate(plan, risk)
        single.append(answer.reasons if isinstance(answer, Decline) else str(answer.premium))
    result = rate_many(plan, IRREGULAR_RISKS)
    batch: list[object] = [
        result.declined[i]
        if result.status_of(i) == "decline"
        else str(Decimal(int(result.premium[i])).scaleb(-2))
        for i in range(len(IRREGULAR_RISKS))
    ]
    return single, batch


def test_a_risk_on_a_cover_not_offered_is_declined_with_the_reason() -> None:
    single, batch = _answers(FORMS / "irregular")
    assert single == [
        ["the 5% deductible is offered up to $500,000 of coverage A"],
        ["not offered: age_of_home for form HO-6, age 120"],
        "2045.00",
        ["not offered: age_of_home for form HO-6, age 150"],
    ]
    assert batch == single


def test_not_offered_wins_over_a_table_default(tmp_path: Path) -> None:
    folder = _copy(
        "irregular",
        tmp_path,
        "    keys: {form: form, age: {band: home_age}}",
        "    keys: {form: form, age: {band: home_age}}\n    default: 1.000",
    )
    single, batch = _answers(folder)
    assert single[1] == ["not offered: age_of_home for form HO-6, age 120"]
    assert batch == single


def test_a_sub_table_missing_altogether_is_still_a_hole(tmp_path: Path) -> None:
    folder = _copy(
        "irregular", tmp_path, "      - {form: HO-6, age: 100+, factor: not offered}\n", ""
    )
    with pytest.raises(ManualError, match="no row for form HO-6, age 100"):
        load_plan(folder)


# ---------------------------------------------------------------- cover chosen vehicle by vehicle
def test_a_vehicle_may_choose_only_the_coverages_chosen_vehicle_by_vehicle() -> None:
    plan = load_plan(FORMS / "per-vehicle")
    risk = {
        "vehicles": [
            {
                "model_year": 2024,
                "coverages": {"BI": {"limit": "30/60"}, "COLL": {"deductible": 250}},
            },
            {"model_year": 2012, "coverages": "all"},
        ],
        "coverages": {"BI": {"limit": "30/60"}},
    }
    with pytest.raises(RiskError) as found:
        rate(plan, risk)
    assert [(p.field, p.problem) for p in found.value.problems] == [
        ("vehicles[0].coverages.BI", "is not chosen vehicle by vehicle"),
        ("vehicles[0].coverages.COLL.deductible", "250 is not offered"),
        ("vehicles[1].coverages", "must be an object of coverage id to options"),
    ]


def test_per_must_name_the_list_rated_item_by_item(tmp_path: Path) -> None:
    folder = _copy(
        "per-vehicle",
        tmp_path,
        "    per: vehicles                 #",
        "    per: drivers                  #",
    )
    with pytest.raises(
        ManualError, match="coverage COMP: per must name the list rated item by item"
    ):
        load_plan(folder)
