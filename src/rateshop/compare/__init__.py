"""Comparing carriers: one risk, every carrier that writes its line in its state, ranked.

``rateshop.compare(risk)`` compares against the configured market; the package stays importable
as ``rateshop.compare.service``, ``.tips``, ``.bundle`` … because the module itself is callable
(its class is swapped for a ``ModuleType`` subclass with ``__call__``, which Python supports).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rateshop.compare.service import Comparison


class _CallableModule(types.ModuleType):
    def __call__(self, risk: Mapping[str, Any], deadline: float = 10.0) -> Comparison:
        """Compare ``risk`` against every carrier of the configured market."""
        from rateshop.compare.default import compare_risk

        return compare_risk(risk, deadline)


sys.modules[__name__].__class__ = _CallableModule
