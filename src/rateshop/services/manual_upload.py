"""Installing a carrier's new manual version from a .zip: checked first, all or nothing.

The archive is unpacked into a temporary folder inside the carrier's folder of the manuals
directory, so references like ``../common/territory.csv`` resolve as they will once installed. The
manual is loaded and its stored cases run exactly as ``rateshop manual check`` does; any problem
removes the temporary folder and changes nothing. A good manual is renamed into place (atomic on one
file system), recorded for every server in the store (see :mod:`rateshop.services.market`; if
that fails, the folder is taken back out), and added to the running library.

Whatever is wrong with an archive (a damaged entry, a name that is both a file and a folder, a path
leaving the folder, too many entries or bytes, text that is not UTF-8) is an :class:`UploadRejected`
naming the file (as it is in the upload, never a path on the server), the line where there is one,
and the reason.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rateshop.errors import ManualError, Problem, RateshopError
from rateshop.manual.folders import MANIFEST
from rateshop.rating.checks import run_cases
from rateshop.rating.library import Library, load_plan
from rateshop.rating.plan import Plan

MAX_ZIP_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_FILES = 500
# How an installed manual's files are named in messages: the upload is the folder ``upload``.
UPLOAD_NAME = "upload"

# One install at a time per process: two uploads must not both decide a folder name is free.
_installing = threading.Lock()


class UploadRejected(RateshopError):
    """An uploaded manual was not installed; ``problems`` says every reason, with file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Installed:
    """A manual version now in the manuals directory, in the store and in the running library."""

    folder: Path
    plan: Plan


def _members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The archive's files with their paths inside the manual folder; unsafe paths are refused."""
    entries = archive.infolist()
    if len(entries) > MAX_FILES:
        raise UploadRejected([f"the .zip holds {len(entries)} entries; at most {MAX_FILES}"])
    files = [info for info in entries if not info.is_dir()]
    if not files:
        raise UploadRejected(["the .zip is empty"])
    paths = []
    for info in files:
        path = PurePosixPath(info.filename)
        if info.filename.startswith(("/", "\\")) or "\\" in info.filename or ":" in path.parts[0]:
            raise UploadRejected([f"{info.filename}: absolute paths are not allowed in the .zip"])
        if any(part in ("..", "") for part in path.parts):
            raise UploadRejected([f"{info.filename}: a path may not leave the manual's folder"])
        paths.append(path)
    if sum(info.file_size for info in files) > MAX_UNPACKED_BYTES:
        raise UploadRejected([f"the .zip unpacks to more than {MAX_UNPACKED_BYTES} bytes"])
    _check_names(paths)
    # A manual zipped with its folder (auto-tx-2026-09-01/manual.yaml): drop that one folder.
    tops = {p.parts[0] for p in paths}
    if (
        PurePosixPath(MANIFEST) not in paths
        and len(tops) == 1
        and all(len(p.parts) > 1 for p in paths)
    ):
        paths = [PurePosixPath(*p.parts[1:]) for p in paths]
    if PurePosixPath(MANIFEST) not in paths:
        raise UploadRejected([f"the .zip has no {MANIFEST} at its top (zip one manual's folder)"])
    return list(zip(files, paths, strict=True))


def _check_names(paths: list[PurePosixPath]) -> None:
    """Refuse a name given twice, or given to a file and to a folder holding other files."""
    seen: set[PurePosixPath] = set()
    for path in paths:
        if path in seen:
            raise UploadRejected([f"{path}: the .zip holds this file twice"])
        seen.add(path)
    folders = {parent for path in paths for parent in path.parents}
    for path in paths:
        if path in folders:
            raise UploadRejected([f"{path}: the .zip holds a file and a folder of this name"])


def _unpack(data: bytes, into: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadRejected([f"the file is not a .zip archive: {exc}"]) from exc
    with archive:
        written = 0
        for info, path in _members(archive):
            target = into.joinpath(*path.parts)
            # Belt and braces over the checks above: nothing is written outside the folder.
            if not target.resolve().is_relative_to(into.resolve()):
                raise UploadRejected([f"{info.filename}: a path may not leave the manual's folder"])
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, target.open("wb") as sink:
                    # Sizes are counted as written too, not only as the archive declares them.
                    while chunk := source.read(64 * 1024):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise UploadRejected(
                                [f"the .zip unpacks to more than {MAX_UNPACKED_BYTES} bytes"]
                            )
                        sink.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise UploadRejected([f"{info.filename}: damaged in the .zip ({exc})"]) from exc


def _check_text(unpacked: Path) -> None:
    """Every file of a manual is UTF-8 text; say where the first byte that is not is, per file."""
    problems = []
    for path in sorted(p for p in unpacked.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            where = f"{UPLOAD_NAME}/{path.relative_to(unpacked).as_posix()}:{line}"
            problems.append(
                f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column}); "
                "save the file as UTF-8"
            )
    if problems:
        raise UploadRejected(problems)


