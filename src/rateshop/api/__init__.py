"""The HTTP API: FastAPI over the comparison, the store and the market catalog.

An outer room: it stands on :mod:`rateshop.services` (the runtime loaded once per process and the
application services), which the web pages share; it never imports the pages, and nothing inner
imports it. One folder per area, each with thin ``endpoints`` and their ``schemas``::

    app.py          create_app(): start-up (store, migrations, manuals), routers, error handling
    risks.py        the question sets as request models
    schemas.py      one carrier's answer as a response body
    errors.py       errors answered as rateshop.answers says (one status table, one body)
    comparisons/    POST /comparisons (+ /stream), GET/DELETE /comparisons/{ref}, export, contact
    catalog/        /carriers, /lines, /states, /lines/{line}/coverages, /carriers/{id}/rate
    echo.py         POST /echo: the benchmark's baseline
    server.py       `rateshop serve`
"""

from rateshop.api.app import create_app

__all__ = ["create_app"]
