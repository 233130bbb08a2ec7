"""Generated code can be read: tracebacks show its lines, the CLI prints it, and the builder
refuses any name or attribute it did not make."""

from __future__ import annotations

import bisect
import traceback
from pathlib import Path

import pytest
from test_single import RISK
from typer.testing import CliRunner

from builders import write_manual
from rateshop.cli import app
from rateshop.rating.emit import Source, UnsafeSource, generated_sources
from rateshop.rating.library import load_plan
from rateshop.rating.single import rate

ROOT = Path(__file__).resolve().parents[2]
AUTO = ROOT / "tests" / "fixtures" / "auto-mini"


def test_a_fault_inside_a_compiled_plan_shows_the_generated_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = load_plan(AUTO)
    namespace = plan.code.unit.__globals__
    # the band search of a lookup, as the generated code calls it
    name = next(k for k, v in namespace.items() if v is bisect.bisect_right)

    def broken(*args: object) -> int:
        raise ZeroDivisionError("broken on purpose")

    monkeypatch.setitem(namespace, name, broken)
    with pytest.raises(ZeroDivisionError) as info:
        rate(plan, RISK)
    text = "".join(traceback.format_exception(info.value))
    assert f'File "<rating plan {plan.key} #{plan.manual.content_hash[:8]} units>"' in text
    # the line itself, as the generator wrote it
    faulty = next(
        line.strip()
        for line in "".join(t for _, t in generated_sources(plan.code.unit)).splitlines()
        if f"{name}(" in line
    )
    assert f"    {faulty}\n" in text


def test_manual_code_prints_the_generated_functions() -> None:
    result = CliRunner().invoke(app, ["manual", "code", str(AUTO / "manual.yaml")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "# <rating plan test-auto/auto/TX@" in out
    assert "def rate_unit(env, trace, unit, discounts, totals, rated, amounts, segments):" in out
    assert "def check(data):" in out
    assert "# step 'base': start" in out
    # every printed function compiles: the text is the code that runs
    for part in out.split("\n# <")[1:]:
        compile(part.split("\n", 1)[1], "<printed>", "exec")


def test_manual_code_reports_a_broken_manual(tmp_path: Path) -> None:
    folder = write_manual(tmp_path, "manual: {carrier: x}\n")
    result = CliRunner().invoke(app, ["manual", "code", str(folder)])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("return __import__('os')", "'__import__' is not a name the builder made"),
        ("return env.__class__", ".__class__ is never generated"),
        ("return lambda: 1", "Lambda is never generated"),
        ("import os", "Import is never generated"),
    ],
)
def test_the_builder_refuses_text_it_did_not_make(body: str, refused: str) -> None:
    src = Source("test")
    src.line("def f(env):")
    src.line(f"    {body}")
    with pytest.raises(UnsafeSource, match=refused.replace(".", r"\.")):
        src.function("f")


def test_names_the_builder_made_are_accepted() -> None:
    src = Source("test accepted")
    value = src.bind(41, "v")
    src.line("def f(env):")
    local = src.fresh("x")
    src.line(f"    {local} = env.get('n', {value})")
    src.line(f"    return {local} + 1")
    assert src.function("f")({}) == 42
