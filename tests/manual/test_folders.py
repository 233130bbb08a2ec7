"""Which folders of a market are manuals."""

from __future__ import annotations

from pathlib import Path

from rateshop.manual.folders import MANIFEST, find_manuals


def _manual(folder: Path) -> Path:
    (folder / "tables").mkdir(parents=True)
    (folder / MANIFEST).write_text("identity: {}\n", encoding="utf-8")
    return folder


def test_manuals_are_found_at_any_depth_and_nothing_inside_a_manual_is_one(tmp_path: Path) -> None:
    a = _manual(tmp_path / "acme" / "auto-tx-2026-01-01")
    b = _manual(tmp_path / "deep" / "er" / "home-ca-2026-01-01")
    _manual(a / "tables" / "old-copy")  # part of manual a's own folder, not a manual of its own
    _manual(tmp_path / ".upload-123" / "auto-ny-2026-01-01")  # hidden: an upload being checked
    assert find_manuals(tmp_path) == [a, b]
    assert find_manuals(a) == [a]
    assert find_manuals(a / MANIFEST) == [a]
