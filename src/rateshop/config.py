"""Configuration, read from ``RATESHOP_*`` environment variables (nowhere else)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A carrier's key to its leads is a bearer secret: long enough that it cannot be guessed.
MIN_CARRIER_KEY = 24


class Settings(BaseSettings):
    """Where the market lives and where comparisons are kept; more settings join as the service grows.

    ``secret_key`` encrypts shoppers' contact details in the store. Outside ``dev_mode`` it must be
    set, to a long random string (``python -c "import secrets; print(secrets.token_urlsafe(32))"``);
    the store refuses to start without it.
    """

    model_config = SettingsConfigDict(env_prefix="RATESHOP_")

    manuals: Path = Path("manuals")
    market: Path = Path("market")

    # The embedded default: a SQLite file in the current directory, no server to run.
    database_url: str = "sqlite:///rateshop.db"
    secret_key: SecretStr | None = None
    dev_mode: bool = False
    retention_days: int = Field(default=365, ge=1)
    # Each carrier's key to read the leads shoppers gave it (``GET /carriers/{id}/leads``), as JSON:
    # {"carrier-id": "long random key"}. A carrier without a key cannot read its leads at all.
    carrier_keys: dict[str, SecretStr] = Field(default_factory=dict)
    # Seconds a comparison made through the API waits for its slowest carrier (live connectors).
    compare_deadline: float = Field(default=10.0, gt=0)
    # A further catalog of carriers (e.g. market/live/carriers.yaml: live carriers for the demo).
    live_catalog: Path | None = None
    # Seconds one call to a live carrier may take (a catalog entry may say less), and the most
    # concurrent connections to any one carrier.
    carrier_call_deadline: float = Field(default=8.0, gt=0)
    carrier_connections: int = Field(default=32, ge=1)
    # A live carrier's circuit breaker opens after this many failures within the window (seconds),
    # and lets one call through again after the cool-down (seconds).
    breaker_failures: int = Field(default=5, ge=1)
    breaker_window: float = Field(default=30.0, gt=0)
    breaker_cooldown: float = Field(default=15.0, gt=0)
    # Connections and tasks one worker serves at once; past them, 503 at once (rateshop serve).
    max_connections: int = Field(default=1000, ge=10)
    # Request bodies: a comparison is a few kilobytes (manual uploads have their own limit).
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # Per client address: comparisons made, and every other request (see rateshop.api.guards).
    # (A default is not parsed: the library that parses rates is imported only when one is set.)
    rate_limit_compare: str = Field(default="30/minute", validate_default=False)
    rate_limit_read: str = Field(default="600/minute", validate_default=False)
    # Where the rate counters live: memory:// (per process) or async+redis://HOST:PORT (shared).
    rate_limit_storage: str = "memory://"
    # Prefix of the counters' keys there, so services sharing one Redis keep apart.
    rate_limit_prefix: str = "rateshop"

    @field_validator("carrier_keys")
    @classmethod
    def _long_keys(cls, keys: dict[str, SecretStr]) -> dict[str, SecretStr]:
        short = sorted(c for c, k in keys.items() if len(k.get_secret_value()) < MIN_CARRIER_KEY)
        if short:
            raise ValueError(
                f"the keys of {', '.join(short)} are shorter than {MIN_CARRIER_KEY} characters"
            )
        return keys

    @field_validator("rate_limit_compare", "rate_limit_read")
    @classmethod
    def _rate(cls, value: str) -> str:
        # Imported here: the library costs a twentieth of a second, and only a set rate needs it.
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as 30/minute") from None
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _counter_store(cls, value: str) -> str:
        if not value.startswith(("memory://", "async+redis://", "async+rediss://")):
            raise ValueError("use memory:// or async+redis://HOST:PORT")
        return value

    # --- Compiled manuals: kept on disk between processes, and a bounded number in memory. -----
    # The directory where loaded manuals are kept by content hash, with the index of which manuals
    # a folder holds (default: $XDG_CACHE_HOME/rateshop/plans, else ~/.cache/rateshop/plans). It
    # must belong to the service alone; it can be deleted at any time (the next start rebuilds it).
    plan_cache: Path | None = None
    plan_cache_enabled: bool = True
    # Authenticates the entries (HMAC). Unset: a random key kept in the directory, made on first use;
    # set it (from a secret store) when the directory is shared or could be written by others.
    plan_cache_key: SecretStr | None = None
    # Compiled plans one process holds in memory (least recently used let go; a plan is ~0.3 MB).
    plan_memory_limit: int = Field(default=256, ge=1)
    # How often, at most, a worker asks the store for manual versions uploaded through another
    # worker or server (one small query); they are quoted everywhere within about this time.
    market_sync_seconds: float = Field(default=1.0, ge=0)
    # A serving worker's garbage collector: the heap it holds once started (the market, the code,
    # the compiled plans) moved out of the collector's passes, and young objects collected in
    # larger batches. A full pass over that heap stalled every request in flight: p99 about
    # 200 ms. `rateshop serve` turns it on; off elsewhere (tests make many apps in one process).
    gc_tuning: bool = False

    # Test hook only: seconds the store sleeps in the middle of saving a comparison, with some answer
    # rows written and the transaction still open, so a test can kill the process there. Leave at 0.
    test_pause_mid_save: float = Field(default=0.0, ge=0)

    # --- Web security: log-in throttling, and who may say where a request came from. ----------
    # Addresses or networks (comma-separated: "10.0.0.2, 10.1.0.0/16") of the reverse proxies whose
    # X-Forwarded-For and X-Forwarded-Proto are believed. Empty: the connecting peer is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Log-in attempts allowed per username, and per client address, in a window that opens with the
    # first attempt; a success clears its username's count and is not held against its address.
    login_limit_per_user: int = Field(default=5, ge=1)
    login_limit_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        # "*" is refused: it would let any client name any address and undo the log-in throttle.
        checked = []
        for entry in value:
            try:
                if "/" in entry:
                    checked.append(str(ipaddress.ip_network(entry, strict=False)))
                else:
                    checked.append(str(ipaddress.ip_address(entry)))
            except ValueError as exc:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (like 10.0.0.2 or 10.0.0.0/8)"
                ) from exc
        return checked


def named_secret(name: str) -> str | None:
    """The value of the environment variable a carrier's catalog entry names (a key, a URL).

    Catalogs name secrets rather than hold them; this is the one place they are read.
    """
    value = os.environ.get(name)
    return value or None


def settings() -> Settings:
    """The settings in force now (read afresh, so tests can set the environment)."""
    return Settings()
