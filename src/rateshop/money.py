"""Exact money and factor arithmetic on scaled integers.

A number in rating is an ``int`` holding ``value * 10**scale``; the scale of every intermediate
is fixed when a manual is compiled, so the hot paths only multiply, add and round integers.
Rounding happens only where a manual says, always half-up (away from zero on a tie), which is
how filed manuals state it ("50 cents and over rounds up").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

POW10: tuple[int, ...] = tuple(10**k for k in range(40))
MONEY_SCALE = 2  # amounts on quotes are whole cents


@dataclass(frozen=True, slots=True)
class Rounding:
    """A named rounding rule: round half-up to ``decimals`` places."""

    name: str
    decimals: int

    def __str__(self) -> str:
        return self.name


HALF_UP_CENT = Rounding("cent", 2)
WHOLE_DOLLAR = Rounding("dollar", 0)
HALF_UP_MILL = Rounding("3 decimals", 3)

NAMED_ROUNDINGS: dict[str, Rounding] = {
    "cent": HALF_UP_CENT,
    "dollar": WHOLE_DOLLAR,
    "whole": WHOLE_DOLLAR,
    "mill": HALF_UP_MILL,
}


def rounding_from(spec: object) -> Rounding:
    """Read a rounding rule from a manual: a name (``cent``, ``dollar``) or a number of decimals."""
    if isinstance(spec, bool):
        raise ValueError(f"rounding must be one of {sorted(NAMED_ROUNDINGS)} or 0-9 decimals")
    if isinstance(spec, int) and 0 <= spec <= 9:
        return Rounding(f"{spec} decimals", spec)
    if isinstance(spec, str) and spec in NAMED_ROUNDINGS:
        return NAMED_ROUNDINGS[spec]
    raise ValueError(
        f"unknown rounding {spec!r}; use one of {sorted(NAMED_ROUNDINGS)} or 0-9 decimals"
    )


def round_half_up(value: int, from_scale: int, to_scale: int) -> int:
    """Rescale a scaled integer, rounding half away from zero when decimals are dropped."""
    if to_scale >= from_scale:
        return value * POW10[to_scale - from_scale]
    div = POW10[from_scale - to_scale]
    if value >= 0:
        return (value + div // 2) // div
    return -((-value + div // 2) // div)


def div_half_up(num: int, den: int) -> int:
    """``num / den`` rounded half away from zero, exactly (``den`` > 0)."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((-2 * num + den) // (2 * den))


def rescale(value: int, from_scale: int, to_scale: int) -> int:
    """Bring a scaled integer to a larger scale (exact); rounds half-up if the scale shrinks."""
    return round_half_up(value, from_scale, to_scale)


# Below this, ``scaleb`` cannot round: the value has fewer digits than any context keeps (28 by
# default). A running total of a long chain of unrounded factors may have many more.
_CONTEXT_SAFE = 10**27


def to_decimal(value: int, scale: int) -> Decimal:
    """The exact Decimal of a scaled integer, however many digits it has."""
    if -_CONTEXT_SAFE < value < _CONTEXT_SAFE:
        return Decimal(value).scaleb(-scale)
    # Built from its digits: no context rounds a Decimal made from a tuple.
    digits = tuple(int(d) for d in str(abs(value)))
    return Decimal((int(value < 0), digits, -scale))


# Digits written without Decimal: well below any context's precision.
_PLAIN_DIGITS = 18


def decimal_text(value: int, scale: int) -> str:
    """``str(to_decimal(value, scale))``, written from the integer's digits without a Decimal.

    Worksheets print thousands of these per comparison. Decimal writes plain notation when the
    exponent is at most zero and the adjusted exponent at least -6; the rare other cases (a
    negative scale, seven or more decimals on a small number, or more digits than a Decimal
    context might keep) are left to Decimal itself.
    """
    digits = str(-value if value < 0 else value)
    if scale < 0 or len(digits) > _PLAIN_DIGITS or len(digits) - 1 - scale < -6:
        return str(to_decimal(value, scale))
    if scale == 0:
        return str(value)
    if len(digits) <= scale:
        digits = "0" * (scale + 1 - len(digits)) + digits
    text = f"{digits[:-scale]}.{digits[-scale:]}"
    return "-" + text if value < 0 else text


def parse_scaled(text: str) -> tuple[int, int]:
    """Parse a decimal literal into ``(scaled integer, scale)`` without passing through float.

    Raises ``ValueError`` for anything but an optionally signed decimal number.
    """
    try:
        d = Decimal(text.strip())
    except Exception as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if not d.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    scale = max(0, -exp)
    return int(d.scaleb(scale)), scale


def format_money(value: int, scale: int) -> str:
    """Human text for a scaled amount, at least to the cent: ``1,484.38``."""
    d = to_decimal(value, scale)
    if scale < 2:
        d = d.quantize(Decimal("0.01"))
    return f"{d:,}"


def quotient(dv: int, nv: int, mode: str) -> int:
    """``nv / dv`` (``dv`` not zero) rounded as ``mode`` says (``half_up``, ``floor``, else up),
    the signs moved to the numerator first; the divisor comes first, as it is computed first."""
    if dv < 0:
        nv, dv = -nv, -dv
    if mode == "half_up":
        return div_half_up(nv, dv)
    if mode == "floor":
        return nv // dv
    return -((-nv) // dv)
