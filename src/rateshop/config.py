"""Configuration, read from ``RATESHOP_*`` environment variables (nowhere else)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Test hook only: seconds the store sleeps in the middle of saving a comparison, with some answer
    # rows written and the transaction still open, so a test can kill the process there. Leave at 0.
    test_pause_mid_save: float = Field(default=0.0, ge=0)


def named_secret(name: str) -> str | None:
    """The value of the environment variable a carrier's catalog entry names (a key, a URL).

    Catalogs name secrets rather than hold them; this is the one place they are read.
    """
    value = os.environ.get(name)
    return value or None


def settings() -> Settings:
    """The settings in force now (read afresh, so tests can set the environment)."""
    return Settings()
