"""Rate a whole book of risks against one manual in one column-wise pass.

A book (:mod:`rateshop.rating.book`) is cut into chunks that stay in the CPU cache, each run
column-wise by a plan's :class:`~rateshop.rating.book_runner.Runner` (built once per plan), and
the chunks' answers joined. The answers are those of :func:`rateshop.rating.single.rate`, cent
for cent.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rateshop.rating.book import Book, book_from_risks, chunks as _chunks
from rateshop.rating.book_runner import (
    DECLINE,
    ERROR,
    QUOTE,
    BatchResult,
    Runner as _Runner,
    VStep as _VStep,
)
from rateshop.rating.columns import LIMIT
from rateshop.rating.plan import Plan

# What this module offered before books and their running had modules of their own: the fused
# kernels (rateshop.rating.fused) and the analysis read them from here.
__all__ = [
    "CHUNK",
    "DECLINE",
    "ERROR",
    "LIMIT",
    "QUOTE",
    "BatchResult",
    "Book",
    "_Runner",
    "_VStep",
    "_chunks",
    "_concat",
    "book_from_risks",
    "rate_book",
    "rate_many",
]

# Each plan's runner, for as long as the plan lives (a plan let go by the library's bounded cache
# takes its runner with it).
_RUNNERS: weakref.WeakKeyDictionary[Plan, _Runner] = weakref.WeakKeyDictionary()

# Rows per pass: small enough that a pass's columns stay in the CPU cache, large enough that
# NumPy's per-call cost is spread thin (measured best between 16k and 64k on this machine).
CHUNK = 32_768


def _concat(results: list[BatchResult]) -> BatchResult:
    if len(results) == 1:
        return results[0]
    first = results[0]
    declined: dict[int, list[str]] = {}
    errors: dict[int, str] = {}
    offset = 0
    for r in results:
        declined.update({i + offset: v for i, v in r.declined.items()})
        errors.update({i + offset: v for i, v in r.errors.items()})
        offset += len(r.premium)
    return BatchResult(
        premium=np.concatenate([r.premium for r in results]),
        total=np.concatenate([r.total for r in results]),
        fees={k: np.concatenate([r.fees[k] for r in results]) for k in first.fees},
        components={
            k: np.concatenate([r.components[k] for r in results]) for k in first.components
        },
        status=np.concatenate([r.status for r in results]),
        declined=declined,
        errors=errors,
    )


def rate_book(plan: Plan, book: Book, chunk: int = CHUNK) -> BatchResult:
    """Rate every risk of ``book`` with ``plan``, column-wise, a cache-sized chunk at a time."""
    runner = _RUNNERS.get(plan)
    if runner is None:
        runner = _RUNNERS[plan] = _Runner(plan)
    return _concat([runner.run(part) for part in _chunks(book, chunk)])


def rate_many(plan: Plan, risks: Sequence[Mapping[str, Any]]) -> BatchResult:
    """Prepare and rate a list of JSON risks in one pass."""
    return rate_book(plan, book_from_risks(plan, risks))
