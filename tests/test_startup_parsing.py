"""libyaml reads every manual exactly as the pure-Python parser does, and reports the same errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from builders import BASE_MANIFEST, line_of, write_manual
from paths import ROOT
from rateshop.errors import ManualError
from rateshop.manual import source
from rateshop.manual.loader import load_manual, read_identity
from rateshop.manual.source import Node, Seq, parse_yaml

FILES = sorted((ROOT / "manuals").rglob("*.yaml")) + sorted((ROOT / "market").rglob("*.yaml"))

needs_libyaml = pytest.mark.skipif(
    not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml"
)


def _same(a: Any, b: Any, where: str) -> None:
    assert type(a) is type(b), where
    if isinstance(a, Node):
        assert (list(a), a.file, a.line, a.key_lines) == (list(b), b.file, b.line, b.key_lines)
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, Seq):
        assert (len(a), a.file, a.line, a.item_lines) == (len(b), b.file, b.line, b.item_lines)
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{n}]")
    else:
        assert a == b, where


@needs_libyaml
@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(ROOT)) for f in FILES])
def test_every_shipped_file_parses_the_same_with_libyaml(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not source._may_anchor(text), "a shipped manual should take the fast path"
    _same(parse_yaml(text, path.name), parse_yaml(text, path.name, fast=False), path.name)


@needs_libyaml
def test_the_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    real = source._load

    def spy(loader_cls: type[Any], text: str, display: str) -> Any:
        used.append("fast" if issubclass(loader_cls, yaml.CSafeLoader) else "slow")
        return real(loader_cls, text, display)

    monkeypatch.setattr(source, "_load", spy)
    parse_yaml("a: [1, 2.5]\nb: fire & theft\n", "x.yaml")
    parse_yaml("a: &x 1\n", "y.yaml")  # an anchor: only the pure-Python parser refuses aliases
    assert used == ["fast", "slow"]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a: 1\nb: *nowhere\n", 2, "aliases (*nowhere) are not allowed in a manual"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("a: [1, 2\nb: 3\n", 2, "YAML syntax error"),
        ("a: 1.2.3.x\n", None, ""),
    ],
)
def test_errors_read_as_before(text: str, line: int | None, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        fast: Any = parse_yaml(text, "m.yaml")
    except source.SourceError as exc:
        fast = exc.problem
    try:
        slow: Any = parse_yaml(text, "m.yaml", fast=False)
    except source.SourceError as exc:
        slow = exc.problem
    assert fast == slow
    if reason:
        assert fast.line == line
        assert reason in fast.reason


def test_the_identity_is_read_from_its_section_alone(tmp_path: Path) -> None:
    # A mistake further down is the full load's business, not the identity's.
    broken = BASE_MANIFEST.replace("rating:\n", "rating: [\n")
    folder = write_manual(tmp_path, broken)
    ident = read_identity(folder)
    assert (ident.carrier, ident.line, ident.state, ident.effective.isoformat()) == (
        "test",
        "test",
        "XX",
        "2025-01-01",
    )
    with pytest.raises(ManualError):
        load_manual(folder)


def test_an_identity_mistake_is_reported_at_its_line(tmp_path: Path) -> None:
    text = BASE_MANIFEST.replace("state: XX", "state: Texas")
    folder = write_manual(tmp_path, text)
    with pytest.raises(ManualError) as caught:
        read_identity(folder)
    [problem] = caught.value.problems
    assert problem.line == line_of(text, "state: Texas")
    assert "two-letter state code" in problem.reason
