"""A set of manuals, indexed by carrier, line and state, with their versions by date.

Loading a market reads only what says which manuals exist: each manual's ``manual:`` section
(carrier, line, state, dates), kept between runs in a signed index with each file's size and
modification time (see :mod:`rateshop.rating.cache`). A manual is compiled the first time a
quote needs it, from the loaded manual kept on disk by content hash when there is one, and held
in memory among the most recently used plans (a bounded number). So a process starts in the same
time whatever the market's size, and a carrier nobody asks for costs nothing.

Asking for every plan (iterating the library, :attr:`Library.plans`) compiles every manual; the
listing methods (:meth:`Library.entries`, :meth:`Library.carriers`) never do.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rateshop.config import settings
from rateshop.errors import FieldProblem, ManualError, ManualNotFound, Problem
from rateshop.manual.folders import (
    MANIFEST,
    content_files,
    content_hash,
    display_path,
    manual_folders,
)
from rateshop.manual.loader import load_manual, read_identity
from rateshop.manual.model import Identity
from rateshop.rating.cache import ManualStore, configured_store
from rateshop.rating.plan import Plan, compile_manual

log = logging.getLogger(__name__)

# Plans one library holds in memory when its maker does not say (RATESHOP_PLAN_MEMORY_LIMIT).
DEFAULT_CAPACITY = 256


def load_plan(path: Path | str, tests: bool = True) -> Plan:
    """Load, check and compile the manual in ``path`` (with its stored cases unless ``tests=False``)."""
    return compile_manual(load_manual(path, tests=tests))


@dataclass(eq=False)
class Entry:
    """One manual version the library knows of, before (or after) it is compiled."""

    identity: Identity
    folder: Path
    content_hash: str | None = None
    plan: Plan | None = None  # compiled when added: held for the library's life
    problems: list[Problem] | None = None  # found when it was compiled
    stamps: dict[str, list[int]] = field(default_factory=dict)  # content files -> stamp

    @property
    def key(self) -> str:
        return self.identity.key

    @property
    def group(self) -> tuple[str, str, str]:
        return (self.identity.carrier, self.identity.line, self.identity.state)


def _stamp(path: Path | str) -> list[int]:
    st = os.stat(path)
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _identity_to_json(ident: Identity) -> dict[str, Any]:
    out: dict[str, Any] = dict(vars(ident))
    out["effective"] = ident.effective.isoformat()
    out["expires"] = None if ident.expires is None else ident.expires.isoformat()
    return out


def _identity_from_json(raw: dict[str, Any]) -> Identity:
    data = dict(raw)
    data["effective"] = dt.date.fromisoformat(data["effective"])
    data["expires"] = None if data["expires"] is None else dt.date.fromisoformat(data["expires"])
    return Identity(**data)


class Library:
    """Every version of every carrier/line/state found under some folders, compiled on first use.

    ``Library(plans=[...])`` holds plans compiled already; :meth:`load` finds manuals on disk and
    compiles each when first asked for. ``store`` keeps loaded manuals between processes;
    ``capacity`` bounds the plans held in memory (least recently used ones are let go and
    compiled again when next asked for).
    """

    def __init__(
        self,
        plans: Iterable[Plan] = (),
        failures: dict[str, list[Problem]] | None = None,
        *,
        store: ManualStore | None = None,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.failures: dict[str, list[Problem]] = dict(failures or {})
        self.store = store
        self.capacity = max(1, capacity)
        self._entries: list[Entry] = []
        self._groups: dict[tuple[str, str, str], list[Entry]] = {}
        # The carriers of each line and state: asked for by every comparison, so not a search
        # through every group of a market of thousands of versions.
        self._writers: dict[tuple[str, str], set[str]] = {}
        self._held: OrderedDict[Entry, Plan] = OrderedDict()
        self._lock = threading.RLock()
        self._indexes: dict[Path, dict[str, Any]] = {}
        self._index_dirty: set[Path] = set()
        for plan in plans:
            self.add(plan)

    # ------------------------------------------------------------------ building
    @classmethod
    def load(
        cls,
        *roots: Path | str,
        strict: bool = True,
        store: ManualStore | Literal["configured"] | None = "configured",
        capacity: int | None = None,
    ) -> Library:
        """Find every manual under ``roots`` and read its identity; with ``strict`` any manual
        whose identity cannot be read, or that repeats another's, raises.

        Nothing is compiled here: a manual's other mistakes are found when it is first used (or
        by ``rateshop manual check``, which every manual should pass before it is served). The
        store and the capacity are the settings' (``RATESHOP_PLAN_CACHE*``) unless given.
        """
        if store == "configured" or capacity is None:
            conf = settings()
            store = configured_store(conf) if store == "configured" else store
            capacity = conf.plan_memory_limit if capacity is None else capacity
        lib = cls(store=store, capacity=capacity)
        for root in roots:
            lib._scan(Path(root))
        if strict and lib.failures:
            raise ManualError([p for probs in lib.failures.values() for p in probs])
        return lib

    def _scan(self, root: Path) -> None:
        """Read the identities of the manuals under ``root``, from the index where still true."""
        base = root.parent if root.name == MANIFEST else root
        old = self.store.read_index(base) if self.store is not None else {}
        new: dict[str, Any] = {}
        stamps: dict[str, list[int] | None] = {}

        def stamp(path: str) -> list[int] | None:
            if path not in stamps:
                try:
                    stamps[path] = _stamp(path)
                except OSError:
                    stamps[path] = None
            return stamps[path]

        prefix = os.path.join(str(base), "")
        for text in manual_folders(root):
            rel = text[len(prefix) :] if text.startswith(prefix) else os.path.relpath(text, base)
            folder = Path(text)
            manifest = stamp(os.path.join(text, MANIFEST))
            prev = old.get(rel)
            entry: Entry | None = None
            if isinstance(prev, dict) and prev.get("manifest") == manifest:
                try:
                    entry = Entry(_identity_from_json(prev["identity"]), folder)
                except (KeyError, TypeError, ValueError):
                    entry = None
                files = prev.get("files") if entry is not None else None
                if (
                    entry is not None
                    and isinstance(files, dict)
                    and files
                    and all(stamp(os.path.join(text, f)) == s for f, s in files.items())
                ):
                    entry.content_hash = prev.get("hash")
                    entry.stamps = files
            if entry is None:
                try:
                    entry = Entry(read_identity(folder), folder)
                except ManualError as exc:
                    self.failures[str(folder)] = exc.problems
                    continue
            try:
                self._insert(entry, ordered=False)
            except ManualError as exc:
                self.failures[str(folder)] = exc.problems
                continue
            if isinstance(prev, dict) and (
                prev.get("manifest"),
                prev.get("hash"),
                prev.get("files"),
            ) == (manifest, entry.content_hash, entry.stamps):
                new[rel] = prev  # unchanged: as read
            else:
                new[rel] = {
                    "manifest": manifest,
                    "identity": _identity_to_json(entry.identity),
                    "hash": entry.content_hash,
                    "files": entry.stamps,
                }
        self._order()
        self._indexes[base] = new
        if new != old:
            self._index_dirty.add(base)
            self.save_index()

    def add_folder(self, folder: Path) -> bool:
        """Add the manual in ``folder`` (its identity read now, compiled when first used).

        Returns False when the library knows that folder already. Raises :class:`ManualError`
        when its identity cannot be read or another version has its carrier, line, state and date.
        Every holder of this library sees the version from now on.
        """
        with self._lock:
            if any(e.folder == folder for e in self._entries):
                return False
            self._insert(Entry(read_identity(folder), folder))
            return True

    def add(self, plan: Plan) -> None:
        """Add a compiled manual; two versions may not share carrier, line, state and date."""
        m = plan.manual
        self._insert(Entry(m.identity, m.root, m.content_hash, plan=plan))

    def _insert(self, entry: Entry, ordered: bool = True) -> None:
        with self._lock:
            for other in self._groups.get(entry.group, []):
                if other.key == entry.key:
                    raise ManualError(
                        [
                            Problem(
                                display_path(entry.folder / MANIFEST),
                                None,
                                f"{entry.key} is also defined in "
                                f"{display_path(other.folder / MANIFEST)}",
                            )
                        ]
                    )
            self._entries.append(entry)
            group = self._groups.setdefault(entry.group, [])
            self._writers.setdefault(entry.group[1:], set()).add(entry.identity.carrier)
            group.append(entry)
            if ordered:
                self._order()

    def _order(self) -> None:
        self._entries.sort(key=lambda e: (*e.group, e.identity.effective))
        for group in self._groups.values():
            group.sort(key=lambda e: e.identity.effective)

    def save_index(self) -> None:
        """Write what was learnt about the manuals (identities, hashes) for the next process."""
        if self.store is None:
            return
        with self._lock:
            for base in sorted(self._index_dirty):
                try:
                    self.store.write_index(base, self._indexes[base])
                except OSError as exc:  # a read-only cache slows the next start, nothing more
                    log.warning("cannot write the manual index: %s", exc)
            self._index_dirty.clear()

    # ------------------------------------------------------------------ compiling on demand
    def _learn_hash(self, entry: Entry) -> str:
        """The entry's content hash, from its files as they are now (kept in the index)."""
        if entry.content_hash is not None:
            return entry.content_hash
        files = content_files(entry.folder)
        entry.content_hash = content_hash(entry.folder, files)
        try:
            entry.stamps = {os.path.relpath(f, entry.folder): _stamp(f) for f in files}
        except OSError:
            entry.stamps = {}
        self._remember(entry)
        return entry.content_hash

    def _remember(self, entry: Entry) -> None:
        for base, manuals in self._indexes.items():
            rel = os.path.relpath(entry.folder, base)
            known = manuals.get(rel)
            if known is not None and (known["hash"], known["files"]) != (
                entry.content_hash,
                entry.stamps,
            ):
                known["hash"], known["files"] = entry.content_hash, entry.stamps
                self._index_dirty.add(base)

    def hash_of(self, entry: Entry) -> str:
        """The content hash of ``entry``'s manual, read from its files without compiling it."""
        with self._lock:
            return self._learn_hash(entry)

    def plan_of(self, entry: Entry) -> Plan:
        """The compiled plan of ``entry`` (compiled now if no one has asked for it lately).

        Raises :class:`ManualError` with file and line when the manual has a mistake.
        """
        if entry.plan is not None:
            return entry.plan
        with self._lock:
            held = self._held.get(entry)
            if held is not None:
                self._held.move_to_end(entry)
                return held
            if entry.problems is not None:
                raise ManualError(entry.problems)
            try:
                plan = self._compile(entry)
            except ManualError as exc:
                entry.problems = exc.problems
                self.failures[str(entry.folder)] = exc.problems
                log.error("manual %s cannot be used: %s", entry.key, exc)
                raise
            self._held[entry] = plan
            while len(self._held) > self.capacity:
                self._held.popitem(last=False)
            return plan

    def _compile(self, entry: Entry) -> Plan:
        wanted = self._learn_hash(entry)
        manual = self.store.get(wanted) if self.store is not None else None
        if manual is not None:
            # Kept by another process, perhaps from another working directory: name it from here.
            manual.root, manual.file = entry.folder, display_path(entry.folder / MANIFEST)
            return compile_manual(manual)
        manual = load_manual(entry.folder, tests=False)
        plan = compile_manual(manual)
        if manual.content_hash != wanted:  # the files changed since the hash was taken
            entry.content_hash = manual.content_hash
            self._remember(entry)
        if self.store is not None:
            try:
                self.store.put(manual)
            except OSError as exc:
                log.warning("cannot keep the compiled manual %s: %s", entry.key, exc)
        return plan

    # ------------------------------------------------------------------ asking
    def entries(self) -> list[Entry]:
        """Every version, by carrier, line, state and date, without compiling any."""
        return list(self._entries)

    def carriers(self, line: str, state: str) -> list[str]:
        """Every carrier with a manual (any version) for ``line`` in ``state``, by id."""
        state = state.upper()
        return sorted(self._writers.get((line, state), ()))

    def __iter__(self) -> Iterator[Plan]:
        """Every plan (compiling each not held); a manual with a mistake is left out."""
        for entry in self.entries():
            try:
                yield self.plan_of(entry)
            except ManualError:
                continue

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held(self) -> int:
        """How many plans compiled on demand are held in memory now (at most ``capacity``)."""
        return len(self._held)

    @property
    def plans(self) -> list[Plan]:
        """Every plan, compiled (costly for a large market: prefer :meth:`entries`)."""
        return list(self)

    def by_hash(self, content_hash: str) -> Plan:
        """The exact manual version with this content hash (for replaying a stored quote)."""
        entries = self.entries()
        for entry in entries:
            if entry.content_hash == content_hash:
                return self.plan_of(entry)
        try:
            for entry in entries:  # versions whose hash no one has needed yet
                if entry.content_hash is None and entry.problems is None:
                    try:
                        if self.hash_of(entry) == content_hash:
                            return self.plan_of(entry)
                    except (ManualError, OSError):
                        continue
        finally:
            self.save_index()  # so the next process need not read them all again
        raise ManualNotFound(f"the manual version {content_hash[:12]}… is no longer in the library")

    def versions(self, carrier: str, line: str, state: str) -> list[Plan]:
        """Every version for one carrier/line/state, oldest first (each compiled)."""
        return [self.plan_of(e) for e in self._groups.get((carrier, line, state.upper()), [])]

    def select(self, carrier: str, line: str, state: str, as_of: dt.date) -> Plan:
        """The version in force on ``as_of``: the latest effective on or before it, unexpired."""
        group = self._groups.get((carrier, line, state.upper()), [])
        chosen = _in_force(group, as_of)
        if chosen is None:
            versions = [entry.identity for entry in group]
            raise ManualNotFound(not_in_force(versions, line, state, as_of, carrier).problem)
        return self.plan_of(chosen)

    def ready(self, line: str, state: str, as_of: dt.date) -> bool:
        """Whether :meth:`in_force` would answer without compiling: every version it would give
        is compiled and held (or known to be broken).

        So a server compiles on a worker thread only when it must, and answers at once otherwise.
        """
        state = state.upper()
        for carrier in self._writers.get((line, state), ()):
            entry = _in_force(self._groups[(carrier, line, state)], as_of)
            if entry is not None and not (
                entry.plan is not None or entry.problems is not None or entry in self._held
            ):
                return False
        return True

    def in_force(self, line: str, state: str, as_of: dt.date) -> list[Plan]:
        """For each carrier writing ``line`` in ``state``, the version in force on ``as_of``.

        A carrier whose manual in force has a mistake is left out (and logged).
        """
        out = []
        for carrier in self.carriers(line, state):
            try:
                out.append(self.select(carrier, line, state, as_of))
            except (ManualNotFound, ManualError):
                continue
        return out


