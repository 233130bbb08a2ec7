"""The manual-format reference shows its examples exactly as the fixtures that run as tests.

A block preceded by ``<!-- tests/fixtures/... -->`` must be that file's text, so an example in
the reference cannot drift from a manual whose stored cases pass (single and batch).
"""

from __future__ import annotations

import re

import pytest

from paths import ROOT

DOC = ROOT / "docs" / "manual-format.md"
BLOCK = re.compile(r"<!-- (tests/fixtures/\S+) -->\n```yaml\n(.*?)```", re.S)
SHOWN = BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_reference_shows_fixtures() -> None:
    assert len(SHOWN) >= 3


@pytest.mark.parametrize(("path", "text"), SHOWN, ids=[p for p, _ in SHOWN])
def test_an_example_in_the_reference_is_its_fixture(path: str, text: str) -> None:
    assert (ROOT / path).read_text(encoding="utf-8") == text
