"""The HTTP API: FastAPI over the comparison, the store and the market catalog.

An outer room: it imports ``compare``, ``store`` and ``rating``; none of them imports it.
One folder per area, each with thin ``endpoints`` over a ``service`` and its ``schemas``::

    app.py          create_app(): start-up (store, migrations, manuals), routers, error handling
    runtime.py      what is loaded once per process
    risks.py        the question sets as request models
    schemas.py      one carrier's answer as a response body
    errors.py       the error tree mapped to HTTP statuses, in one table
    comparisons/    POST /comparisons (+ /stream), GET/DELETE /comparisons/{ref}, export, contact
    catalog/        /carriers, /lines, /states, /lines/{line}/coverages, /carriers/{id}/rate
    echo.py         POST /echo: the benchmark's baseline
    server.py       `rateshop serve`
"""

from rateshop.api.app import create_app

__all__ = ["create_app"]
