"""``analyze``: a book against every carrier writing it, to Parquet, an errors file and a report.

The same as Python functions: :func:`analyze` for a book on disk (streamed, any engine) and
:func:`analyze_table` for a book already in memory as an Arrow table or a pandas frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rateshop.analysis.book import CHUNK_ROWS, Chunk, conform, read_chunks
from rateshop.analysis.engines import (
    Context,
    EngineName,
    Outcome,
    dask_engine,
    local_engine,
    rate_chunks,
    work,
)
from rateshop.analysis.rate import ERRORS_SCHEMA, RESULT_SCHEMA
from rateshop.analysis.report import market_report
from rateshop.analysis.summary import Summary, combine
from rateshop.errors import BookError
from rateshop.rating.library import Library
from rateshop.rating.plan import Plan
from rateshop.risk.places import zips_of

__all__ = ["Analysis", "analyze", "analyze_table", "book_state", "market_plans"]


@dataclass(frozen=True)
class Analysis:
    """Where a run wrote its files, and what it counted."""

    results: Path
    errors: Path
    report: Path
    rows: int
    error_rows: int
    summary: Summary


def market_plans(
    library: Library, line: str, state: str, as_of: dt.date, carriers: Sequence[str] = ()
) -> list[Plan]:
    """The plans in force on ``as_of`` of every carrier writing ``line`` in ``state`` (or only
    ``carriers``), in carrier order."""
    plans = library.in_force(line, state, as_of)
    if carriers:
        wanted = set(carriers)
        unknown = wanted - {p.manual.identity.carrier for p in plans}
        if unknown:
            raise BookError(
                f"no {line} manual in force in {state} on {as_of.isoformat()} for: "
                + ", ".join(sorted(unknown))
            )
        plans = [p for p in plans if p.manual.identity.carrier in wanted]
    return sorted(plans, key=lambda p: p.manual.identity.carrier)


def book_state(path: Path) -> str:
    """The state of a book, read from its first row."""
    for chunk in read_chunks(path, rows=1):
        if chunk.table.num_rows:
            return str(chunk.table.column("state")[0].as_py())
    raise BookError(f"{path.name}: the book has no rows")


def analyze(
    book: Path,
    out: Path,
    plans: Sequence[Plan],
    *,
    state: str,
    engine: EngineName = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    ports: tuple[int, int] | None = None,
    progress: Callable[[int], None] | None = None,
    title: str = "Market analysis",
) -> Analysis:
    """Rate every row of ``book`` with every plan; write ``results.parquet``, ``errors.csv`` and
    ``report.html`` into ``out``. Bad rows go to the errors file; they never stop the run.

    ``ports`` (first, last) keeps a local Dask cluster within a range of ports."""
    out.mkdir(parents=True, exist_ok=True)
    context = Context(tuple(plans), frozenset(zips_of(state)), state.upper())
    results_path, errors_path = out / "results.parquet", out / "errors.csv"
    summaries: list[Summary] = []
    counts = {"rows": 0, "errors": 0}
    runner = (
        dask_engine(context, scheduler, workers, ports)
        if engine == "dask"
        else local_engine(context, workers)
    )
    with (
        pq.ParquetWriter(results_path, RESULT_SCHEMA, compression="zstd") as writer,
        pacsv.CSVWriter(errors_path, ERRORS_SCHEMA) as err_writer,
        runner as ready,
    ):

        def done(outcome: Outcome, n: int) -> None:
            writer.write_table(outcome.rated.results)
            err_writer.write_table(outcome.rated.errors)
            summaries.append(outcome.summary)
            counts["rows"] += n
            counts["errors"] += outcome.rated.errors.num_rows
            if progress is not None:
                progress(n)

        rate_chunks(ready, read_chunks(book), done)
    summary = combine(summaries) if summaries else None
    report_path = out / "report.html"
    if summary is not None:
        report_path.write_text(
            market_report(summary, plans, title=title, rows=counts["rows"]), encoding="utf-8"
        )
    else:
        report_path.write_text("<!doctype html><p>The book has no rows.</p>", encoding="utf-8")
    return Analysis(
        results_path,
        errors_path,
        report_path,
        counts["rows"],
        counts["errors"],
        summary if summary is not None else Summary(pd.DataFrame(), pd.DataFrame()),
    )


def analyze_table(
    book: pa.Table | pd.DataFrame, plans: Sequence[Plan], state: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rate a book held in memory, in this process: the result rows and the error rows."""
    table = conform(
        book if isinstance(book, pa.Table) else pa.Table.from_pandas(book, preserve_index=False)
    )
    context = Context(tuple(plans), frozenset(zips_of(state)), state.upper())
    results, errors = [], []
    for first in range(0, max(table.num_rows, 1), CHUNK_ROWS):
        part = table.slice(first, CHUNK_ROWS)
        outcome = work(context, Chunk(first // CHUNK_ROWS, first, part))
        results.append(outcome.rated.results)
        errors.append(outcome.rated.errors)
    return (
        pa.concat_tables(results).to_pandas(),
        pa.concat_tables(errors).to_pandas(),
    )