def _in_force(group: list[Entry], as_of: dt.date) -> Entry | None:
    """The version of a group in force on ``as_of``: the latest effective on or before it, unexpired."""
    chosen: Entry | None = None
    for entry in group:
        ident = entry.identity
        if ident.effective <= as_of and (ident.expires is None or as_of < ident.expires):
            chosen = entry
    return chosen


def not_in_force(
    versions: Sequence[Identity], line: str, state: str, as_of: dt.date, carrier: str | None = None
) -> FieldProblem:
    """Why none of ``versions`` is in force on ``as_of``, as the effective date's problem in plain
    words with the dates that have rates: the versions of one ``carrier`` in ``line`` and
    ``state``, or of every carrier there when ``carrier`` is None.

    When every version has ended by ``as_of`` (a plan year over), the answer is that the next
    year's rates are not filed yet, and when the rates there end, not that something is broken.
    """
    first = min((v.effective for v in versions), default=None)
    ends = [v.expires for v in versions]
    if first is not None and all(end is not None and end <= as_of for end in ends):
        last = max(end for end in ends if end is not None) - dt.timedelta(days=1)
        rates = f"{first.isoformat()} to {last.isoformat()}"
        if carrier is None:
            problem = f"no {as_of.year} {line} rates are filed yet in {state}"
        else:
            problem = (
                f"no {as_of.year} rates filed yet: {carrier}'s {line} rates in {state} "
                f"ended {last.isoformat()}"
            )
        return FieldProblem("effective_date", problem, rates)
    allowed = f"from {first.isoformat()}" if first is not None else None
    if carrier is None:
        problem = f"no {line} manual in {state} is in force on {as_of.isoformat()}"
        return FieldProblem("effective_date", problem, allowed)
    starts = ", ".join(v.effective.isoformat() for v in versions)
    problem = f"no {line} manual of {carrier} in {state} is in force on {as_of.isoformat()}" + (
        f"; versions start {starts}" if starts else ""
    )
    return FieldProblem("effective_date", problem, allowed)


def latest(plans: Iterable[Plan]) -> Plan:
    """The most recent version among ``plans``."""
    return max(plans, key=lambda p: p.manual.identity.effective)
