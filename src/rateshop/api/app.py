"""The application: its start-up, its routers and its error handling, put together."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool

import rateshop
from rateshop.api import echo, errors, security
from rateshop.api.carrier_health import router as carrier_health
from rateshop.api.catalog.endpoints import router as catalog
from rateshop.api.comparisons.endpoints import router as comparisons
from rateshop.api.comparisons.schemas import StreamDone
from rateshop.api.guards import AccessLog, BodyGuard, RateLimit
from rateshop.api.households.endpoints import router as households
from rateshop.api.leads.endpoints import router as leads
from rateshop.config import Settings
from rateshop.deferred_routes import add_routes, defer_routes, load_deferred
from rateshop.services.runtime import Runtime

DESCRIPTION = """\
Insurance quote comparison: one question set per line (auto, home, term life, individual health),
every carrier of the market, each quote rated to the cent from the carrier's rate manual with a
worksheet, or a decline with its reasons. The carriers are sample data.

Errors share one body (`ErrorBody`); a 422 names each field with its problem and what is allowed.
"""


# Allocations between young-generation collections, and how many of those before the older
# generations are looked at: a request makes thousands of short-lived objects, and a collection
# every 700 of them (the default) ran dozens of times per comparison.
COLLECTOR_THRESHOLDS = (50_000, 50, 100)


def tune_collector() -> None:
    """Tune this process's garbage collector for serving (``RATESHOP_GC_TUNING``).

    What is alive once the app has started (code, settings, the market's listing) lives as long
    as the process: ``gc.freeze()`` keeps it out of every later pass, so a full collection no
    longer walks it while requests wait (measured: auto comparisons 202/s → 345/s per worker,
    p99 228 → 67 ms). Objects are still freed as soon as nothing refers to them.
    """
    # A start-up that held the collector off (`rateshop serve`, rateshop.cli.serve) leaves about
    # a thousand objects of garbage among the hundreds of thousands that live on: frozen with
    # them, they weigh less than the full pass that would find them costs.
    if gc.isenabled():
        gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The rateshop API over ``settings`` (the ``RATESHOP_*`` environment by default).

    On start-up it opens the store (refusing to start without ``RATESHOP_SECRET_KEY`` outside dev
    mode), brings the database schema to head and loads the manuals and the market once.
    """
    config = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await run_in_threadpool(Runtime.start, config)
        app.state.runtime = runtime
        if config.gc_tuning:
            tune_collector()
        gc.enable()  # held off while `rateshop serve` started (rateshop.cli.serve)
        try:
            yield
        finally:
            await runtime.registry.aclose()  # live carriers' connection pool
            runtime.close()

    app = FastAPI(
        title="rateshop",
        version=rateshop.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    add_routes(app, comparisons)
    add_routes(app, households)
    add_routes(app, carrier_health)  # before the catalog: /carriers/health is not a carrier
    add_routes(app, catalog)
    add_routes(app, leads)
    defer_routes(app, "/agencies", _agencies)  # agencies' own systems only: loaded when first asked
    add_routes(app, echo.router)
    errors.install(app)
    # Added last, so they run first: the access log sees every answer, limits come before work.
    app.add_middleware(BodyGuard, max_bytes=config.max_body_bytes)
    app.add_middleware(RateLimit, settings=config)
    app.add_middleware(AccessLog)
    # Outermost of all: the security headers on every answer, the client seen through proxies.
    security.install(app, config)
    _document_events(app)
    return app


def _agencies() -> APIRouter:
    from rateshop.api.agency.endpoints import router

    return router


def _document_events(app: FastAPI) -> None:
    """Describe every route in the OpenAPI document, those of routers not yet loaded too, and add
    the stream's ``done`` event to its components (no endpoint returns it as JSON)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            load_deferred(app)
            schema = build()
            extra = StreamDone.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(extra.pop("$defs", {}))
            components["StreamDone"] = extra
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
