"""A set of manuals, indexed by carrier, line and state, with their versions by date.

Loading a market opens no manual. A version's folder is named after it,
``<carrier>/<line>-<state>-<effective date>`` (``harborview/auto-tx-2026-01-01``, as an upload
is installed), so the listing is made from the folders' names alone. A manual's header (its
``manual:`` section: names, dates, expiry), the stamps of its files and its content hash are read
the first time its line and state are used (to select, rate, list carriers or versions), for
every version of that line and state at once, from a signed index kept between runs while each
file's size, modification time and inode are unchanged (see :mod:`rateshop.rating.cache`). A
header that disagrees with its folder's name (another carrier, line, state or effective date) is
then a :class:`~rateshop.errors.ManualError` with the header's file and line: that version is
left out (recorded in :attr:`Library.failures`, logged) and the others of its line and state are
used. A folder named otherwise (a single manual, a folder of test manuals) has its header read
when the market is loaded.

So a ``strict`` load raises for a folder named otherwise whose header cannot be read, and for two
folders naming the same version; a header mistake in a folder named after its version is found
on the first use of its line and state instead. ``rateshop manual check`` still reads every
manual whole and reports every problem, a header that disagrees with its folder's name too.

A manual is compiled the first time a quote needs it, from the loaded manual kept on disk by
content hash when there is one, and held in memory among the most recently used plans (a bounded
number). So a process starts in the same time whatever the market's size, and a carrier nobody
asks for costs nothing.

Asking for every plan (iterating the library, :attr:`Library.plans`) compiles every manual; the
listing methods (:meth:`Library.entries`, :meth:`Library.carriers`) never do, though
:meth:`Library.entries` reads every header not read yet.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from rateshop.config import settings
from rateshop.errors import FieldProblem, ManualError, ManualNotFound, Problem
from rateshop.manual.folders import (
    MANIFEST,
    content_files,
    content_hash,
    display_path,
    manual_folders,
)
from rateshop.manual.loader import header_lines, load_manual, read_identity
from rateshop.manual.model import Identity
from rateshop.rating.cache import ManualStore, configured_store
from rateshop.rating.emit import keeping_code
from rateshop.rating.plan import Plan, compile_manual

log = logging.getLogger(__name__)

# Plans one library holds in memory when its maker does not say (RATESHOP_PLAN_MEMORY_LIMIT).
DEFAULT_CAPACITY = 256

# The lines a version's folder may be named after: those a risk can ask for (the risk questions'
# LINES, not imported here because they cost a serving process's start tens of milliseconds).
NAMED_LINES = ("auto", "home", "life", "health")
_NAME = re.compile(
    rf"(?P<carrier>[a-z0-9][a-z0-9-]*)[/{re.escape(os.sep)}]"
    rf"(?P<line>{'|'.join(NAMED_LINES)})-(?P<state>[A-Za-z]{{2}})-(?P<date>\d{{4}}-\d{{2}}-\d{{2}})"
)


def load_plan(path: Path | str, tests: bool = True) -> Plan:
    """Load, check and compile the manual in ``path`` (with its stored cases unless ``tests=False``)."""
    return compile_manual(load_manual(path, tests=tests))


class Named(NamedTuple):
    """The version a folder's name says it holds: carrier, line, state (upper case) and date."""

    carrier: str
    line: str
    state: str
    effective: dt.date


def named_version(relative: str) -> Named | None:
    """The version the folder at ``relative`` (to the market's folder) is named after, or None
    when its path is not ``<carrier>/<line>-<state>-<YYYY-MM-DD>``."""
    found = _NAME.fullmatch(relative)
    if found is None:
        return None
    try:
        effective = dt.date.fromisoformat(found["date"])
    except ValueError:
        return None
    return Named(found["carrier"], found["line"], found["state"].upper(), effective)


def index_part(named: Named | None) -> str:
    """The part of a manuals folder's index that holds a version: one per line and state for the
    versions named by their folders (read when the line and state are first used), and ``""``
    for the others (read while listing)."""
    return "" if named is None else f"{named.line}-{named.state}"


