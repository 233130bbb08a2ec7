"""The web pages put on an app: the shoppers', the console's, the admins' and the agency's routes,
and their static files.

The shoppers' pages and the log-in are there from the start. The console, the admins' pages, the
agency's desk and a shopper's contact with an agency are used by few, and stand in the app's
routes until a request first comes under their paths (:mod:`rateshop.deferred_routes`): a server
answers its first request without importing them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from rateshop.deferred_routes import add_routes, defer_routes
from rateshop.web import accounts
from rateshop.web.csrf import CsrfGuard
from rateshop.web.pages import HERE
from rateshop.web.shop import router as shop


def _console() -> APIRouter:
    from rateshop.web.console import router

    return router


def _admin() -> APIRouter:
    from rateshop.web.admin import router

    return router


def _agency() -> APIRouter:
    from rateshop.web.agency import router

    return router


def _agency_contact() -> APIRouter:
    from rateshop.web.agency_contact import router

    return router


# The pages loaded on first use, after the shoppers' and the log-in, each with the paths its
# routes lie under.
DEFERRED: tuple[tuple[str, Callable[[], APIRouter]], ...] = (
    ("/console", _console),
    ("/admin", _admin),
    ("/agency", _agency),
    ("/c/{ref}/agency", _agency_contact),
)


def routers() -> list[APIRouter]:
    """Every router of the pages, in the order they are put on an app (each one imported)."""
    return [shop, accounts.router, *(load() for _, load in DEFERRED)]


def install(app: FastAPI) -> None:
    """Add the pages to ``app``, whose start-up provides the runtime they stand on."""
    add_routes(app, shop)
    accounts.install(app)
    pages: list[BaseRoute] = [*shop.routes, *accounts.router.routes]
    pages += [defer_routes(app, prefix, load) for prefix, load in DEFERRED]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Innermost of the app's middleware: the body guard and the rate limit come first, and a
    # refusal is logged as any answer is.
    app.user_middleware.append(Middleware(CsrfGuard, routes=pages))
