"""Carriers held until a test releases them, so a test proves its point by the order of events.

A test that needs "the comparison did not wait for this carrier" or "this answer arrived before that
one" holds a carrier at a :class:`Gate` rather than giving it a delay: the carrier is asked, says so,
and answers only once the test opens the gate. Nothing depends on how fast the machine is.

The gate is made of ``threading.Event`` objects, so it works whether the carrier runs on the test's
own event loop or on a server's loop in another thread; the held carrier looks at it between short
sleeps, so a comparison that gives up on it can still cancel it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

from rateshop.compare.connectors import Connector, Offer

# How often a held carrier looks at its gate: short, as a released carrier answers after it.
LOOK_EVERY = 0.005


class Gate:
    """Where a held carrier waits: ``asked`` once it is asked, ``released`` by the test."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.released = threading.Event()
        self.cancelled = threading.Event()

    def release(self) -> None:
        """Let the held carrier answer."""
        self.released.set()

    async def wait(self) -> None:
        """Wait (on any event loop) until the test releases the gate."""
        self.asked.set()
        try:
            while not self.released.is_set():
                await asyncio.sleep(LOOK_EVERY)
        except asyncio.CancelledError:
            self.cancelled.set()  # the comparison gave up on the carrier while it was held
            raise


class Held:
    """A carrier that answers as ``inner`` does, once its gate is released."""

    def __init__(self, inner: Connector, gate: Gate | None = None) -> None:
        self.inner = inner
        self.carrier = inner.carrier
        self.may_requote = inner.may_requote
        self.gate = gate or Gate()

    async def quote_nearest(
        self, risk: Mapping[str, Any], line: str, state: str, on: dt.date
    ) -> Offer:
        await self.gate.wait()
        return await self.inner.quote_nearest(risk, line, state, on)
