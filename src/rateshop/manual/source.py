"""Reading manual files while remembering where every value came from (file and line).

YAML numbers with a decimal point are read as :class:`~decimal.Decimal` from their text, never
through binary floats; mappings remember the line of each key so a problem found later can
still be reported at the right line.

Files are parsed by libyaml (``yaml.CSafeLoader``) when PyYAML was built with it, which scans
several times faster than the pure-Python parser; values and lines come out the same. A file
that may hold an anchor, or that libyaml refuses, is read again by the pure-Python parser, so
aliases are refused and every syntax error is reported exactly as before.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from rateshop.errors import Problem
from rateshop.manual.limits import MAX_TABLE_BYTES


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

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # An alias repeats a value without writing it; nested aliases ("billion laughs") make a
        # small file stand for an exponentially large document. A manual writes values out.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{getattr(event, 'anchor', '')}) are not allowed in a manual; "
                "write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


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

# The same constructors on libyaml's parser. Its composer is C and cannot refuse aliases as
# _Loader does, so it only reads text in which no anchor can be (see _may_anchor): without an
# anchor an alias is an error, and an error sends the text to _Loader for the same report.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):
    _FastLoader = type("_FastLoader", (yaml.CSafeLoader,), {"file_name": ""})
    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _FastLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence
    )
    _FastLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

_PLAIN_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)`` by libyaml when PyYAML has it: for the market's own files (the
    catalog, the states), read by every process at start, which need no lines nor decimals."""
    return yaml.load(text, Loader=_PLAIN_LOADER)


# An anchor is "&" followed at once by a name character; "&" before a space or flow punctuation
# (as in "fire & theft") is plain text. A false alarm only costs the slower parser.
_ANCHOR = re.compile(r"&[^\s,\[\]{}]")


def _may_anchor(text: str) -> bool:
    return "&" in text and _ANCHOR.search(text) is not None


class SourceError(Exception):
    """A file could not be read at all; carries the problem to report."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def read_text(path: Path, display: str, max_bytes: int) -> str:
    """The text of a file of at most ``max_bytes`` bytes (a larger one is refused unread)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise SourceError(Problem(display, None, f"cannot read file: {exc}")) from exc
    if len(data) > max_bytes:
        raise SourceError(
            Problem(display, None, f"the file is larger than {max_bytes:,} bytes; split it")
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(Problem(display, None, f"cannot read file: {exc}")) from exc


def load_yaml(path: Path, display: str, max_bytes: int) -> Any:
    """Parse a YAML file into :class:`Node`/:class:`Seq` values that carry their lines."""
    return parse_yaml(read_text(path, display, max_bytes), display)


def _load(loader_cls: type[Any], text: str, display: str) -> Any:
    """``yaml.load`` with the file's name on the loader (a market parses thousands of files)."""
    loader = loader_cls(text)
    loader.file_name = display
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_yaml(text: str, display: str, fast: bool = True) -> Any:
    """Parse YAML ``text`` read from ``display`` (see :func:`load_yaml`); ``fast`` allows libyaml."""
    if fast and _FastLoader is not None and not _may_anchor(text):
        try:
            return _load(_FastLoader, text, display)
        except (yaml.YAMLError, ValueError, RecursionError):
            pass  # read again below, to report it as the pure-Python parser does
    try:
        return _load(_Loader, text, display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise SourceError(Problem(display, line, f"YAML syntax error: {exc.problem}")) from exc
    except yaml.YAMLError as exc:
        raise SourceError(Problem(display, None, f"YAML syntax error: {exc}")) from exc
    except ValueError as exc:  # e.g. an impossible date such as 2025-02-30
        raise SourceError(Problem(display, None, f"bad value: {exc}")) from exc
    except RecursionError as exc:
        raise SourceError(Problem(display, None, "the YAML is nested too deeply")) from exc


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row of a CSV table with its line number in the file."""

    line: int
    cells: dict[str, str]


def _cells(display: str, line: int, raw: str) -> list[str]:
    """The cells of one CSV line (a quoted cell cannot run on to the next line)."""
    try:
        return next(csv.reader([raw], strict=True), [])
    except csv.Error as exc:
        raise SourceError(Problem(display, line, f"bad CSV: {exc}")) from exc


def read_csv(
    path: Path, display: str, max_bytes: int = MAX_TABLE_BYTES
) -> tuple[list[str], list[CsvRow]]:
    """Read a CSV file with a header row; blank lines and lines starting with ``#`` are comments."""
    text = read_text(path, display, max_bytes)
    lines = [(n, raw) for n, raw in enumerate(text.splitlines(), start=1)]
    data = [(n, raw) for n, raw in lines if raw.strip() and not raw.lstrip().startswith("#")]
    if not data:
        raise SourceError(Problem(display, None, "the table is empty: a header row is required"))
    header_line = data[0][0]
    header = [h.strip() for h in _cells(display, header_line, data[0][1])]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise SourceError(Problem(display, header_line, f"duplicate column(s) {dup} in header"))
    if any(not h for h in header):
        raise SourceError(Problem(display, header_line, "empty column name in header"))
    rows: list[CsvRow] = []
    for n, raw in data[1:]:
        cells = _cells(display, n, raw)
        if len(cells) != len(header):
            raise SourceError(
                Problem(display, n, f"row has {len(cells)} cells, the header has {len(header)}")
            )
        rows.append(CsvRow(n, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return header, rows
