"""Every kind of mistake in a manual is rejected at load time with its file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import BASE_MANIFEST, BASE_TABLES, line_of, write_manual
from rateshop.errors import ManualError, Problem
from rateshop.rating.library import load_plan


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ManualError) as caught:
        load_plan(folder)
    return caught.value.problems


def only_problem(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_base_manual_loads(tmp_path: Path) -> None:
    plan = load_plan(write_manual(tmp_path))
    assert plan.key == "test/test/XX@2025-01-01"


def test_yaml_syntax_error(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("  territory: [north, south]", "  territory: [north, south")
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.file.endswith("manual/manual.yaml")
    assert p.line is not None
    assert "YAML syntax error" in p.reason


def test_unknown_table_in_a_step(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("multiply: territory,", "multiply: teritory,")
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "multiply: teritory")
    assert "'teritory' is neither a table nor a variable" in p.reason
    assert "tables: age, territory" in p.reason


def test_unknown_table_called_in_an_expression(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "multiply: territory,", 'multiply: "terr(territory=territory)",'
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "terr(")
    assert "unknown function or table 'terr'" in p.reason


def test_missing_key_column(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"territory.csv": "region,factor\nnorth,1.10\nsouth,0.90\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.line == line_of(BASE_MANIFEST, "keys: {territory: territory}")
    assert "key column 'territory' is missing; columns are region, factor" in p.reason


def test_band_gap(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"age.csv": "age,factor\n16-24,1.50\n26-64,1.00\n65+,1.20\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("tables/age.csv")
    assert p.line == 3
    assert "gap between band 16-24 (line 2) and band 26-64" in p.reason


def test_band_overlap(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"age.csv": "age,factor\n16-25,1.50\n25-64,1.00\n65+,1.20\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("tables/age.csv")
    assert p.line == 3
    assert "band 25-64 overlaps band 16-25 (line 2)" in p.reason


def test_duplicate_keys(tmp_path: Path) -> None:
    tables = dict(
        BASE_TABLES, **{"territory.csv": "territory,factor\nnorth,1.10\nsouth,0.90\nnorth,1.05\n"}
    )
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("tables/territory.csv")
    assert p.line == 4
    assert "duplicate key (same keys as line 2)" in p.reason


def test_missing_row_in_a_grid(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "keys: {territory: territory}", "keys: {territory: territory, band: {band: age}}"
    )
    tables = dict(
        BASE_TABLES,
        **{
            "territory.csv": "territory,band,factor\nnorth,16-64,1.1\nnorth,65+,1.2\nsouth,16-64,0.9\n"
        },
    )
    p = only_problem(write_manual(tmp_path, manifest, tables))
    assert "no row for territory south, band 65+" in p.reason


def test_step_names_a_variable_that_does_not_exist(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "    - {id: territory,",
        '    - {id: youth, multiply: 1.05, when: "drivr_age < 25"}\n    - {id: territory,',
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "drivr_age")
    assert "unknown name 'drivr_age'" in p.reason
    assert "known names: age, coverage, territory" in p.reason


def test_type_error_in_an_expression(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "    - {id: territory,",
        '    - {id: youth, multiply: 1.05, when: "territory + 1 > 2"}\n    - {id: territory,',
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "territory + 1")
    assert "expected a number, got one of north, south" in p.reason


def test_category_value_that_can_never_match(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "    - {id: territory,",
        "    - {id: coastal, multiply: 1.05, when: \"territory == 'east'\"}\n    - {id: territory,",
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert "'east' is never a value of territory; its values are north, south" in p.reason


def test_interpolation_rows_out_of_order(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory:\n    file: tables/territory.csv",
        "  aoi:\n    file: tables/aoi.csv\n    keys: {amount: {interpolate: age}}\n    round: dollar\n"
        "  territory:\n    file: tables/territory.csv",
    )
    tables = dict(BASE_TABLES, **{"aoi.csv": "amount,premium\n10,100\n30,120\n20,110\n"})
    p = only_problem(write_manual(tmp_path, manifest, tables))
    assert p.file.endswith("tables/aoi.csv")
    assert p.line == 4
    assert "amount must increase from row to row (20 after 30)" in p.reason


def test_interpolated_table_must_say_how_to_round(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory:\n    file: tables/territory.csv",
        "  aoi:\n    file: tables/aoi.csv\n    keys: {amount: {interpolate: age}}\n"
        "  territory:\n    file: tables/territory.csv",
    )
    tables = dict(BASE_TABLES, **{"aoi.csv": "amount,premium\n10,100\n30,120\n"})
    p = only_problem(write_manual(tmp_path, manifest, tables))
    assert "an interpolated table must say how results are rounded" in p.reason


def test_a_value_that_is_not_a_number(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"territory.csv": "territory,factor\nnorth,1.1O\nsouth,0.90\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.line == 2
    assert "column factor: '1.1O' is not a number" in p.reason


def test_premium_left_with_more_than_cents(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("multiply: territory, round: cent}", "multiply: territory}")
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "multiply: territory}")
    assert "the premium still has 4 decimals after step territory" in p.reason


def test_unknown_section_and_unknown_step_key(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("rating:\n", "ratings: {}\nrating:\n").replace(
        "{id: age, multiply: age, round: cent}", "{id: age, multiply: age, round: cent, wehn: true}"
    )
    problems = problems_of(write_manual(tmp_path, manifest))
    reasons = [p.reason for p in problems]
    assert any("unknown section 'ratings'" in r for r in reasons)
    assert any("step age: unknown key 'wehn'" in r for r in reasons)


def test_aggregation_in_a_step_must_move_to_derived(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory: [north, south]\n",
        "  territory: [north, south]\n  claims:\n    type: list\n    item: claim\n    required: false\n    max: 5\n"
        "    fields: {year: int}\n",
    ).replace(
        "    - {id: territory,",
        '    - {id: claims, multiply: "1 + 0.1 * count(c for c in claims)"}\n    - {id: territory,',
    )
    problems = problems_of(write_manual(tmp_path, manifest))
    assert any("count() over a list cannot be used here" in p.reason for p in problems)


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("multiply: territory,", "multiply: teritory,")
    tables = dict(BASE_TABLES, **{"age.csv": "age,factor\n16-24,1.50\n26-64,1.00\n65+,1.20\n"})
    problems = problems_of(write_manual(tmp_path, manifest, tables))
    assert len(problems) == 2


def test_two_versions_with_the_same_date_are_rejected(tmp_path: Path) -> None:
    from rateshop.rating.library import Library

    write_manual(tmp_path / "a")
    write_manual(tmp_path / "b")
    with pytest.raises(ManualError, match="is also defined in"):
        Library.load(tmp_path)


def test_table_level_problems_point_at_the_manifest(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"territory.csv": "region,factor\nnorth,1.10\nsouth,0.90\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("manual/manual.yaml")


def test_an_empty_value_cell_is_rejected(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"territory.csv": "territory,factor\nnorth,1.10\nsouth,\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("tables/territory.csv")
    assert p.line == 3
    assert "column factor is empty" in p.reason


def test_an_impossible_date_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    p = only_problem(write_manual(tmp_path, BASE_MANIFEST.replace("2025-01-01", "2025-02-30")))
    assert "bad value" in p.reason


def test_an_optional_input_needs_a_default(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory: [north, south]\n",
        "  territory: [north, south]\n  discount: {type: decimal, required: false}\n",
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "discount:")
    assert "an optional input needs a default" in p.reason


def test_a_table_named_as_a_value_suggests_calling_it(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "rating:\n",
        "  bonus:\n    rows: [{factor: 1.05}]\n    keys: {}\nderived:\n  bonus_factor: bonus\nrating:\n",
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert "bonus is a table; look it up as bonus() or bonus(key=...)" in p.reason


def test_whole_number_value_lists_are_numbers(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory: [north, south]\n", "  territory: [north, south]\n  term: [10, 20]\n"
    ).replace(
        "    - {id: territory,",
        '    - {id: long_term, multiply: 0.95, when: "term > 15", round: cent}\n    - {id: territory,',
    )
    plan = load_plan(write_manual(tmp_path, manifest))
    from rateshop.errors import RiskError
    from rateshop.rating.quote import Quote
    from rateshop.rating.single import rate

    quote = rate(plan, {"age": 30, "territory": "north", "term": 20})
    assert isinstance(quote, Quote)
    assert str(quote.premium) == "104.50"
    with pytest.raises(RiskError, match="allowed: 10, 20"):
        rate(plan, {"age": 30, "territory": "north", "term": 15})


def test_shared_steps_can_branch_on_the_component(tmp_path: Path) -> None:
    manifest = (
        BASE_MANIFEST.replace("rating:\n", "components: [bi, pd]\nrating:\n")
        .replace(
            "    - {id: territory,",
            "    - {id: bi_only, multiply: 2, when: \"coverage == 'bi'\"}\n    - {id: territory,",
        )
        # one-column tables shared by both components say so
        .replace("    file: tables/age.csv", "    components: all\n    file: tables/age.csv")
        .replace(
            "    file: tables/territory.csv", "    components: all\n    file: tables/territory.csv"
        )
    )
    plan = load_plan(write_manual(tmp_path, manifest))
    from rateshop.rating.quote import Quote
    from rateshop.rating.single import rate

    quote = rate(plan, {"age": 30, "territory": "north"})
    assert isinstance(quote, Quote)
    assert {c.id: str(c.amount) for c in quote.components} == {"bi": "220.00", "pd": "110.00"}


def test_unknown_keys_are_reported_everywhere(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  age: {type: int, min: 16, max: 99}", "  age: {type: int, mn: 16, max: 99}"
    ).replace("rating:\n", "components:\n  - {id: premium, lable: Premium}\nrating:\n")
    reasons = [p.reason for p in problems_of(write_manual(tmp_path, manifest))]
    assert any("input age: unknown key 'mn'" in r for r in reasons)
    assert any("component premium: unknown key 'lable'" in r for r in reasons)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("  line: test", "  line: ../../escaped", "manual.line '../../escaped' must be"),
        ("  carrier: test", "  carrier: Test Co", "manual.carrier 'Test Co' must be"),
        ("  state: XX", "  state: Texas", "manual.state 'Texas' must be a two-letter state code"),
    ],
)
def test_identity_names_folders_and_links_so_it_is_plain(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    manifest = BASE_MANIFEST.replace(old, new)
    p = only_problem(write_manual(tmp_path, manifest))
    assert reason in p.reason
    assert p.line == line_of(manifest, new.strip())


def test_a_table_file_outside_the_carriers_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("zip,factor\n1,1\n", encoding="utf-8")
    manifest = BASE_MANIFEST.replace("file: tables/territory.csv", "file: ../../secret.csv")
    p = only_problem(write_manual(tmp_path / "carrier", manifest))
    assert "file ../../secret.csv is outside the carrier's folder" in p.reason
    assert p.line == line_of(manifest, "file: ../../secret.csv")
