"""Manuals kept on disk: found again by content hash, never trusted when not authentic."""

from __future__ import annotations

import ast
import datetime as dt
import marshal
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rateshop.rating.library as library_module
from builders import BASE_MANIFEST, write_manual
from rateshop.manual.loader import load_manual
from rateshop.manual.model import Manual
from rateshop.rating.cache import MAGIC, ManualStore
from rateshop.rating.emit import Source
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.rating.single import rate

ON = dt.date(2025, 6, 1)
RISK = {"age": 30, "territory": "north"}


def _entry(store: ManualStore, manual: Manual) -> Path:
    [path] = (store.directory / "manuals").rglob(f"{manual.content_hash}.bin")
    return path


def _loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every manual loaded from its files (not from the cache)."""
    loaded: list[Path] = []
    real = library_module.load_manual

    def recording(path: Path | str, tests: bool = True) -> Manual:
        loaded.append(Path(path))
        return real(path, tests=tests)

    monkeypatch.setattr(library_module, "load_manual", recording)
    return loaded


def _premium(lib: Library) -> str:
    answer = rate(lib.select("test", "test", "XX", ON), RISK)
    return str(answer.to_dict()["premium"])


def test_a_second_process_uses_what_the_first_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = tmp_path / "market"
    write_manual(market)
    store = ManualStore(tmp_path / "cache")
    loaded = _loads(monkeypatch)
    first = _premium(Library.load(market, store=store))
    assert len(loaded) == 1
    again = Library.load(market, store=ManualStore(tmp_path / "cache"))
    assert _premium(again) == first
    assert len(loaded) == 1
    assert [e.content_hash for e in again.entries()] == [
        load_manual(market / "manual").content_hash
    ]


def test_a_changed_table_is_compiled_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    market = tmp_path / "market"
    folder = write_manual(market)
    store = ManualStore(tmp_path / "cache")
    before = _premium(Library.load(market, store=store))
    table = folder / "tables" / "territory.csv"
    table.write_text("territory,factor\nnorth,1.30\nsouth,0.90\n", encoding="utf-8")
    os.utime(table, ns=(1, 1))  # an older time than before: any other stamp is a change
    loaded = _loads(monkeypatch)
    after = _premium(Library.load(market, store=store))
    assert (before, after) == ("110.00", "130.00")
    assert len(loaded) == 1


def test_a_changed_identity_is_read_again(tmp_path: Path) -> None:
    market = tmp_path / "market"
    folder = write_manual(market)
    store = ManualStore(tmp_path / "cache")
    assert [e.key for e in Library.load(market, store=store).entries()] == [
        "test/test/XX@2025-01-01"
    ]
    (folder / "manual.yaml").write_text(
        BASE_MANIFEST.replace("2025-01-01", "2025-02-01"), encoding="utf-8"
    )
    assert [e.key for e in Library.load(market, store=store).entries()] == [
        "test/test/XX@2025-02-01"
    ]
    # and the index tells the next process, so it need not read the manifest again
    assert store.read_index(market)["manual"]["identity"]["effective"] == "2025-02-01"


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "other-key", "empty"])
def test_a_damaged_entry_is_not_trusted_and_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    market = tmp_path / "market"
    write_manual(market)
    store = ManualStore(tmp_path / "cache")
    manual = load_manual(market / "manual", tests=False)
    store.put(manual)
    path = _entry(store, manual)
    data = path.read_bytes()
    if damage == "flip":
        data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "foreign":  # written by other code: another fingerprint, a valid HMAC for it
        other = ManualStore(tmp_path / "cache")
        other.fingerprint = b"\x00" * 32
        other.put(manual)
        data = path.read_bytes()
    elif damage == "other-key":
        ManualStore(tmp_path / "cache", key=b"k" * 32).put(manual)
        data = path.read_bytes()
    else:
        data = b""
    path.write_bytes(data)
    assert store.get(manual.content_hash) is None
    loaded = _loads(monkeypatch)
    assert _premium(Library.load(market, store=store)) == "110.00"
    assert len(loaded) == 1
    assert store.get(manual.content_hash) is not None  # rebuilt


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


def test_a_forged_entry_is_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    market = tmp_path / "market"
    write_manual(market)
    store = ManualStore(tmp_path / "cache")
    manual = load_manual(market / "manual", tests=False)
    store.put(manual)
    path = _entry(store, manual)
    header = path.read_bytes()[: len(MAGIC) + 64]  # the real fingerprint and some MAC
    path.write_bytes(header + pickle.dumps(_Boom()))
    assert store.get(manual.content_hash) is None
    assert _premium(Library.load(market, store=store)) == "110.00"
    assert not (tmp_path / "pwned").exists()


def test_a_tampered_index_is_ignored(tmp_path: Path) -> None:
    market = tmp_path / "market"
    write_manual(market)
    store = ManualStore(tmp_path / "cache")
    Library.load(market, store=store)
    [index] = (store.directory / "index").glob("*.json")
    index.write_bytes(index.read_bytes().replace(b"2025-01-01", b"2024-01-01"))
    assert store.read_index(market) == {}
    assert [e.key for e in Library.load(market, store=store).entries()] == [
        "test/test/XX@2025-01-01"
    ]


FILL = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from rateshop.rating.cache import ManualStore
    from rateshop.rating.library import Library

    market, cache = Path(sys.argv[1]), Path(sys.argv[2])
    for _ in range(3):
        lib = Library.load(market, store=ManualStore(cache))
        print(sorted(p.manual.content_hash for p in lib))
    """
)


