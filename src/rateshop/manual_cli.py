"""The ``rateshop manual`` commands: check manuals and their stored cases, print the schema."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from rateshop.errors import ManualError
from rateshop.manual.folders import MANIFEST, display_path, find_manuals
from rateshop.manual.schema import schema_text
from rateshop.rating.cache import ManualStore, configured_store
from rateshop.rating.checks import run_cases
from rateshop.rating.emit import generated_sources
from rateshop.rating.library import Library, load_plan, name_problems, named_version
from rateshop.rating.plan import Plan

manual_app = typer.Typer(help="Work with rate manuals.", no_args_is_help=True)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    """An error on standard error in red; its text is never read as markup (a path, a field)."""
    errors.print(Text(message, style="red"), highlight=False)


@manual_app.command("check")
def manual_check(
    paths: Annotated[list[Path], typer.Argument(help="Manual folders, or folders of manuals.")],
) -> None:
    """Validate manuals and run the test cases stored beside them."""
    # each folder with the folder it was found in: a version's folder is named after it there
    folders = [(path, f) for path in paths for f in find_manuals(path)]
    if not folders:
        _fail(f"no manual.yaml found at or below {' '.join(map(str, paths))}")
        raise typer.Exit(2)
    broken = failed = cases = 0
    lib = Library()
    # Every manual checked is kept compiled for the processes that serve it next.
    store = configured_store()
    for path, folder in folders:
        shown = display_path(folder)
        try:
            plan = load_plan(folder)
            _check_name(path, folder, plan)
        except ManualError as exc:
            broken += 1
            console.print(Text.assemble(("✗", "red"), f" {shown}: {len(exc.problems)} problem(s)"))
            for p in exc.problems:
                console.print(f"    {p}", highlight=False, markup=False)
            continue
        try:
            lib.add(plan)
        except ManualError as exc:
            broken += 1
            for p in exc.problems:
                console.print(Text.assemble(("✗", "red"), f" {p}"), highlight=False)
            continue
        if store is not None:
            try:
                store.put(plan.manual)
            except OSError as exc:
                errors.print(f"[yellow]cannot keep {shown} compiled: {exc}[/yellow]")
        results = run_cases(plan)
        cases += len(results)
        bad = [r for r in results if not r.passed]
        failed += len(bad)
        mark = "[green]✓[/green]" if not bad else "[red]✗[/red]"
        console.print(
            f"{mark} {shown}  {plan.key}  {len(results) - len(bad)}/{len(results)} cases pass"
        )
        for r in bad:
            where = f"{plan.manual.tests_file}:{r.case.line}"
            for f in r.failures:
                console.print(f"    {where}: {r.case.name}: {f}", highlight=False, markup=False)
    if store is not None:
        _index(paths, store)
    ok = len(folders) - broken
    console.print(f"{ok}/{len(folders)} manuals load; {cases - failed}/{cases} stored cases pass")
    if broken or failed:
        raise typer.Exit(1)


def _check_name(path: Path, folder: Path, plan: Plan) -> None:
    """Raise :class:`ManualError` when ``folder``, found in ``path``, is named after another
    version than its header says (a server would leave it out)."""
    base = path.parent if path.name == MANIFEST else path
    named = named_version(os.path.relpath(folder, base))
    if named is not None:
        problems = name_problems(folder, named, plan.manual.identity)
        if problems:
            raise ManualError(problems)


def _index(paths: list[Path], store: ManualStore) -> None:
    """Write the index of the manuals checked (identities, content hashes), so the processes
    that serve them next start warm."""
    listed = Library.load(*paths, strict=False, store=store)
    for entry in listed.entries():
        with contextlib.suppress(ManualError, OSError):
            listed.hash_of(entry)
    listed.save_index()


@manual_app.command("code")
def manual_code(
    path: Annotated[Path, typer.Argument(help="A manual folder or its manual.yaml.")],
) -> None:
    """Print the Python a manual compiles to: its rating chains, risk check and flattening.

    Tracebacks from a rated risk name these functions' files (``<rating plan ... units>``).
    """
    folders = find_manuals(path)
    if not folders:
        _fail(f"no manual.yaml found at or below {path}")
        raise typer.Exit(2)
    for folder in folders:
        try:
            plan = load_plan(folder, tests=False)
        except ManualError as exc:
            _fail(f"{display_path(folder)}: {len(exc.problems)} problem(s)")
            for p in exc.problems:
                errors.print(f"    {p}", highlight=False, markup=False)
            raise typer.Exit(1) from exc
        code = plan.code
        for filename, text in generated_sources(code.unit, code.policy, code.check, code.flatten):
            typer.echo(f"# {filename}\n{text}")


@manual_app.command("schema")
def manual_schema() -> None:
    """Print the JSON Schema of manual.yaml (for an editor to check a manifest as it is typed)."""
    typer.echo(schema_text(), nl=False)


def register(app: typer.Typer) -> None:
    """Add the ``manual`` commands to the ``rateshop`` command line."""
    app.add_typer(manual_app, name="manual")
