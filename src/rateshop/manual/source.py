"""Reading manual files while remembering where every value came from (file and line).

YAML numbers with a decimal point are read as :class:`~decimal.Decimal` from their text, never
through binary floats; mappings remember the line of each key so a problem found later can
still be reported at the right line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from rateshop.errors import Problem


class Node(dict[str, Any]):
    """A YAML mapping that knows its file, its own line and the line of each key."""

    file: str
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` in this mapping (or of the mapping itself when absent)."""
        return self.key_lines.get(key, self.line)


class Seq(list[Any]):
    """A YAML sequence that knows its file, its own line and the line of each item."""

    file: str
    line: int
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    file_name = ""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    out = Node()
    out.file = loader.file_name
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be text", key_node.start_mark
            )
        key = str(key)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    out = Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.file = loader.file_name
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


def _construct_decimal(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number", node.start_mark
        ) from exc


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class SourceError(Exception):
    """A file could not be read at all; carries the problem to report."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def load_yaml(path: Path, display: str) -> Any:
    """Parse a YAML file into :class:`Node`/:class:`Seq` values that carry their lines."""
    loader_cls = type("_FileLoader", (_Loader,), {"file_name": display})
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(Problem(display, None, f"cannot read file: {exc}")) from exc
    try:
        return yaml.load(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(Problem(display, line, f"YAML syntax error: {exc.problem}")) from exc
    except yaml.YAMLError as exc:
        raise SourceError(Problem(display, None, f"YAML syntax error: {exc}")) from exc
    except ValueError as exc:  # e.g. an impossible date such as 2025-02-30
        raise SourceError(Problem(display, None, f"bad value: {exc}")) from exc


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row of a CSV table with its line number in the file."""

    line: int
    cells: dict[str, str]


def read_csv(path: Path, display: str) -> tuple[list[str], list[CsvRow]]:
    """Read a CSV file with a header row; blank lines and lines starting with ``#`` are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(Problem(display, None, f"cannot read file: {exc}")) from exc
    lines = [(n, raw) for n, raw in enumerate(text.splitlines(), start=1)]
    data = [(n, raw) for n, raw in lines if raw.strip() and not raw.lstrip().startswith("#")]
    if not data:
        raise SourceError(Problem(display, None, "the table is empty: a header row is required"))
    reader: Iterator[list[str]] = csv.reader([raw for _, raw in data])
    header = [h.strip() for h in next(reader)]
    header_line = data[0][0]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise SourceError(Problem(display, header_line, f"duplicate column(s) {dup} in header"))
    if any(not h for h in header):
        raise SourceError(Problem(display, header_line, "empty column name in header"))
    rows: list[CsvRow] = []
    for (n, _), cells in zip(data[1:], reader, strict=True):
        if len(cells) != len(header):
            raise SourceError(
                Problem(display, n, f"row has {len(cells)} cells, the header has {len(header)}")
            )
        rows.append(CsvRow(n, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return header, rows
