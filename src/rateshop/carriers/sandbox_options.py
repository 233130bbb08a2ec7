"""What a carrier sandbox can be asked to do (the options of ``rateshop carrier-sandbox``).

Kept apart from :mod:`rateshop.carriers.sandbox` so the command line can list the faults and
check its options without importing the sandbox's web server and rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FAULTS = (
    "slow",  # answers, but only after SLOW_SECONDS
    "hang",  # never answers
    "5xx",  # 503 Service Unavailable
    "429",  # 429 Too Many Requests with Retry-After
    "malformed",  # a body that is not JSON
    "currency",  # a quote in euros
    "parts",  # a total that is not its coverages and fees
    "reset",  # the connection is cut after the request is read
    "big",  # a 10 MB body
    "token-expiry",  # OAuth2 tokens stop working a second after they are issued
    "referred",  # every risk is referred to an underwriter
    "reset-once",  # rated, then cut before the answer; a repeated idempotency key is answered
)
Fault = Literal[
    "slow",
    "hang",
    "5xx",
    "429",
    "malformed",
    "currency",
    "parts",
    "reset",
    "big",
    "token-expiry",
    "referred",
    "reset-once",
]
SLOW_SECONDS = 20.0
BIG_BYTES = 10 * 1024 * 1024
EXPIRED_AFTER = 1.0  # seconds a token works under the token-expiry fault
VALID_DAYS = 30  # how long a quote holds
MAX_JOBS = 10_000  # asynchronous quotes kept for polling


def parse_latency(text: str) -> tuple[float, float]:
    """``200-900ms``, ``0.2-0.9s``, ``300ms`` or ``0`` as a (low, high) range of seconds."""
    spec = text.strip().lower()
    scale = 1.0
    if spec.endswith("ms"):
        spec, scale = spec[:-2], 0.001
    elif spec.endswith("s"):
        spec = spec[:-1]
    low, _, high = spec.partition("-")
    try:
        lo = float(low) * scale
        hi = float(high) * scale if high else lo
    except ValueError:
        raise ValueError(f"latency {text!r} is not like 200-900ms") from None
    if lo < 0 or hi < lo:
        raise ValueError(f"latency {text!r} must be a range low-high of non-negative times")
    return lo, hi


@dataclass
class SandboxConfig:
    """How a sandbox behaves (the options of ``rateshop carrier-sandbox``)."""

    manuals: Path
    carrier: str | None = None
    format: Literal["json", "xml"] = "json"
    auth: Literal["none", "apikey", "oauth2"] = "none"
    mode: Literal["sync", "async"] = "sync"
    latency: tuple[float, float] = (0.0, 0.0)
    error_rate: float = 0.0
    fault: Fault | None = None
    secret: str = "sandbox-secret"
    token_ttl: int = 3600
    seed: int | None = None
