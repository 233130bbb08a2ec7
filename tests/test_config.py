"""Settings refused at start-up rather than misread."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rateshop.config import Settings


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"carrier_keys": {"pinnacle-direct": ""}}, "carrier_keys"),
        ({"carrier_keys": {"pinnacle-direct": "short"}}, "carrier_keys"),
        ({"rate_limit_compare": "lots"}, "rate_limit_compare"),
        ({"rate_limit_storage": "redis://127.0.0.1"}, "rate_limit_storage"),
    ],
)
def test_a_setting_that_would_weaken_the_service_is_refused(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    assert caught.value.errors()[0]["loc"] == (field,)


def test_the_default_rates_are_rates() -> None:
    # Defaults are not parsed when settings are read (that would import the rate library for
    # every command); they must still be what the limiter can read.
    from limits import parse

    defaults = Settings()
    for value in (defaults.rate_limit_compare, defaults.rate_limit_read):
        assert parse(value).amount > 0
