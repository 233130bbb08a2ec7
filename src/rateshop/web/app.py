"""The whole application: the REST API with the web pages and their static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rateshop.api.app import create_app as create_api
from rateshop.api.errors import answer_pages_with
from rateshop.config import Settings
from rateshop.web import accounts
from rateshop.web.admin import router as admin
from rateshop.web.agency import router as agency
from rateshop.web.agency_contact import router as agency_contact
from rateshop.web.console import router as console
from rateshop.web.pages import HERE, error_page
from rateshop.web.shop import router as shop


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API of :func:`rateshop.api.create_app` with the shoppers' pages mounted beside it."""
    app = create_api(settings)
    app.include_router(shop)
    accounts.install(app)
    app.include_router(console)
    app.include_router(admin)
    app.include_router(agency)
    app.include_router(agency_contact)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # An error on a page is a page, with the status and message the API answers with.
    answer_pages_with(app, error_page)
    return app
