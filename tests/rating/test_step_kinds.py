"""Every step kind is specified once, and every place that must follow a new kind does."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from rateshop.manual.model import StepKind
from rateshop.manual.sections.steps import STEP_OPS
from rateshop.rating.steps import SPECS, STEP_WORDS

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_one_specification() -> None:
    assert set(SPECS) == set(StepKind)
    assert all(spec.kind is kind for kind, spec in SPECS.items())
    assert set(STEP_WORDS) == {kind.value for kind in StepKind}


def test_the_loader_reads_every_kind() -> None:
    # the operations a step may name, and ``round`` on its own
    assert {*STEP_OPS, "round"} == {kind.value for kind in StepKind}


def test_the_format_documents_every_kind() -> None:
    text = (ROOT / "docs" / "manual-format.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)(?:: [^`]*)?` \|", text, re.MULTILINE))
    assert {kind.value for kind in StepKind} <= documented


def test_the_trace_holds_an_operand_for_every_kind_with_one() -> None:
    # a kind without an operand (round) shows no value on a worksheet line
    assert [k for k, s in SPECS.items() if not s.traces_operand] == [StepKind.ROUND]
    assert [k for k, s in SPECS.items() if s.traces_note] == [StepKind.DISCOUNT]


def test_scale_rules_and_replay_agree() -> None:
    """A step's scale rule gives the decimals its exact decimal meaning needs."""
    total, operand = Decimal("12.34"), Decimal("1.125")  # scales 2 and 3
    for kind, spec in SPECS.items():
        mid, align_total, align_operand = spec.scales(2, 3)
        got = spec.replay(total, operand)
        # the result is exact at the scale the rule gives it
        assert got == got.quantize(Decimal(1).scaleb(-mid)), kind
        assert min(align_total, align_operand) >= 1, kind
