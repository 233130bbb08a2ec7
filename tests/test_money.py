"""Money and exact decimals: scaled integers turned into Decimals and text without rounding."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from rateshop.money import decimal_text, to_decimal


@given(st.integers(min_value=-(10**80), max_value=10**80), st.integers(min_value=0, max_value=150))
def test_a_scaled_integer_is_its_decimal_exactly_however_long(value: int, scale: int) -> None:
    exact = to_decimal(value, scale)
    sign, digits, exponent = exact.as_tuple()
    assert exponent == -scale
    assert (-1) ** sign * int("".join(map(str, digits))) == value
    assert Decimal(decimal_text(value, scale)).as_tuple() == exact.as_tuple()


def test_a_long_running_total_keeps_every_digit() -> None:
    # 15 unrounded three-decimal factors carry 45 decimals: more digits than Decimal's context.
    value = 3794016102062774987806360989512345678901234567
    assert str(to_decimal(value, 43)) == "379.4016102062774987806360989512345678901234567"
