"""Hostile or careless manuals are refused at their limits, with file, line and reason, never a crash."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from builders import BASE_MANIFEST, BASE_TABLES, line_of, write_manual
from rateshop.errors import ManualError, Problem, RiskError
from rateshop.manual.limits import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_NODES,
    MAX_MANIFEST_BYTES,
    MAX_TABLE_BYTES,
    MAX_TESTS_BYTES,
)
from rateshop.manual.loader import load_manual
from rateshop.rating.library import load_plan
from rateshop.rating.single import rate

STEP = "    - {id: territory, multiply: territory, round: cent}\n"


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ManualError) as caught:
        load_plan(folder)
    for p in caught.value.problems:
        assert p.file
        assert p.reason
    return caught.value.problems


def only_problem(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    return problems[0]


def with_step(step: str) -> str:
    return BASE_MANIFEST.replace(STEP, STEP + step + "\n")


@pytest.mark.parametrize(
    ("operand", "found"),
    [("{a: 1}", "a mapping"), ("[1, 2]", "a list"), ("2025-01-01", "date('2025-01-01')")],
)
def test_an_expression_that_is_not_text_is_refused(
    tmp_path: Path, operand: str, found: str
) -> None:
    manifest = with_step(f"    - id: extra\n      multiply: {operand}")
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "multiply: " + operand)
    assert p.reason.startswith("step extra: ")
    assert found in p.reason


def test_a_table_binding_that_is_not_text_is_refused(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("keys: {age: {band: age}}", "keys: {age: {band: [age]}}")
    problems = problems_of(write_manual(tmp_path, manifest))
    assert any(
        p.line == line_of(manifest, "band: [age]")
        and "table age key age: an expression must be text (quote it), not a list" in p.reason
        for p in problems
    )


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("  age: {type", "  age: &age {type").replace(
        "  territory: [north, south]", "  territory: [north, south]\n  again: *age"
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "again: *age")
    assert "aliases (*age) are not allowed in a manual; write the value out" in p.reason


def test_a_billion_laughs_used_as_an_expression_is_refused(tmp_path: Path) -> None:
    bomb = ['    a0: &a0 "age + age"']
    for i in range(1, 30):
        bomb.append(f"    a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    manifest = BASE_MANIFEST.replace("rating:\n", "derived:\n  x: *a29\nrating:\n").replace(
        "manual:\n", "manual:\n  note:\n" + "\n".join(bomb) + "\n", 1
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "a1: &a1")
    assert "aliases (*a0) are not allowed" in p.reason


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST + "details: " + "[" * 5000 + "]" * 5000 + "\n"
    p = only_problem(write_manual(tmp_path, manifest))
    assert "nested too deeply" in p.reason


def test_a_twenty_thousand_term_expression_is_refused(tmp_path: Path) -> None:
    manifest = with_step(f'    - {{id: long, add: "{" + ".join(["age"] * 20_000)}"}}')
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "id: long")
    assert f"more than {MAX_EXPRESSION_CHARS:,}; split it into derived values" in p.reason


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("min(" + "1," * 600 + "age)", f"more than {MAX_EXPRESSION_NODES} terms"),
        ("-" * 600 + "age", f"nests more than {MAX_EXPRESSION_DEPTH} levels deep"),
        ("not " * 300 + "true", f"nests more than {MAX_EXPRESSION_DEPTH} levels deep"),
        ("(" * 300 + "age" + ")" * 300, "syntax error: too many nested parentheses"),
        ("age * 1e999999", "has more than 40 digits"),
        ("age * 1e9999999999", "has more than 40 digits"),
    ],
)
def test_expressions_past_the_limits_are_refused(
    tmp_path: Path, expression: str, reason: str
) -> None:
    manifest = with_step(f'    - {{id: big, add: "{expression}"}}')
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "id: big")
    assert reason in p.reason


def test_a_parser_that_runs_out_of_stack_is_a_manual_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object, **kwargs: object) -> ast.AST:
        raise RecursionError("maximum recursion depth exceeded")

    folder = write_manual(tmp_path)
    monkeypatch.setattr(ast, "parse", exhausted)
    problems = problems_of(folder)
    assert all("too deeply nested to read" in p.reason and p.line for p in problems)


@pytest.mark.parametrize(
    ("file", "limit"),
    [("manual.yaml", MAX_MANIFEST_BYTES), ("tests.yaml", MAX_TESTS_BYTES),
     ("tables/territory.csv", MAX_TABLE_BYTES)],
)  # fmt: skip
def test_oversized_files_are_refused_unread(tmp_path: Path, file: str, limit: int) -> None:
    folder = write_manual(tmp_path, tests="cases: []\n")
    with (folder / file).open("a", encoding="utf-8") as fh:
        fh.write("#" * limit)
    p = only_problem(folder)
    assert p.file.endswith(file)
    assert f"the file is larger than {limit:,} bytes" in p.reason


def test_a_yaml_number_with_an_absurd_exponent_is_refused(tmp_path: Path) -> None:
    manifest = with_step("    - {id: big, multiply: 1.0e+999999}")
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "id: big")
    assert p.reason == "step big: '1.0E+999999' has more than 40 digits"


def test_a_table_cell_with_an_absurd_exponent_is_refused(tmp_path: Path) -> None:
    tables = dict(BASE_TABLES, **{"territory.csv": "territory,factor\nnorth,1e999999\nsouth,1\n"})
    p = only_problem(write_manual(tmp_path, tables=tables))
    assert p.file.endswith("territory.csv")
    assert p.line == 2


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("{type: list, item: claim, fields: {n: int}}", "a list needs 'max: N'"),
        ("{type: list, item: claim, max: many, fields: {n: int}}", "max must be a whole number"),
        ("{type: list, item: claim, max: 0, fields: {n: int}}", "at least 1 and min"),
        ("{type: list, item: claim, min: 3, max: 2, fields: {n: int}}", "at least 1 and min"),
        ("{type: list, item: claim, min: x, max: 2, fields: {n: int}}", "min must be a whole"),
    ],
)
def test_a_list_needs_a_sensible_max(tmp_path: Path, spec: str, reason: str) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory: [north, south]", f"  territory: [north, south]\n  claims: {spec}"
    )
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, "claims:")
    assert p.reason.startswith("input claims: ")
    assert reason in p.reason


def test_a_risk_number_with_an_absurd_exponent_is_refused_at_once(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace(
        "  territory: [north, south]", "  territory: [north, south]\n  credit: decimal"
    )
    plan = load_plan(write_manual(tmp_path, manifest))
    with pytest.raises(RiskError) as caught:
        rate(plan, {"age": 30, "territory": "north", "credit": "1e999999"})
    (problem,) = caught.value.problems
    assert (problem.field, problem.problem) == ("credit", "is too large")


def test_the_manual_loads_within_the_limits(tmp_path: Path) -> None:
    assert load_manual(write_manual(tmp_path)).identity.carrier == "test"


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("  territory: [north, south]", "  territory: [north, south]\n  n: {type: decimal, values: 5}",
         "input n: values must be a list of values"),
        ("rating:", "coverages:\n  BI: {options: [a, b]}\nrating:",
         "coverage BI: options must map each option to its values"),
        ("file: tables/territory.csv", 'file: "tables/\\0.csv"', "table territory: file"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_shape_are_load_errors(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    manifest = BASE_MANIFEST.replace(old, new)
    p = only_problem(write_manual(tmp_path, manifest))
    assert p.line == line_of(manifest, new.splitlines()[-1] if "rating" not in new else "BI:")
    assert reason in p.reason


def test_an_expected_amount_list_that_is_not_a_mapping_is_a_load_error(tmp_path: Path) -> None:
    tests = "cases:\n  - name: a\n    risk: {age: 30, territory: north}\n    expect:\n      steps: [1]\n"
    p = only_problem(write_manual(tmp_path, tests=tests))
    assert p.file.endswith("tests.yaml")
    assert p.line == 5
    assert p.reason == "expect steps must map names to amounts"


def test_a_table_whose_binding_looks_itself_up_is_a_load_error(tmp_path: Path) -> None:
    manifest = BASE_MANIFEST.replace("keys: {age: {band: age}}", 'keys: {age: {band: "age() + 1"}}')
    problems = problems_of(write_manual(tmp_path, manifest))
    assert any("the binding of key 'age' looks the table up itself" in p.reason for p in problems)
