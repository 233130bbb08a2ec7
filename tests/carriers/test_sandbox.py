"""The sandbox's own options: latency ranges, an error rate, its stats."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest
from sandboxkit import ROOT, RunningSandbox

from rateshop.carriers.sandbox_options import parse_latency

REQUEST = (ROOT / "tests" / "carriers" / "fixtures" / "sandbox" / "request_auto.json").read_bytes()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("200-900ms", (0.2, 0.9)), ("0.5-1s", (0.5, 1.0)), ("300ms", (0.3, 0.3)), ("0", (0.0, 0.0))],
)
def test_latency_ranges(text: str, seconds: tuple[float, float]) -> None:
    assert parse_latency(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["fast", "900-200ms", "-5ms"])
def test_a_latency_that_is_not_a_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="latency"):
        parse_latency(text)


@pytest.fixture
def flaky() -> Iterator[RunningSandbox]:
    served = RunningSandbox(error_rate=0.5, latency=(0.1, 0.1), seed=7).start()
    yield served
    served.stop()


def test_an_error_rate_fails_that_share_of_quotes_after_the_latency(flaky: RunningSandbox) -> None:
    waited: list[int] = []
    wait = flaky.sandbox._wait

    async def counted() -> None:
        await wait()
        waited.append(1)

    flaky.sandbox._wait = counted  # type: ignore[method-assign]

    async def forty() -> list[int]:
        async with aiohttp.ClientSession() as session:

            async def one() -> int:
                async with session.post(
                    f"{flaky.url}/v1/quotes",
                    data=REQUEST,
                    headers={"Content-Type": "application/json"},
                ) as got:
                    await got.read()
                    return got.status

            return await asyncio.gather(*(one() for _ in range(40)))

    answers = asyncio.run(forty())
    failed = answers.count(500)
    assert 8 <= failed <= 32  # half of forty, give or take
    assert len(waited) == 40  # every answer, failed or not, came after the latency was waited
    assert flaky.stats["quote_requests"] == 40
