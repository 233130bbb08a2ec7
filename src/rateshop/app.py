"""The whole application: the REST API with the web pages and their static files, in one app (one
process, one store, one loaded market).

The outermost room: the API (:mod:`rateshop.api`) and the pages (:mod:`rateshop.web`) stand side by
side on :mod:`rateshop.services`, neither importing the other; this module puts them together.
"""

from __future__ import annotations

from fastapi import FastAPI

from rateshop.api.app import create_app as create_api
from rateshop.api.errors import answer_pages_with
from rateshop.config import Settings
from rateshop.web.app import install as install_pages
from rateshop.web.pages import error_page


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API of :func:`rateshop.api.create_app` with the shoppers' pages mounted beside it."""
    app = create_api(settings)
    install_pages(app)
    # An error on a page is a page, with the status and message the API answers with.
    answer_pages_with(app, error_page)
    return app
