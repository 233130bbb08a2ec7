"""Configuration, read from ``RATESHOP_*`` environment variables (nowhere else)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the market lives; more settings join as the service grows."""

    model_config = SettingsConfigDict(env_prefix="RATESHOP_")

    manuals: Path = Path("manuals")
    market: Path = Path("market")


def settings() -> Settings:
    """The settings in force now (read afresh, so tests can set the environment)."""
    return Settings()
