"""Reading a manual's files: YAML values that know their lines, exact decimals, no aliases, bounded
sizes, and CSV tables whose rows keep their line numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rateshop.manual.source import (
    Node,
    Seq,
    SourceError,
    parse_yaml,
    read_csv,
    read_text,
)

TEXT = """\
manual:
  carrier: test

rating:
  steps:
    - {id: base, start: 100.10}
    - id: age
      multiply: 0.1
"""


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_every_mapping_and_list_knows_its_file_and_lines(fast: bool) -> None:
    doc = parse_yaml(TEXT, "m.yaml", fast=fast)
    assert isinstance(doc, Node)
    assert (doc.file, doc.line) == ("m.yaml", 1)
    assert doc.line_of("manual") == 1
    assert doc.line_of("rating") == 4
    assert doc.line_of("absent") == 1  # the mapping's own line
    steps = doc["rating"]["steps"]
    assert isinstance(steps, Seq)
    assert steps.item_lines == [6, 7]
    assert steps[1].line_of("multiply") == 8


@pytest.mark.parametrize("fast", [True, False], ids=["libyaml", "python"])
def test_numbers_with_a_point_are_exact_decimals(fast: bool) -> None:
    doc = parse_yaml("a: 0.1\nb: 1_000.25\nc: 7\n", "m.yaml", fast=fast)
    assert doc == {"a": Decimal("0.1"), "b": Decimal("1000.25"), "c": 7}
    assert isinstance(doc["a"], Decimal)  # 0.1 as a float would be 0.1000000000000000055...


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("a: &x [1]\nb: *x\n", 2, "aliases (*x) are not allowed"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("a: [1\n", 2, "YAML syntax error"),
    ],
    ids=["alias", "duplicate", "syntax"],
)
def test_what_a_manual_may_not_write_is_refused_at_its_line(
    text: str, line: int, said: str
) -> None:
    with pytest.raises(SourceError) as caught:
        parse_yaml(text, "m.yaml")
    problem = caught.value.problem
    assert (problem.file, problem.line) == ("m.yaml", line)
    assert said in problem.reason


def test_an_ampersand_in_words_is_text_not_an_anchor() -> None:
    assert parse_yaml("label: fire & theft\n", "m.yaml") == {"label": "fire & theft"}


def test_a_file_over_its_limit_is_refused_and_one_at_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"x" * 10)
    assert read_text(path, "f.yaml", 10) == "x" * 10
    with pytest.raises(SourceError, match="larger than 9 bytes"):
        read_text(path, "f.yaml", 9)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(SourceError, match="cannot read file"):
        read_text(path, "f.yaml", 100)


def test_csv_rows_keep_their_lines_past_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("# ages\nage, factor\n\n16-24,1.50\n# adults\n25+ , 1.00\n")
    header, rows = read_csv(path, "t.csv")
    assert header == ["age", "factor"]
    assert [(r.line, r.cells) for r in rows] == [
        (4, {"age": "16-24", "factor": "1.50"}),
        (6, {"age": "25+", "factor": "1.00"}),
    ]


@pytest.mark.parametrize(
    ("text", "line", "said"),
    [
        ("", None, "the table is empty"),
        ("a,a\n1,2\n", 1, "duplicate column(s) ['a']"),
        ("a,\n1,2\n", 1, "empty column name"),
        ("a,b\n1,2\n3\n", 3, "row has 1 cells, the header has 2"),
        ('a,b\n"1\n2",3\n', 2, "bad CSV"),
    ],
    ids=["empty", "duplicate", "unnamed", "short-row", "multi-line-cell"],
)
def test_a_table_that_cannot_be_read_says_where(
    tmp_path: Path, text: str, line: int | None, said: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text)
    with pytest.raises(SourceError) as caught:
        read_csv(path, "t.csv")
    assert (caught.value.problem.file, caught.value.problem.line) == ("t.csv", line)
    assert said in caught.value.problem.reason