def name_problems(folder: Path, named: Named, identity: Identity) -> list[Problem]:
    """Where the header of the manual in ``folder`` disagrees with the version its folder's name
    says it holds: each field's file, line and reason (empty when they agree)."""
    said = {
        "carrier": (named.carrier, identity.carrier),
        "line": (named.line, identity.line),
        "state": (named.state, identity.state),
        "effective": (named.effective.isoformat(), identity.effective.isoformat()),
    }
    wrong = [(key, want, got) for key, (want, got) in said.items() if want != got]
    if not wrong:
        return []
    try:
        lines = header_lines(folder)
    except ManualError:  # read a moment ago; gone or changed since: the section's line unknown
        lines = {}
    shown = display_path(folder / MANIFEST)
    name = f"{folder.parent.name}/{folder.name}"
    return [
        Problem(
            shown,
            lines.get(key, lines.get("manual")),
            f"manual.{key} is {got!r}, but the folder {name} is named for {key} {want!r} "
            "(a version's folder is <carrier>/<line>-<state>-<effective date>)",
        )
        for key, want, got in wrong
    ]


class Entry:
    """One manual version the library knows of, before (or after) it is compiled.

    A version listed from its folder's name knows its carrier, line, state and date from the name
    (:attr:`key`, :attr:`group`); its :attr:`identity` is read from its header when its line and
    state are first used (reading :attr:`identity` does that).
    """

    def __init__(
        self,
        identity: Identity | None,
        folder: Path,
        content_hash: str | None = None,
        plan: Plan | None = None,
        *,
        named: Named | None = None,
        library: Library | None = None,
        indexed: tuple[Path, str, str] | None = None,
    ) -> None:
        if identity is not None:
            named = Named(identity.carrier, identity.line, identity.state, identity.effective)
        if named is None:
            raise ValueError("an entry needs an identity or the version its folder names")
        self._identity = identity
        self.named = named
        self.folder = folder
        self.content_hash = content_hash
        self.plan = plan  # compiled when added: held for the library's life
        self.problems: list[Problem] | None = None  # found when it was compiled or read
        self.stamps: dict[str, list[int]] = {}  # content files -> stamp
        self._library = library  # which reads the header when asked for
        self.indexed = indexed  # (the folder of its index, the index's part, its name there)
        # asked for of every version as a market is listed: made once
        self.key = f"{named.carrier}/{named.line}/{named.state}@{named.effective.isoformat()}"
        self.group = (named.carrier, named.line, named.state)

    @property
    def identity(self) -> Identity:
        """The manual's header (see :meth:`read`)."""
        return self.read()

    def read(self) -> Identity:
        """The manual's header, read with its line and state's on first use; raises
        :class:`ManualError` when it cannot be read or disagrees with its folder's name."""
        if self._identity is None and self._library is not None:
            self._library._resolve(self.named.line, self.named.state)
        if self._identity is None:
            shown = display_path(self.folder / MANIFEST)
            raise ManualError(self.problems or [Problem(shown, None, "the header was not read")])
        return self._identity

    def __repr__(self) -> str:
        return f"Entry({self.key}, {self.folder})"


