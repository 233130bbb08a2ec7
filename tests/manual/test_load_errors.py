"""Every kind of mistake in a manual is rejected at load time with its file, line and reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


SOME_LINE = -1  # the problem names a line, whichever it is
INTERPOLATED = (
    "  aoi:\n    file: tables/aoi.csv\n    keys: {amount: {interpolate: age}}\n{round}"
    "  territory:\n    file: tables/territory.csv"
)


def add_step(step: str) -> tuple[str, str]:
    """An edit putting ``step`` before the territory step of the base manual."""
    return ("    - {id: territory,", f"    - {step}\n    - {{id: territory,")


def add_interpolated(round_line: str = "    round: dollar\n") -> tuple[str, str]:
    """An edit declaring interpolated table ``aoi`` (rows in ``tables/aoi.csv``) before territory."""
    return (
        "  territory:\n    file: tables/territory.csv",
        INTERPOLATED.replace("{round}", round_line),
    )


@dataclass(frozen=True)
class Case:
    """A mistake written into the base manual, and the one problem it must be reported as."""

    id: str
    reason: str  # text in the reason
    edits: tuple[tuple[str, str], ...] = ()  # (old, new) replacements in the manifest
    tables: Mapping[str, str] = field(default_factory=dict)  # table files replaced or added
    more: tuple[str, ...] = ()  # more text in the reason
    file: str | None = None  # the problem's file ends with this
    line: int | str | None = None  # its line: a number, SOME_LINE, or manifest text on it


CASES = [
    Case(
        "yaml syntax error",
        edits=(("  territory: [north, south]", "  territory: [north, south"),),
        reason="YAML syntax error",
        file="manual/manual.yaml",
        line=SOME_LINE,
    ),
    Case(
        "unknown table in a step",
        edits=(("multiply: territory,", "multiply: teritory,"),),
        reason="'teritory' is neither a table nor a variable",
        more=("tables: age, territory",),
        line="multiply: teritory",
    ),
    Case(
        "unknown table called in an expression",
        edits=(("multiply: territory,", 'multiply: "terr(territory=territory)",'),),
        reason="unknown function or table 'terr'",
        line="terr(",
    ),
    Case(
        "missing key column",
        tables={"territory.csv": "region,factor\nnorth,1.10\nsouth,0.90\n"},
        reason="key column 'territory' is missing; columns are region, factor",
        file="manual/manual.yaml",  # a table-level problem points at the manifest
        line="keys: {territory: territory}",
    ),
    Case(
        "band gap",
        tables={"age.csv": "age,factor\n16-24,1.50\n26-64,1.00\n65+,1.20\n"},
        reason="gap between band 16-24 (line 2) and band 26-64",
        file="tables/age.csv",
        line=3,
    ),
    Case(
        "band overlap",
        tables={"age.csv": "age,factor\n16-25,1.50\n25-64,1.00\n65+,1.20\n"},
        reason="band 25-64 overlaps band 16-25 (line 2)",
        file="tables/age.csv",
        line=3,
    ),
    Case(
        "duplicate keys",
        tables={"territory.csv": "territory,factor\nnorth,1.10\nsouth,0.90\nnorth,1.05\n"},
        reason="duplicate key (same keys as line 2)",
        file="tables/territory.csv",
        line=4,
    ),
    Case(
        "missing row in a grid",
        edits=(
            ("keys: {territory: territory}", "keys: {territory: territory, band: {band: age}}"),
        ),
        tables={
            "territory.csv": "territory,band,factor\nnorth,16-64,1.1\nnorth,65+,1.2\nsouth,16-64,0.9\n"
        },
        reason="no row for territory south, band 65+",
    ),
    Case(
        "step names a variable that does not exist",
        edits=(add_step('{id: youth, multiply: 1.05, when: "drivr_age < 25"}'),),
        reason="unknown name 'drivr_age'",
        more=("known names: age, coverage, territory",),
        line="drivr_age",
    ),
    Case(
        "type error in an expression",
        edits=(add_step('{id: youth, multiply: 1.05, when: "territory + 1 > 2"}'),),
        reason="expected a number, got one of north, south",
        line="territory + 1",
    ),
    Case(
        "category value that can never match",
        edits=(add_step("{id: coastal, multiply: 1.05, when: \"territory == 'east'\"}"),),
        reason="'east' is never a value of territory; its values are north, south",
    ),
    Case(
        "interpolation rows out of order",
        edits=(add_interpolated(),),
        tables={"aoi.csv": "amount,premium\n10,100\n30,120\n20,110\n"},
        reason="amount must increase from row to row (20 after 30)",
        file="tables/aoi.csv",
        line=4,
    ),
    Case(
        "interpolated table must say how to round",
        edits=(add_interpolated(round_line=""),),
        tables={"aoi.csv": "amount,premium\n10,100\n30,120\n"},
        reason="an interpolated table must say how results are rounded",
    ),
    Case(
        "a value that is not a number",
        tables={"territory.csv": "territory,factor\nnorth,1.1O\nsouth,0.90\n"},
        reason="column factor: '1.1O' is not a number",
        line=2,
    ),
    Case(
        "premium left with more than cents",
        edits=(("multiply: territory, round: cent}", "multiply: territory}"),),
        reason="the premium still has 4 decimals after step territory",
        line="multiply: territory}",
    ),
    Case(
        "an empty value cell",
        tables={"territory.csv": "territory,factor\nnorth,1.10\nsouth,\n"},
        reason="column factor is empty",
        file="tables/territory.csv",
        line=3,
    ),
    Case(
        "an impossible date is a problem, not a crash",
        edits=(("2025-01-01", "2025-02-30"),),
        reason="bad value",
    ),
    Case(
        "an optional input needs a default",
        edits=(
            (
                "  territory: [north, south]\n",
                "  territory: [north, south]\n  discount: {type: decimal, required: false}\n",
            ),
        ),
        reason="an optional input needs a default",
        line="discount:",
    ),
    Case(
        "a table named as a value suggests calling it",
        edits=(
            (
                "rating:\n",
                "  bonus:\n    rows: [{factor: 1.05}]\n    keys: {}\nderived:\n"
                "  bonus_factor: bonus\nrating:\n",
            ),
        ),
        reason="bonus is a table; look it up as bonus() or bonus(key=...)",
    ),
    # the identity names folders and links, so it is plain
    Case(
        "a line that leaves its folder",
        edits=(("  line: test", "  line: ../../escaped"),),
        reason="manual.line '../../escaped' must be",
        line="line: ../../escaped",
    ),
    Case(
        "a carrier with spaces and capitals",
        edits=(("  carrier: test", "  carrier: Test Co"),),
        reason="manual.carrier 'Test Co' must be",
        line="carrier: Test Co",
    ),
    Case(
        "a state that is not a state code",
        edits=(("  state: XX", "  state: Texas"),),
        reason="manual.state 'Texas' must be a two-letter state code",
        line="state: Texas",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_mistake_is_reported_with_its_file_line_and_reason(tmp_path: Path, case: Case) -> None:
    manifest = BASE_MANIFEST
    for old, new in case.edits:
        assert old in manifest, old  # the edit must change the manual
        manifest = manifest.replace(old, new)
    p = only_problem(write_manual(tmp_path, manifest, dict(BASE_TABLES, **case.tables)))
    for text in (case.reason, *case.more):
        assert text in p.reason
    if case.file is not None:
        assert p.file.endswith(case.file)
    if case.line == SOME_LINE:
        assert p.line is not None
    elif isinstance(case.line, str):
        assert p.line == line_of(manifest, case.line)
    elif case.line is not None:
        assert p.line == case.line


MANY = [
    (
        "unknown section and unknown step key",
        (
            ("rating:\n", "ratings: {}\nrating:\n"),
            (
                "{id: age, multiply: age, round: cent}",
                "{id: age, multiply: age, round: cent, wehn: true}",
            ),
        ),
        ("unknown section 'ratings'", "step age: unknown key 'wehn'"),
    ),
    (
        "aggregation in a step must move to derived",
        (
            (
                "  territory: [north, south]\n",
                "  territory: [north, south]\n  claims:\n    type: list\n    item: claim\n"
                "    required: false\n    max: 5\n    fields: {year: int}\n",
            ),
            add_step('{id: claims, multiply: "1 + 0.1 * count(c for c in claims)"}'),
        ),
        ("count() over a list cannot be used here",),
    ),
    (
        "unknown keys are reported everywhere",
        (
            ("  age: {type: int, min: 16, max: 99}", "  age: {type: int, mn: 16, max: 99}"),
            ("rating:\n", "components:\n  - {id: premium, lable: Premium}\nrating:\n"),
        ),
        ("input age: unknown key 'mn'", "component premium: unknown key 'lable'"),
    ),
]


@pytest.mark.parametrize(
    ("edits", "reasons"), [(edits, reasons) for _, edits, reasons in MANY], ids=[m[0] for m in MANY]
)
def test_mistakes_reported_among_others(
    tmp_path: Path, edits: tuple[tuple[str, str], ...], reasons: tuple[str, ...]
) -> None:
    manifest = BASE_MANIFEST
    for old, new in edits:
        assert old in manifest, old
        manifest = manifest.replace(old, new)
    found = [p.reason for p in problems_of(write_manual(tmp_path, manifest))]
    for reason in reasons:
        assert any(reason in r for r in found), (reason, found)


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


def test_a_table_file_outside_the_carriers_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("zip,factor\n1,1\n", encoding="utf-8")
    manifest = BASE_MANIFEST.replace("file: tables/territory.csv", "file: ../../secret.csv")
    p = only_problem(write_manual(tmp_path / "carrier", manifest))
    assert "file ../../secret.csv is outside the carrier's folder" in p.reason
    assert p.line == line_of(manifest, "file: ../../secret.csv")
