"""``rateshop book generate``, ``rateshop analyze`` and ``rateshop impact``: the analysts' commands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from rateshop.config import settings
from rateshop.errors import ManualError, RateshopError

# Arrow, pandas and Dask (and the modules using them) are imported by the commands themselves:
# every other command of the command line starts without them.

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

book_app = typer.Typer(help="Synthetic books of business.", no_args_is_help=True)

# Metro ZIPs (those a territory table names one by one) are this many times as likely as others.
METRO_WEIGHT = 40.0


class _Rate(TextColumn):
    """Rows per second so far."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task: object) -> Text:
        speed = getattr(task, "speed", None)
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="cyan")


@contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def _fail(message: str) -> None:
    errors.print(Text(message, style="red"), highlight=False)


@book_app.command("generate")
def book_generate(
    out: Annotated[Path, typer.Option("--out", help="The Parquet file to write.")],
    rows: Annotated[int, typer.Option("--rows", min=1, help="Policies in the book.")] = 100_000,
    line: Annotated[str, typer.Option("--line", help="Line of business (auto).")] = "auto",
    state: Annotated[str, typer.Option("--state", help="State the book is written in.")] = "TX",
    seed: Annotated[int, typer.Option("--seed", help="The same seed, the same book.")] = 1,
    effective: Annotated[
        str | None, typer.Option("--effective", help="Policies' effective date (default today).")
    ] = None,
    bad_share: Annotated[
        float,
        typer.Option("--bad-share", min=0.0, max=1.0, help="Share of rows spoiled on purpose."),
    ] = 0.0,
) -> None:
    """Write a synthetic book of business with realistic joint distributions, for demos and
    benchmarks."""
    from rateshop.analysis.market import market_plans
    from rateshop.analysis.synthetic import (
        BookSpec,
        delivery_zips,
        generate_book,
        territory_zips,
        write_book,
    )
    from rateshop.rating.library import Library

    if line != "auto":
        _fail("only auto books can be generated so far")
        raise typer.Exit(2)
    zips = delivery_zips(state)
    if not zips:
        _fail(f"no ZIP codes known for state {state!r}")
        raise typer.Exit(2)
    when = dt.date.fromisoformat(effective) if effective else dt.date.today()
    conf = settings()
    try:
        plans = market_plans(Library.load(conf.manuals), line, state, when)
    except RateshopError:
        plans = []
    metro = territory_zips(plans)
    spec = BookSpec(
        state.upper(), zips, [METRO_WEIGHT if z in metro else 1.0 for z in zips], when, seed,
        bad_share,
    )  # fmt: skip
    with _progress("generating", rows) as advance:
        written = write_book(generate_book(spec, rows), out, advance)
    console.print(f"{written:,} policies written to {out}")


def _as_of(text: str | None) -> dt.date:
    return dt.date.fromisoformat(text) if text else dt.date.today()


def analyze_command(
    book: Annotated[Path, typer.Argument(help="The book: Parquet or CSV.", exists=True)],
    out: Annotated[Path, typer.Option("--out", help="Folder for the results and the report.")],
    carriers: Annotated[
        list[str] | None, typer.Option("--carriers", help="Only these carriers (repeatable).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Manuals in force on this date (default today).")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="local or dask")] = "local",
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="A Dask scheduler's address (dask engine).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Processes (default: every core).")
    ] = None,
    ports: Annotated[
        str | None,
        typer.Option(
            "--ports", help="FIRST:LAST ports a local Dask cluster may use (default: any)."
        ),
    ] = None,
    line: Annotated[str, typer.Option("--line")] = "auto",
) -> None:
    """Rate every risk of a book against every carrier writing it; write Parquet results, an
    errors file and an offline HTML report."""
    from rateshop.analysis.book import book_rows
    from rateshop.analysis.market import analyze, book_state, market_plans
    from rateshop.rating.library import Library

    if engine not in ("local", "dask"):
        _fail("--engine is local or dask")
        raise typer.Exit(2)
    port_range = None
    if ports:
        first, _, last = ports.partition(":")
        if not (first.isdigit() and last.isdigit() and int(first) + 2 < int(last)):
            _fail("--ports is FIRST:LAST, e.g. 18200:18299")
            raise typer.Exit(2)
        port_range = (int(first), int(last))
    try:
        state = book_state(book)
        plans = market_plans(
            Library.load(settings().manuals), line, state, _as_of(as_of), carriers or ()
        )
    except RateshopError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc
    if not plans:
        _fail(f"no carrier writes {line} in {state}")
        raise typer.Exit(2)
    with _progress(f"rating × {len(plans)} carriers", book_rows(book)) as advance:
        done = analyze(
            book, out, plans, state=state, engine=engine,  # type: ignore[arg-type]
            scheduler=scheduler, workers=workers, ports=port_range, progress=advance,
            title=f"{line.title()} market in {state}: {book.name}",
        )  # fmt: skip
    console.print(
        f"{done.rows:,} rows rated against {len(plans)} carriers; {done.error_rows:,} error rows\n"
        f"results: {done.results}\nerrors:  {done.errors}\nreport:  {done.report}"
    )


def impact_command(
    old_manual: Annotated[Path, typer.Argument(help="The manual in force now.", exists=True)],
    new_manual: Annotated[Path, typer.Argument(help="The proposed manual.", exists=True)],
    book: Annotated[Path, typer.Argument(help="The book: Parquet or CSV.", exists=True)],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the results and the report.")
    ] = Path("impact"),
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Processes (default: every core).")
    ] = None,
) -> None:
    """Rate-change impact (dislocation) of moving a book from one manual version to another."""
    from rateshop.analysis.book import book_rows
    from rateshop.analysis.impact import impact
    from rateshop.analysis.market import book_state
    from rateshop.rating.library import load_plan

    try:
        old, new = load_plan(old_manual), load_plan(new_manual)
        state = book_state(book)
    except (ManualError, RateshopError) as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc
    with _progress("re-rating", book_rows(book)) as advance:
        done = impact(book, out, old, new, state=state, workers=workers, progress=advance)
    s = done.overall
    console.print(
        f"{done.rows:,} policies; {s.compared:,} priced by both manuals\n"
        f"overall rate change: {s.rate_change:+.2%}  (old {s.old_premium / 100:,.0f} → "
        f"new {s.new_premium / 100:,.0f} written premium)\n"
        f"results: {done.results}\nreport:  {done.report}"
    )


def register(app: typer.Typer) -> None:
    """Add the analysts' commands to the ``rateshop`` command line."""
    app.add_typer(book_app, name="book")
    app.command("analyze")(analyze_command)
    app.command("impact")(impact_command)
