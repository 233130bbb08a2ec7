"""A market is listed from its folders' names; a header is read, and checked against its folder's
name, when its line and state are first used."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rateshop.rating.library as library_module
from builders import line_of
from paths import ROOT
from rateshop.cli import app
from rateshop.errors import ManualError, ManualNotFound
from rateshop.manual.model import Identity
from rateshop.rating.cache import ManualStore
from rateshop.rating.library import NAMED_LINES, Library, load_plan, named_version
from rateshop.rating.single import rate
from rateshop.risk.questions import LINES

RISK = json.loads((ROOT / "examples" / "auto.json").read_text(encoding="utf-8"))
ON = dt.date.fromisoformat(RISK["effective_date"])


@pytest.fixture
def market(tmp_path: Path) -> Path:
    """The shipped carriers' manuals, every folder named after its version."""
    target = tmp_path / "market"
    shutil.copytree(ROOT / "manuals", target, ignore=lambda folder, names: ["reference"])
    return target


def _answers(lib: Library) -> dict[str, Any]:
    return {
        p.manual.identity.carrier: rate(p, RISK).to_dict()
        for p in lib.in_force(RISK["line"], RISK["state"], ON)
    }


def _eager(market: Path) -> dict[str, Any]:
    plans = [load_plan(folder, tests=False) for folder in market.glob("*/auto-tx-*")]
    return _answers(Library(plans=plans))


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record every header the library reads and every file it stats."""
    seen: list[tuple[str, str]] = []
    read, stamp = library_module.read_identity, library_module._stamp

    def reading(path: Path | str) -> Identity:
        seen.append(("read", str(path)))
        return read(path)

    def stamping(path: Path | str) -> list[int]:
        seen.append(("stat", str(path)))
        return stamp(path)

    monkeypatch.setattr(library_module, "read_identity", reading)
    monkeypatch.setattr(library_module, "_stamp", stamping)
    return seen


def test_the_lines_a_folder_may_name_are_those_a_risk_asks_for() -> None:
    assert set(NAMED_LINES) == set(LINES)
    assert named_version("harborview/auto-tx-2026-01-01") == (
        "harborview",
        "auto",
        "TX",
        dt.date(2026, 1, 1),
    )
    for other in ("auto-tx-2026-01-01", "a/b/auto-tx-2026-01-01", "x/boat-tx-2026-01-01",
                  "x/auto-texas-2026-01-01", "x/auto-tx-2026-02-30", "x/auto-tx-copy1"):  # fmt: skip
        assert named_version(other) is None, other


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_loading_opens_no_manual_and_auto_tx_answers_as_before(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    want = _eager(market)
    assert len(want) == 5
    store = ManualStore(tmp_path / "cache")
    if cache == "warm":
        Library.load(market, store=store).entries()  # every header in the index
    # Each manifest is a folder while the market is listed: reading one, or finding it a
    # file, would fail.
    manifests = sorted(market.glob("*/*/manual.yaml"))
    for manifest in manifests:
        manifest.rename(manifest.with_name("real.yaml"))
        manifest.mkdir()
    seen = _reads(monkeypatch)
    lib = Library.load(market, store=store)
    assert seen == []
    assert len(lib) == len(manifests)
    for manifest in manifests:
        manifest.rmdir()
        manifest.with_name("real.yaml").rename(manifest)
    assert _answers(lib) == want
    # only the versions of auto in TX were looked at
    assert {Path(path.split("/auto-tx-")[0]).name for _, path in seen} == set(want)


def test_a_header_disagreeing_with_its_folder_is_refused_at_first_use(
    market: Path, caplog: pytest.LogCaptureFixture
) -> None:
    want = _eager(market)
    moved = market / "pinnacle-direct" / "auto-tx-2026-01-01" / "manual.yaml"
    text = moved.read_text(encoding="utf-8")
    moved.write_text(text.replace("  state: TX", "  state: NM"), encoding="utf-8")
    redated = market / "ironclad-casualty" / "auto-tx-2026-01-01" / "manual.yaml"
    dated = redated.read_text(encoding="utf-8")
    redated.write_text(dated.replace("effective: 2026-01-01", "effective: 2026-02-01"), "utf-8")
    lib = Library.load(market, store=None)  # strict: the names are all right
    assert lib.failures == {}
    with caplog.at_level(logging.ERROR, logger=library_module.__name__):
        answers = _answers(lib)
    assert answers == {
        c: a for c, a in want.items() if c not in ("pinnacle-direct", "ironclad-casualty")
    }
    [state] = lib.failures[str(moved.parent)]
    assert state.file.endswith("pinnacle-direct/auto-tx-2026-01-01/manual.yaml")
    assert state.line == line_of(text, "  state: TX")
    assert state.reason == (
        "manual.state is 'NM', but the folder pinnacle-direct/auto-tx-2026-01-01 is named for "
        "state 'TX' (a version's folder is <carrier>/<line>-<state>-<effective date>)"
    )
    [date] = lib.failures[str(redated.parent)]
    assert date.line == line_of(dated, "effective: 2026-01-01")
    assert "manual.effective is '2026-02-01'" in date.reason
    assert "pinnacle-direct/auto-tx-2026-01-01" in caplog.text
    assert "pinnacle-direct" not in lib.carriers("auto", "TX")
    with pytest.raises(ManualNotFound):
        lib.select("pinnacle-direct", "auto", "TX", ON)
    # left out of every listing too, and rateshop manual check says the same
    assert all(e.folder != moved.parent for e in lib.entries())
    result = CliRunner().invoke(app, ["manual", "check", str(market)])
    assert result.exit_code == 1
    assert f"manual.yaml:{state.line}: manual.state is 'NM', but the folder" in result.output
    assert f"manual.yaml:{date.line}: manual.effective is '2026-02-01'" in result.output


def test_an_unreadable_header_is_found_on_first_use_of_its_line_and_state(market: Path) -> None:
    broken = market / "harborview" / "auto-tx-2026-01-01" / "manual.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("effective: 2026-01-01", "effective: soon"),
        encoding="utf-8",
    )
    lib = Library.load(market, store=None)
    assert lib.failures == {}
    assert "harborview" not in _answers(lib)
    [problem] = lib.failures[str(broken.parent)]
    assert "not a date" in problem.reason
    assert problem.line is not None


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_a_manual_edited_after_the_listing_is_rated_as_it_is_now(
    market: Path, tmp_path: Path, cache: str
) -> None:
    store = ManualStore(tmp_path / "cache")
    if cache == "warm":
        before = _answers(Library.load(market, store=store))
    lib = Library.load(market, store=store)
    folder = market / "pinnacle-direct" / "auto-tx-2026-01-01"
    manifest = folder / "manual.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("  title: ", "  title: Edited ", 1), encoding="utf-8")
    table = sorted(t for t in folder.glob("tables/*.csv") if "1." in t.read_text("utf-8"))[0]
    table.write_text(table.read_text(encoding="utf-8").replace("1.", "2."), encoding="utf-8")
    answers = _answers(lib)
    plan = lib.select("pinnacle-direct", "auto", "TX", ON)
    assert plan.manual.identity.title.startswith("Edited ")
    assert answers["pinnacle-direct"] == rate(load_plan(folder, tests=False), RISK).to_dict()
    if cache == "warm":
        assert answers["pinnacle-direct"] != before["pinnacle-direct"]


def test_two_folders_of_one_version_are_refused_by_their_names(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    shutil.copytree(market / "harborview", other / "harborview")
    seen = _reads(monkeypatch)
    with pytest.raises(ManualError, match="harborview/auto/TX@2026-01-01 is also defined in"):
        Library.load(market, other, store=None)
    assert seen == []
    lib = Library.load(market, other, store=None, strict=False)
    copies = {str(f.parent) for f in (other / "harborview").glob("*/manual.yaml")}
    assert set(lib.failures) == copies
    assert len(lib) == len(list(market.glob("*/*/manual.yaml")))
    # a state code in capitals names the same version
    (market / "harborview" / "auto-tx-2026-01-01").rename(other / "auto-TX-2026-01-01")
    shutil.copytree(other / "auto-TX-2026-01-01", market / "harborview" / "auto-TX-2026-01-01")
    shutil.copytree(other / "auto-TX-2026-01-01", market / "harborview" / "auto-tx-2026-01-01")
    with pytest.raises(ManualError, match="also defined in"):
        Library.load(market, store=None)


def test_two_threads_asking_at_once_read_each_header_once(
    market: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = Library.load(market, store=None)
    seen = _reads(monkeypatch)
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: sorted(lib.carriers("auto", "tx")), range(16)))
    assert all(f == found[0] for f in found)
    assert len(found[0]) == 5  # one with two versions
    read = [path for kind, path in seen if kind == "read"]
    assert len(read) == len(set(read)) == len(list(market.glob("*/auto-tx-*")))


@pytest.mark.parametrize("damage", ["tampered", "another part"])
def test_a_part_of_the_index_not_authentic_or_of_another_line_and_state_is_not_trusted(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    want = _eager(market)
    store = ManualStore(tmp_path / "cache")
    Library.load(market, store=store).entries()
    assert set(store.read_index(market, "auto-TX")) == {
        f.parent.relative_to(market).as_posix() for f in market.glob("*/auto-tx-*/manual.yaml")
    }
    [part] = (store.directory / "index").glob("*-auto-TX.json")
    if damage == "tampered":
        part.write_bytes(part.read_bytes().replace(b"2026-01-01", b"2025-01-01"))
    else:  # signed, but for California's versions
        [other] = (store.directory / "index").glob("*-auto-CA.json")
        part.write_bytes(other.read_bytes())
    assert store.read_index(market, "auto-TX") == {}
    seen = _reads(monkeypatch)
    lib = Library.load(market, store=store)
    assert _answers(lib) == want
    assert len([path for kind, path in seen if kind == "read"]) == len(
        list(market.glob("*/auto-tx-*"))
    )
    assert lib.failures == {}
