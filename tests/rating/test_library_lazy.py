"""The lazy library answers exactly as one compiled whole, and compiles only what is asked for."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import rateshop.rating.library as library_module
from builders import BASE_MANIFEST, line_of, write_manual
from paths import ROOT
from rateshop.errors import ManualError, ManualNotFound
from rateshop.manual.folders import find_manuals
from rateshop.rating.cache import ManualStore
from rateshop.rating.checks import run_case
from rateshop.rating.library import Library, load_plan
from rateshop.rating.plan import Plan
from rateshop.rating.single import rate

MANUALS = ROOT / "manuals"
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.fixture(scope="module")
def eager() -> Library:
    """Every shipped manual compiled up front, with its stored cases: the library as it was."""
    return Library(plans=[load_plan(folder) for folder in find_manuals(MANUALS)])


@pytest.fixture(scope="module")
def lazy(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Compiled on demand from what an earlier process kept on disk."""
    store = ManualStore(tmp_path_factory.mktemp("plans"))
    assert len(Library.load(MANUALS, store=store).plans) == len(find_manuals(MANUALS))
    return Library.load(MANUALS, store=store)


def _answers(lib: Library, risk: dict[str, Any], name: str) -> dict[str, Any]:
    if "line" not in risk:  # an example for one reference manual, named after its folder
        [plan] = [lib.plan_of(e) for e in lib.entries() if e.folder.name == name]
        return {plan.key: rate(plan, risk).to_dict()}
    on = dt.date.fromisoformat(risk["effective_date"])
    return {
        p.manual.identity.carrier: rate(p, risk).to_dict()
        for p in lib.in_force(risk["line"], risk["state"], on)
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_every_example_risk_gets_the_same_answers(
    example: Path, eager: Library, lazy: Library
) -> None:
    risk = json.loads(example.read_text(encoding="utf-8"))
    name = example.stem.replace("_", "-")
    want = _answers(eager, risk, name)
    assert want, f"no carrier answers {example.name}"
    assert _answers(lazy, risk, name) == want


def test_every_stored_case_gets_the_same_answer(eager: Library, lazy: Library) -> None:
    cases = 0
    for plan in eager:
        ident = plan.manual.identity
        twin = lazy.select(ident.carrier, ident.line, ident.state, ident.effective)
        assert twin.manual.content_hash == plan.manual.content_hash
        for case in plan.manual.tests:
            cases += 1
            assert run_case(twin, case).failures == []
            mine = rate(twin, case.risk)
            assert mine.to_dict() == rate(plan, case.risk).to_dict()
    assert cases >= 471


def test_the_listing_matches_without_compiling(eager: Library, lazy: Library) -> None:
    assert [e.key for e in lazy.entries()] == [p.key for p in eager]
    for e in eager.entries():
        assert lazy.carriers(e.identity.line, e.identity.state) == eager.carriers(
            e.identity.line, e.identity.state
        )


def test_loading_compiles_nothing_and_reads_no_stored_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []
    real = library_module.compile_manual

    def counting(manual: Any) -> Plan:
        compiled.append(manual.identity.key)
        return real(manual)

    monkeypatch.setattr(library_module, "compile_manual", counting)
    lib = Library.load(MANUALS, store=ManualStore(tmp_path))
    assert len(lib) == len(find_manuals(MANUALS))
    assert compiled == []
    plan = lib.select("harborview", "auto", "TX", dt.date(2026, 3, 1))
    assert compiled == [plan.key]
    assert plan.manual.tests == []
    assert plan.manual.tests_file is None
    assert lib.select("harborview", "auto", "TX", dt.date(2026, 3, 1)) is plan
    assert compiled == [plan.key]


def test_a_version_with_a_hash_not_yet_learnt_is_found_by_hash(
    eager: Library, tmp_path: Path
) -> None:
    wanted = eager.select("harborview", "auto", "TX", dt.date(2026, 3, 1)).manual.content_hash
    lib = Library.load(MANUALS, store=None)
    assert all(e.content_hash is None for e in lib.entries())
    assert lib.by_hash(wanted).manual.content_hash == wanted
    with pytest.raises(ManualNotFound):
        lib.by_hash("0" * 64)


def test_the_plans_held_in_memory_are_bounded(tmp_path: Path) -> None:
    lib = Library.load(MANUALS, store=ManualStore(tmp_path), capacity=3)
    asked = [lib.plan_of(e) for e in lib.entries()[:5]]
    assert len(asked) == 5
    assert lib.held == 3
    # the most recently used stay; an older one is compiled again, the same to the cent
    again = lib.plan_of(lib.entries()[0])
    assert again is not asked[0]
    assert again.manual.content_hash == asked[0].manual.content_hash
    assert lib.plan_of(lib.entries()[4]) is asked[4]


def test_a_mistake_past_the_identity_is_reported_when_the_manual_is_used(tmp_path: Path) -> None:
    good = write_manual(tmp_path / "good")
    broken_text = BASE_MANIFEST.replace("carrier: test", "carrier: other").replace(
        "multiply: territory,", "multiply: nowhere,"
    )
    write_manual(tmp_path / "broken", broken_text)
    lib = Library.load(tmp_path, store=ManualStore(tmp_path / ".cache"))
    assert len(lib) == 2
    assert lib.failures == {}
    on = dt.date(2025, 6, 1)
    with pytest.raises(ManualError) as caught:
        lib.select("other", "test", "XX", on)
    [problem] = caught.value.problems
    assert problem.file.endswith("broken/manual/manual.yaml")
    assert problem.line == line_of(broken_text, "nowhere")
    assert [p.manual.identity.carrier for p in lib.in_force("test", "XX", on)] == ["test"]
    assert [p.manual.root for p in lib] == [good]
    assert list(lib.failures) == [str(tmp_path / "broken" / "manual")]


def test_an_unreadable_identity_or_a_repeated_version_fails_a_strict_load(tmp_path: Path) -> None:
    write_manual(tmp_path / "a")
    write_manual(tmp_path / "b")
    with pytest.raises(ManualError, match="also defined in"):
        Library.load(tmp_path, store=None)
    (tmp_path / "b" / "manual" / "manual.yaml").write_text(
        BASE_MANIFEST.replace("effective: 2025-01-01", "effective: someday"), encoding="utf-8"
    )
    with pytest.raises(ManualError, match="not a date"):
        Library.load(tmp_path, store=None)
    lib = Library.load(tmp_path, store=None, strict=False)
    assert len(lib) == 1
    assert list(lib.failures) == [str(tmp_path / "b" / "manual")]


def test_adding_a_compiled_plan_still_refuses_a_second_version_of_a_date(tmp_path: Path) -> None:
    plan = load_plan(write_manual(tmp_path / "a"))
    lib = Library(plans=[plan])
    assert lib.plans == [plan]
    with pytest.raises(ManualError, match="also defined in"):
        lib.add(load_plan(write_manual(tmp_path / "b")))


def test_ready_says_whether_the_versions_in_force_are_compiled(tmp_path: Path) -> None:
    lib = Library.load(MANUALS, store=ManualStore(tmp_path), capacity=1000)
    risk = json.loads((ROOT / "examples" / "auto.json").read_text(encoding="utf-8"))
    on = dt.date.fromisoformat(risk["effective_date"])
    assert not lib.ready("auto", risk["state"], on)
    assert lib.held == 0
    lib.in_force("auto", risk["state"], on)
    assert lib.ready("auto", risk["state"].lower(), on)
    assert not lib.ready("home", risk["state"], on)
    # a state no manual writes needs nothing compiled
    assert lib.ready("auto", "ZZ", on)
