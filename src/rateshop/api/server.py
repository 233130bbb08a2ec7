"""``rateshop serve``: the API under uvicorn, on the embedded default or the configured store."""

from __future__ import annotations

import copy
import gc
import ipaddress
import logging
import os
from typing import Any

import uvicorn

from rateshop.config import Settings
from rateshop.store.cipher import secret_from
from rateshop.store.migrate import upgrade

# The API and the web pages in one app: the pages stand on the API's runtime and services.
APP = "rateshop.app:create_app"

DEV_WARNING = (
    "development mode: RATESHOP_SECRET_KEY is not set, so contact details are encrypted with the "
    "public development key. Fine on this machine; never for real shoppers."
)

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settings_for(host: str, settings: Settings) -> Settings:
    """The settings to serve with: dev mode turned on for a loopback address without a key.

    Without ``RATESHOP_SECRET_KEY``, dev mode is the default only when nobody else can connect;
    on any other address the key (or an explicit ``RATESHOP_DEV_MODE=1``) is required, and
    :class:`~rateshop.store.errors.SecretKeyMissing` says so.
    """
    if settings.secret_key is None and is_loopback(host):
        settings = settings.model_copy(update={"dev_mode": True})
    secret_from(settings)  # raises SecretKeyMissing before anything starts
    return settings


def uses_dev_key(settings: Settings) -> bool:
    """Whether contact details would be encrypted with the public development key."""
    return settings.dev_mode and settings.secret_key is None


def serve(host: str, port: int, workers: int, settings: Settings) -> None:
    """Bring the database to head once, then run ``workers`` uvicorn processes of the app."""
    if settings.dev_mode:
        # Worker processes read their settings from the environment, like any other run.
        os.environ["RATESHOP_DEV_MODE"] = "1"
    # A serving worker tunes its garbage collector (rateshop.api.app.tune_collector) unless the
    # operator said otherwise.
    os.environ.setdefault("RATESHOP_GC_TUNING", "1")
    upgrade(settings.database_url)
    if workers > 1 and settings.rate_limit_storage.startswith("memory"):
        log.warning(
            "%d workers count rate limits each on its own (RATESHOP_RATE_LIMIT_STORAGE=%s): "
            "a client may make up to %d times the limit; set it to async+redis://HOST:6379 "
            "to count for every worker and server together",
            workers,
            settings.rate_limit_storage,
            workers,
        )
    # uvicorn's own access log writes each request's path, and a path can hold a comparison's
    # reference (a secret): rateshop.api.guards.AccessLog logs the route's template instead.
    # uvicorn would believe X-Forwarded-For from any local peer by default; the app reads it from
    # RATESHOP_TRUSTED_PROXIES only (rateshop.api.security), the one setting for it.
    if workers > 1:
        gc.enable()  # this process only watches the workers, which start with it on
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=log_config(),
        proxy_headers=False,
        # No route speaks WebSocket: uvicorn need not import a WebSocket library to find one.
        ws="none",
        # Past this many open connections and tasks a worker answers 503 at once rather than
        # letting slow clients hold it; slow header senders are a reverse proxy's to buffer.
        limit_concurrency=settings.max_connections,
    )


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with rateshop's own loggers (errors, the access log) written beside it."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["rateshop"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