def _stamp(path: Path | str) -> list[int]:
    st = os.stat(path)
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _stamp_or_none(path: Path | str) -> list[int] | None:
    try:
        return _stamp(path)
    except OSError:
        return None


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
        self._keys: dict[str, Entry] = {}  # each version by its key: one folder each
        # The carriers of each line and state: asked for by every comparison, so not a search
        # through every group of a market of thousands of versions.
        self._writers: dict[tuple[str, str], set[str]] = {}
        # The versions listed by their folders' names whose headers are not read yet, by line
        # and state; a line and state leaves only once all of its headers are read.
        self._pending: dict[tuple[str, str], list[Entry]] = {}
        self._held: OrderedDict[Entry, Plan] = OrderedDict()
        self._lock = threading.RLock()
        # The index of each manuals folder, in parts (see :func:`index_part`), each read on
        # first need; the manual folders found for each part.
        self._indexes: dict[tuple[Path, str], dict[str, Any]] = {}
        self._listed: dict[tuple[Path, str], set[str]] = {}
        self._index_dirty: set[tuple[Path, str]] = set()
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
        """Find every manual under ``roots``; with ``strict`` a manual whose folder is not named
        after its version and whose identity cannot be read, or two folders of one version, raise.

        Nothing is compiled here, and no manual named after its version is opened: its header
        is read, and checked against the name, when its line and state are first used (a
        mistake then leaves it out). A manual's other mistakes are found when it is first used
        (or by ``rateshop manual check``, which every manual should pass before it is served).
        The store and the capacity are the settings' (``RATESHOP_PLAN_CACHE*``) unless given.
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
        """List the manuals under ``root``: by their folders' names where they are named after
        their versions, from their headers (or the index, where still true) otherwise."""
        base = root.parent if root.name == MANIFEST else root
        prefix = os.path.join(str(base), "")
        for text in manual_folders(root):
            rel = text[len(prefix) :] if text.startswith(prefix) else os.path.relpath(text, base)
            folder = Path(text)
            named = named_version(rel)
            where = (base, index_part(named))
            self._listed.setdefault(where, set()).add(rel)
            if named is not None:
                entry = Entry(None, folder, named=named, library=self, indexed=(*where, rel))
            else:
                try:
                    identity, found_hash, stamps = self._read_header(folder, where, rel)
                except ManualError as exc:
                    self.failures[text] = exc.problems
                    continue
                entry = Entry(identity, folder, found_hash, indexed=(*where, rel))
                entry.stamps = stamps
            try:
                self._insert(entry, ordered=False)
            except ManualError as exc:
                self.failures[text] = exc.problems
                continue
            if named is not None:
                self._pending.setdefault((named.line, named.state), []).append(entry)
        self._order()
        if self._index_dirty:
            self.save_index()

    def _index(self, where: tuple[Path, str]) -> dict[str, Any]:
        """A part of the index of the manuals under a folder, read from the store on first need."""
        index = self._indexes.get(where)
        if index is None:
            index = self.store.read_index(*where) if self.store is not None else {}
            self._indexes[where] = index
        return index

    def _read_header(
        self, folder: Path, where: tuple[Path, str], rel: str
    ) -> tuple[Identity, str | None, dict[str, list[int]]]:
        """The identity of the manual in ``folder`` with its content hash and its files' stamps
        (None and {} when not known): from the index while the files are as it says, else read
        from the header. Raises :class:`ManualError` when the header cannot be read."""
        index = self._index(where)
        prev = index.get(rel)
        manifest = _stamp_or_none(folder / MANIFEST)
        if manifest is not None and isinstance(prev, dict) and prev.get("manifest") == manifest:
            try:
                identity: Identity | None = _identity_from_json(prev["identity"])
            except (KeyError, TypeError, ValueError):
                identity = None
            if identity is not None:
                files = prev.get("files")
                if (
                    isinstance(files, dict)
                    and files
                    and all(_stamp_or_none(folder / f) == s for f, s in files.items())
                ):
                    return identity, prev.get("hash"), files
                # the tables changed: the hash is learnt again when needed
                prev["hash"], prev["files"] = None, {}
                self._mark(where)
                return identity, None, {}
        identity = read_identity(folder)
        index[rel] = {
            "manifest": manifest,
            "identity": _identity_to_json(identity),
            "hash": None,
            "files": {},
        }
        self._mark(where)
        return identity, None, {}

    def _mark(self, where: tuple[Path, str]) -> None:
        if self.store is not None:
            self._index_dirty.add(where)

    def _resolve(self, line: str, state: str) -> None:
        """Read the headers of the versions of ``line`` in ``state`` not read yet, leaving out
        (in :attr:`failures`, logged) each that cannot be read or disagrees with its folder."""
        wanted = (line, state.upper())
        if wanted not in self._pending:  # read already (or never listed by name)
            return
        with self._lock:
            pending = self._pending.get(wanted)
            if pending is None:  # another thread read them meanwhile
                return
            for entry in pending:
                assert entry.indexed is not None  # listed by name, so under an indexed folder
                base, part, rel = entry.indexed
                try:
                    identity, found_hash, stamps = self._read_header(
                        entry.folder, (base, part), rel
                    )
                    problems = name_problems(entry.folder, entry.named, identity)
                except ManualError as exc:
                    problems = exc.problems
                if problems:
                    self._drop(entry, problems)
                    continue
                entry.content_hash, entry.stamps = found_hash, stamps
                entry._identity = identity
            # only now: another thread seeing the line and state pending waits for the lock
            del self._pending[wanted]
            self.save_index()

    def _resolve_all(self) -> None:
        for line, state in list(self._pending):
            self._resolve(line, state)

    def _drop(self, entry: Entry, problems: list[Problem]) -> None:
        """Leave out a version whose header is wrong: it is not listed, selected or rated."""
        entry.problems = problems
        self.failures[str(entry.folder)] = problems
        log.error("manual %s cannot be used: %s", entry.folder, ManualError(problems))
        self._entries.remove(entry)
        del self._keys[entry.key]
        group = self._groups[entry.group]
        group.remove(entry)
        if not group:
            del self._groups[entry.group]
            writers = self._writers[entry.group[1:]]
            writers.discard(entry.named.carrier)
            if not writers:
                del self._writers[entry.group[1:]]

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
            other = self._keys.get(entry.key)
            if other is not None:
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
            self._keys[entry.key] = entry
            self._entries.append(entry)
            group = self._groups.setdefault(entry.group, [])
            self._writers.setdefault(entry.group[1:], set()).add(entry.named.carrier)
            group.append(entry)
            if ordered:
                self._order()

    def _order(self) -> None:
        self._entries.sort(key=lambda e: (*e.group, e.named.effective))
        for group in self._groups.values():
            group.sort(key=lambda e: e.named.effective)

    def save_index(self) -> None:
        """Write what was learnt about the manuals (identities, hashes) for the next process."""
        if self.store is None:
            return
        with self._lock:
            for where in sorted(self._index_dirty):
                listed = self._listed.get(where, set())
                # folders gone since the index was written are left out of it
                kept = {rel: known for rel, known in self._indexes[where].items() if rel in listed}
                try:
                    self.store.write_index(*where, kept)
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
        if entry.indexed is None:
            return
        base, part, rel = entry.indexed
        known = self._indexes.get((base, part), {}).get(rel)
        if known is not None and (known["hash"], known["files"]) != (
            entry.content_hash,
            entry.stamps,
        ):
            known["hash"], known["files"] = entry.content_hash, entry.stamps
            self._mark((base, part))

    def hash_of(self, entry: Entry) -> str:
        """The content hash of ``entry``'s manual, read from its files without compiling it."""
        entry.read()  # its header read, or ManualError when it is left out
        with self._lock:
            return self._learn_hash(entry)

    def plan_of(self, entry: Entry) -> Plan:
        """The compiled plan of ``entry`` (compiled now if no one has asked for it lately).

        Raises :class:`ManualError` with file and line when the manual has a mistake.
        """
        if entry.plan is not None:
            return entry.plan
        entry.read()  # its header read, or ManualError when it is left out
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
            # the content hash learnt, for the next process (written only when new)
            self.save_index()
            return plan

    def _compile(self, entry: Entry) -> Plan:
        wanted = self._learn_hash(entry)
        manual = self.store.get(wanted) if self.store is not None else None
        kept = manual is not None
        if manual is not None:
            # Kept by another process, perhaps from another working directory: name it from here.
            manual.root, manual.file = entry.folder, display_path(entry.folder / MANIFEST)
        else:
            manual = load_manual(entry.folder, tests=False)
        with keeping_code(self.store):
            plan = compile_manual(manual)
        if kept:
            return plan
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
        """Every version, by carrier, line, state and date, without compiling any (every header
        not read yet is read: a version whose header is wrong is left out)."""
        self._resolve_all()
        return list(self._entries)

    def carriers(self, line: str, state: str) -> list[str]:
        """Every carrier with a manual (any version) for ``line`` in ``state``, by id."""
        state = state.upper()
        self._resolve(line, state)
        return sorted(self._writers.get((line, state), ()))

    def __iter__(self) -> Iterator[Plan]:
        """Every plan (compiling each not held); a manual with a mistake is left out."""
        for entry in self.entries():
            try:
                yield self.plan_of(entry)
            except ManualError:
                continue

    def __len__(self) -> int:
        """How many versions are listed (less any whose header was found wrong so far)."""
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
        self._resolve(line, state)
        return [self.plan_of(e) for e in self._groups.get((carrier, line, state.upper()), [])]

    def select(self, carrier: str, line: str, state: str, as_of: dt.date) -> Plan:
        """The version in force on ``as_of``: the latest effective on or before it, unexpired."""
        self._resolve(line, state)
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
        A line and state whose headers are not read yet is not ready (reading them takes time).
        """
        state = state.upper()
        if (line, state) in self._pending:
            return False
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