def test_two_processes_filling_the_cache_at_once_leave_it_whole(tmp_path: Path) -> None:
    market = tmp_path / "market"
    for n in range(6):
        write_manual(market / f"v{n}", BASE_MANIFEST.replace("2025-01-01", f"2025-0{n + 1}-01"))
    cache = tmp_path / "cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FILL, str(market), str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    hashes = {line for out, _ in outs for line in out.splitlines()}
    assert len(hashes) == 1  # every pass of both processes saw the same six versions
    store = ManualStore(cache)
    entries = list((cache / "manuals").rglob("*.bin"))
    assert len(entries) == 6
    assert all(store.get(e.stem) is not None for e in entries)
    assert not list(cache.rglob(".tmp-*"))
    assert not list(cache.glob(".key-*"))
    assert len(store.read_index(market)) == 6


def test_the_directory_and_its_key_are_private(tmp_path: Path) -> None:
    store = ManualStore(tmp_path / "cache")
    assert (store.directory.stat().st_mode & 0o777) == 0o700
    assert ((store.directory / "key").stat().st_mode & 0o777) == 0o600
    assert ManualStore(tmp_path / "cache").key == store.key


def test_plans_compiled_from_the_cache_name_their_files_from_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = tmp_path / "market"
    write_manual(market)
    store = ManualStore(tmp_path / "cache")
    monkeypatch.chdir(tmp_path)
    [kept] = Library.load(market, store=store).plans
    assert kept.manual.file == "market/manual/manual.yaml"
    monkeypatch.chdir(market)
    plan: Plan = Library.load(market, store=store).plans[0]
    assert plan.manual.file == "manual/manual.yaml"
    assert plan.manual.root == market / "manual"


def _code_files(store: ManualStore) -> list[Path]:
    return sorted(store.directory.glob("code-*/*/*"))


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every generated function checked and compiled (not taken from the code store)."""
    parsed: list[str] = []
    real = Source._check

    def recording(self: Source, tree: ast.Module, name: str) -> None:
        parsed.append(self.label)
        real(self, tree, name)

    monkeypatch.setattr(Source, "_check", recording)
    return parsed


def test_generated_code_is_kept_and_a_second_process_compiles_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    market = tmp_path / "market"
    write_manual(market)
    parsed = _parses(monkeypatch)
    first = _premium(Library.load(market, store=ManualStore(tmp_path / "cache")))
    store = ManualStore(tmp_path / "cache")
    assert len(_code_files(store)) == len(parsed) > 0
    parsed.clear()
    assert _premium(Library.load(market, store=store)) == first
    assert parsed == []


@pytest.mark.parametrize("damage", ["flip", "truncate", "other-key", "forged"])
def test_damaged_generated_code_is_compiled_again_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.chdir(tmp_path)
    market = tmp_path / "market"
    write_manual(market)
    _premium(Library.load(market, store=ManualStore(tmp_path / "cache")))
    store = ManualStore(tmp_path / "cache")
    files = _code_files(store)
    for path in files:
        data = path.read_bytes()
        if damage == "flip":
            data = data[:-3] + bytes([data[-3] ^ 1]) + data[-2:]
        elif damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "other-key":
            other = ManualStore(tmp_path / "other", key=b"k" * 32)
            code = store.get_code(bytes.fromhex(path.name))
            assert code is not None
            other.put_code(bytes.fromhex(path.name), code)
            data = next((tmp_path / "other").glob(f"code-*/*/{path.name}")).read_bytes()
        else:  # the header kept, the code replaced with some that would leave a trace
            evil = compile("open('pwned', 'w')", "<evil>", "exec")
            data = data[:40] + marshal.dumps(evil)
        path.write_bytes(data)
        assert store.get_code(bytes.fromhex(path.name)) is None
    parsed = _parses(monkeypatch)
    assert _premium(Library.load(market, store=store)) == "110.00"
    assert len(parsed) == len(files)  # every function compiled again from its source
    assert all(store.get_code(bytes.fromhex(p.name)) is not None for p in files)  # and kept
    assert not (tmp_path / "pwned").exists()
