"""The ``rateshop`` command's entry point: the program starts with the garbage collector held off.

Start-up builds a great many objects that live as long as the process (modules, classes, the
API's schemas, the market's listing) and frees almost none, so the collector's passes during it
are wasted work: about a tenth of a second of every command's start. The collector is switched
back on once the command line is loaded; ``rateshop serve`` holds it off until its app has
started, then freezes what start-up left alive and switches it on
(:func:`rateshop.api.app.tune_collector`).
"""

from __future__ import annotations

import gc


def main() -> None:
    """Run the ``rateshop`` command line."""
    gc.disable()
    from rateshop.cli import app

    gc.enable()
    app()
