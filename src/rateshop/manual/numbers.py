"""Reading decimal text from manuals and risks without letting its size cost anything.

A decimal such as ``1e999999`` is a few characters long but expands to a million digits when it
becomes an exact integer (a minute of CPU), and ``1e9999999`` overflows outright. Every number a
manual or a risk writes as text is read here: its length and magnitude are checked on the
:class:`~decimal.Decimal` first, which costs nothing, and only then is it scaled.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from rateshop.money import parse_scaled

MAX_NUMBER_CHARS = 64
# No figure in insurance rating has more than 40 digits before or after the point.
MAX_DIGITS = 40


class NumberTooLarge(ValueError):
    """A number is well-formed but has more digits than any rating figure can have."""


def read_scaled(text: str) -> tuple[int, int]:
    """Parse decimal ``text`` into ``(scaled integer, scale)`` like ``money.parse_scaled``.

    Raises ``ValueError`` for anything but a decimal number, and :class:`NumberTooLarge` for one
    with more than ``MAX_DIGITS`` digits on either side of the point.
    """
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_CHARS:
        raise NumberTooLarge(f"{stripped[:20]!r}... is longer than {MAX_NUMBER_CHARS} characters")
    try:
        d = Decimal(stripped)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{stripped!r} is not a number") from exc
    if not d.is_finite():
        raise ValueError(f"{stripped!r} is not a finite number")
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    if d.adjusted() >= MAX_DIGITS or -exponent > MAX_DIGITS:
        raise NumberTooLarge(f"{stripped!r} has more than {MAX_DIGITS} digits")
    return parse_scaled(stripped)