def _without_server_paths(text: str, unpacked: Path, manuals: Path) -> str:
    """``text`` with the server's folders replaced by the names an admin knows."""
    for folder, shown in ((unpacked, UPLOAD_NAME), (manuals, "manuals")):
        for spelled in {str(folder), str(folder.resolve())}:
            text = re.sub(re.escape(spelled) + r"(?=[/\\]|\b|$)", shown, text)
    return text


def _shown(problem: Problem, unpacked: Path, name: str, manuals: Path) -> str:
    """A problem as ``file:line: reason`` with the file named as it will be once installed."""
    path = Path(problem.file)
    for base, prefix in ((unpacked, name), (manuals, "")):
        try:
            relative = path.resolve().relative_to(base.resolve())
        except ValueError:
            continue
        where = f"{prefix}/{relative.as_posix()}" if prefix else relative.as_posix()
        return str(
            Problem(where, problem.line, _without_server_paths(problem.reason, unpacked, manuals))
        )
    return _without_server_paths(str(problem), unpacked, manuals)


def _check(folder: Path, carrier: str, library: Library) -> Plan:
    """Load and check the manual in ``folder`` as ``rateshop manual check`` does."""
    plan = load_plan(folder)
    ident = plan.manual.identity
    if ident.carrier != carrier:
        raise UploadRejected(
            [
                f"{MANIFEST}: manual.carrier is {ident.carrier!r}, but it was uploaded for {carrier!r}"
            ]
        )
    # A second version with the same carrier, line, state and date is refused.
    for entry in library.entries():
        if entry.key == ident.key:
            raise UploadRejected(
                [f"{MANIFEST}: {ident.key} is also defined in {entry.folder.parent.name}/"
                 f"{entry.folder.name}; versions are never replaced"]
            )  # fmt: skip
    failures = [
        f"{plan.manual.tests_file}:{result.case.line}: {result.case.name}: {failure}"
        for result in run_cases(plan)
        for failure in result.failures
    ]
    if failures:
        raise UploadRejected(failures)
    return plan


def install(
    data: bytes,
    carrier: str,
    manuals: Path,
    library: Library,
    publish: Callable[[Path, str], object],
) -> Installed:
    """Check the manual zipped in ``data`` and install it for ``carrier`` under ``manuals``.

    ``publish(folder, content_hash)`` records the installed folder for every server (in one
    transaction); what it raises is the upload's failure, and the folder is removed again.
    Raises :class:`UploadRejected` with every problem (file, line, reason) and leaves the manuals
    directory as it was; on success the version is in ``library`` and its plan is returned.
    """
    if len(data) > MAX_ZIP_BYTES:
        raise UploadRejected([f"the .zip is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB"])
    carrier_folder = manuals / carrier
    with _installing:
        carrier_folder.mkdir(parents=True, exist_ok=True)
        unpacked = Path(tempfile.mkdtemp(prefix=".upload-", dir=carrier_folder))
        try:
            _unpack(data, unpacked)
            nested = [
                p.relative_to(unpacked).as_posix()
                for p in unpacked.rglob(MANIFEST)
                if p.parent != unpacked
            ]
            if nested:
                raise UploadRejected(
                    [f"a .zip holds one manual, at its top; found another in {', '.join(nested)}"]
                )
            _check_text(unpacked)
            try:
                plan = _check(unpacked, carrier, library)
            except ManualError as exc:
                raise UploadRejected(
                    [_shown(p, unpacked, UPLOAD_NAME, manuals) for p in exc.problems]
                ) from exc
            except (OSError, ValueError, RecursionError) as exc:
                # A manual the loader could not take apart: its reason, without server paths.
                reason = _without_server_paths(str(exc), unpacked, manuals)
                raise UploadRejected(
                    [f"{UPLOAD_NAME}: the manual could not be read: {reason}"]
                ) from exc
            ident = plan.manual.identity
            name = f"{ident.line}-{ident.state.lower()}-{ident.effective.isoformat()}"
            folder = carrier_folder / name
            # The loader allows only plain words in these names; never leave the carrier's folder.
            if folder.resolve().parent != carrier_folder.resolve():
                raise UploadRejected([f"{MANIFEST}: {name!r} is not a folder name"])
            if folder.exists():
                raise UploadRejected(
                    [f"{carrier}/{name} exists already; versions are never replaced"]
                )
            unpacked.rename(folder)
            try:
                publish(folder, plan.manual.content_hash)
            except BaseException:
                folder.rename(unpacked)  # as it was: no server will quote it
                raise
            library.add_folder(folder)
            return Installed(folder, plan)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
