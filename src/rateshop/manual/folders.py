"""Where a manual's files are: its folder, the files its content hash covers, and quick reads.

A market holds thousands of manuals; finding them and reading a single section of each must not
load them whole.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rateshop.errors import ManualError, Problem
from rateshop.manual.limits import MAX_MANIFEST_BYTES
from rateshop.manual.source import Node, SourceError, parse_yaml, read_text

MANIFEST = "manual.yaml"
TESTS = "tests.yaml"
OUTSIDE = "outside the carrier's folder (the manual's own folder, or a sibling such as ../common)"


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def within_carrier(root: Path, path: Path) -> bool:
    """Whether ``path`` lies in the folder holding the manual folder ``root`` (its carrier's).

    Manuals share tables through ``../common``; nothing may reach further, so a manual (an
    uploaded one too) cannot read files elsewhere on the server.
    """
    try:
        return path.resolve().is_relative_to(root.resolve().parent)
    except (OSError, ValueError):  # an impossible path (a NUL byte, a loop of links)
        return False


def content_hash(root: Path, files: Iterable[Path]) -> str:
    """The content hash of the manual in ``root``: each file's name (relative) and bytes."""
    hashed = hashlib.sha256()
    for p in sorted(set(files)):
        try:
            data = p.read_bytes()
        except OSError:
            continue
        hashed.update(os.path.relpath(p, root).encode())
        hashed.update(data)
    return hashed.hexdigest()


def section_text(text: str, name: str) -> str | None:
    """The text of top-level section ``name`` with the lines before it blanked (lines kept)."""
    found = re.search(rf"^{name}:[^\n]*\n?(?:(?:[ \t#][^\n]*)?(?:\n|$))*", text, re.M)
    if found is None:
        return None
    return "\n" * text.count("\n", 0, found.start()) + found.group(0)


def read_section(root: Path, name: str, shown: str) -> Node:
    """Section ``name`` of the manifest in ``root``, read without parsing the rest of the file.

    A manifest is a mapping of sections at the left margin; one written otherwise (or a section
    the cut-out text cannot stand alone for) is parsed whole, so the answer is always the same.
    """
    path = root / MANIFEST
    try:
        text = read_text(path, shown, MAX_MANIFEST_BYTES)
    except SourceError as exc:
        raise ManualError([exc.problem]) from exc
    cut = section_text(text, name)
    doc: Any = None
    if cut is not None:
        try:
            doc = parse_yaml(cut, shown)
        except SourceError:
            doc = None
    if not isinstance(doc, Node) or name not in doc:
        try:
            doc = parse_yaml(text, shown)
        except SourceError as exc:
            raise ManualError([exc.problem]) from exc
    if not isinstance(doc, Node):
        raise ManualError([Problem(shown, 1, "the manifest must be a mapping of sections")])
    return doc


def content_files(path: Path | str) -> list[Path]:
    """The files the content hash of the manual in ``path`` covers: its manifest and tables.

    Read from the ``tables:`` section alone; for a manual that loads this is exactly the files
    :func:`~rateshop.manual.loader.load_manual` hashes.
    """
    root = Path(path)
    files = [root / MANIFEST]
    tables = read_section(root, "tables", display_path(root / MANIFEST)).get("tables")
    if isinstance(tables, Node):
        for spec in tables.values():
            if isinstance(spec, Node) and spec.get("file") is not None:
                table = root / str(spec["file"])
                if within_carrier(root, table):
                    files.append(table)
    return files


def find_manuals(path: Path | str) -> list[Path]:
    """Every manual folder at or below ``path``."""
    return [Path(folder) for folder in manual_folders(path)]


def manual_folders(path: Path | str) -> list[str]:
    """:func:`find_manuals` as text (a market may hold thousands: paths cost time to make)."""
    root = Path(path)
    if root.is_file() and root.name == MANIFEST:
        return [str(root.parent)]
    if (root / MANIFEST).is_file():
        return [str(root)]
    # Hidden folders are never manuals: an upload being checked is unpacked into one. A manual's
    # own folder (its tables, its notes) is not searched further, as a manual given as the path
    # is not: listing every manual's tables was most of the walk of a large market. Walked with
    # os.scandir (a market may hold thousands of folders); links to folders are not followed, as
    # Path.rglob does not.
    found: list[tuple[str, ...]] = []

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            return
        for entry in entries:
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                # one look for the manifest, rather than listing a manual's folder
                if os.path.lexists(os.path.join(entry.path, MANIFEST)):
                    found.append((*parts, entry.name))
                else:
                    walk(entry.path, (*parts, entry.name))

    top = str(root)
    walk(top, ())
    return [os.path.join(top, *parts) for parts in sorted(found)]
