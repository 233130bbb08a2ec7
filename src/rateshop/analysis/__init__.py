"""Market analysis at scale: a book of business against every carrier, and rate-change impact.

An outer room of the house: it reads risks, manuals, rating and comparison, and nothing reads it
but the command line. Every command is also a function on Arrow tables or pandas frames.
"""

from rateshop.analysis.book import BOOK_SCHEMA, read_chunks, risks_of
from rateshop.analysis.impact import Impact, impact, impact_rows, impact_table
from rateshop.analysis.market import Analysis, analyze, analyze_table, market_plans
from rateshop.analysis.summary import Summary, aggregate, combine, summarise
from rateshop.analysis.synthetic import (
    BookSpec,
    delivery_zips,
    generate_book,
    generate_chunk,
    territory_zips,
    write_book,
)

__all__ = [
    "BOOK_SCHEMA",
    "Analysis",
    "BookSpec",
    "Impact",
    "Summary",
    "aggregate",
    "analyze",
    "analyze_table",
    "combine",
    "delivery_zips",
    "generate_book",
    "generate_chunk",
    "impact",
    "impact_rows",
    "impact_table",
    "market_plans",
    "read_chunks",
    "risks_of",
    "summarise",
    "territory_zips",
    "write_book",
]
