"""Columns of a book and the exact integer operations on them.

Numbers are ``int64`` arrays holding scaled integers, or ``object`` arrays of Python ints when a
product could overflow (:func:`safe_mul` switches where it must); conditions are ``bool`` arrays,
dates ``datetime64[D]``, and text is a :class:`Cat` (integer codes into a list of categories),
which keeps table lookups a gather. Rounding is half-up on integers, as on the single path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass
class Cat:
    """A text column: ``codes`` index into ``categories`` (-1 never appears)."""

    codes: npt.NDArray[np.int32]
    categories: list[str]

    @classmethod
    def encode(cls, values: Any) -> Cat:
        """Encode any sequence of strings."""
        arr = np.asarray(values, dtype=object).astype(str)
        cats, codes = np.unique(arr, return_inverse=True)
        return cls(codes.astype(np.int32), [str(c) for c in cats])

    def code_of(self, text: str) -> int:
        try:
            return self.categories.index(text)
        except ValueError:
            return -1

    def __len__(self) -> int:
        return len(self.codes)


Column = Any  # ndarray | Cat | a Python scalar broadcast over rows
Frame = dict[str, Column]
VFn = Callable[[Frame], Column]


class MissingColumn(KeyError):
    """A batch frame lacks a column a manual reads."""


def as_cat(value: Column, n: int) -> Cat:
    if isinstance(value, Cat):
        return value
    return Cat(np.zeros(n, dtype=np.int32), [str(value)])


def merge_cats(a: Cat, b: Cat) -> tuple[Cat, Cat]:
    cats = list(dict.fromkeys([*a.categories, *b.categories]))
    index = {c: i for i, c in enumerate(cats)}
    ra = np.array([index[c] for c in a.categories], dtype=np.int32)
    rb = np.array([index[c] for c in b.categories], dtype=np.int32)
    return Cat(ra[a.codes], cats), Cat(rb[b.codes], cats)


def half_up_div(num: Any, den: Any) -> Any:
    """``num / den`` rounded half away from zero, element-wise and exact (``den`` > 0)."""
    sign = np.where(num < 0, -1, 1)
    return sign * ((2 * np.abs(num) + den) // (2 * den))


LIMIT = 2**62


def magnitude(value: Any) -> int:
    """The largest absolute value in a column (or of a scalar), as a Python int."""
    if isinstance(value, np.ndarray):
        return int(np.abs(value).max()) if value.size else 0
    return abs(int(value))


def is_exact_object(value: Any) -> bool:
    """Whether a column holds Python ints (object dtype) rather than int64."""
    return getattr(value, "dtype", None) is np.dtype(object)


def safe_mul(a: Any, b: Any) -> Any:
    """``a * b`` exactly: int64 while the product provably fits, Python ints beyond."""
    if is_exact_object(a) or is_exact_object(b):
        return a * b
    if magnitude(a) * magnitude(b) < LIMIT:
        return a * b
    return np.asarray(a).astype(object) * (
        np.asarray(b).astype(object) if isinstance(b, np.ndarray) else int(b)
    )


def round_half_up_v(
    value: Any, from_scale: int, to_scale: int, nonneg: bool = False, in_place: bool = False
) -> Any:
    """Column version of :func:`rateshop.money.round_half_up`; ``nonneg`` skips sign handling,
    ``in_place`` lets it overwrite ``value`` (an int64 array the caller owns)."""
    # 10 ** k, not POW10: a long chain of factors may carry more decimals than it holds
    if to_scale >= from_scale:
        return safe_mul(value, 10 ** (to_scale - from_scale))
    div = 10 ** (from_scale - to_scale)
    half = div // 2
    if nonneg:
        if in_place and isinstance(value, np.ndarray) and value.dtype == np.int64:
            np.add(value, half, out=value)
            np.floor_divide(value, div, out=value)
            return value
        return (value + half) // div
    sign = np.where(value < 0, -1, 1)
    return sign * ((np.abs(value) + half) // div)


def rows(f: Frame) -> int:
    """The number of rows of a frame."""
    return int(f["__rows__"])
