"""rateshop: one question set, every carrier, rated to the cent from their rate manuals.

Library use::

    import rateshop
    result = rateshop.compare({"line": "auto", "state": "TX", ...})
    result.quotes[0].quote.total
"""

from rateshop import compare

__version__ = "0.1.0"
__all__ = ["__version__", "compare"]
