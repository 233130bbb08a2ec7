"""Configuration, read from ``RATESHOP_*`` environment variables (nowhere else)."""

from __future__ import annotations

from pathlib import Path

from limits import parse
from pydantic import Field, SecretStr, field_validator
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
    # Each carrier's key to read the leads shoppers gave it (``GET /carriers/{id}/leads``), as JSON:
    # {"carrier-id": "long random key"}. A carrier without a key cannot read its leads at all.
    carrier_keys: dict[str, SecretStr] = Field(default_factory=dict)
    # Seconds a comparison made through the API waits for its slowest carrier (live connectors).
    compare_deadline: float = Field(default=10.0, gt=0)
    # Request bodies: a comparison is a few kilobytes; a manual upload (admin pages) is bigger.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # Per client address: comparisons made, and every other request (see rateshop.api.guards).
    rate_limit_compare: str = "30/minute"
    rate_limit_read: str = "600/minute"
    # Where the rate counters live: memory:// (per process) or async+redis://HOST:PORT (shared).
    rate_limit_storage: str = "memory://"
    # Prefix of the counters' keys there, so services sharing one Redis keep apart.
    rate_limit_prefix: str = "rateshop"

    @field_validator("rate_limit_compare", "rate_limit_read")
    @classmethod
    def _rate(cls, value: str) -> str:
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

    # Test hook only: seconds the store sleeps in the middle of saving a comparison, with some answer
    # rows written and the transaction still open, so a test can kill the process there. Leave at 0.
    test_pause_mid_save: float = Field(default=0.0, ge=0)


def settings() -> Settings:
    """The settings in force now (read afresh, so tests can set the environment)."""
    return Settings()
