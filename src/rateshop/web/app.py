"""The web pages put on an app: the shoppers', the console's, the admins' and the agency's routes,
and their static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware import Middleware

from rateshop.web import accounts
from rateshop.web.admin import router as admin
from rateshop.web.agency import router as agency
from rateshop.web.agency_contact import router as agency_contact
from rateshop.web.console import router as console
from rateshop.web.csrf import CsrfGuard
from rateshop.web.pages import HERE
from rateshop.web.shop import router as shop

ROUTERS = (shop, accounts.router, console, admin, agency, agency_contact)


def install(app: FastAPI) -> None:
    """Add the pages to ``app``, whose start-up provides the runtime they stand on."""
    app.include_router(shop)
    accounts.install(app)
    for router in (console, admin, agency, agency_contact):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = [route for router in ROUTERS for route in router.routes]
    # Innermost of the app's middleware: the body guard and the rate limit come first, and a
    # refusal is logged as any answer is.
    app.user_middleware.append(Middleware(CsrfGuard, routes=pages))
