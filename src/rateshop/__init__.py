"""rateshop: one question set, every carrier, rated to the cent from their rate manuals.

Library use (type-checked under ``mypy --strict``)::

    import rateshop

    result: rateshop.Comparison = rateshop.compare_risk({"line": "auto", "state": "TX", ...})
    cheapest = result.quotes[0]
    print(cheapest.carrier_name, cheapest.quote.total if cheapest.quote else None)

    plan = rateshop.load_plan("manuals/harborview/auto-tx-2026-01-01")
    answer = rateshop.rate(plan, risk)          # a Quote with its worksheet, or a Decline

Every name below is importable from ``rateshop`` itself (the list is locked by a test); each is
loaded on first use, so ``import rateshop`` costs nothing until one is needed. The errors are
the ones of :mod:`rateshop.errors` (drawn there as one tree) and the store's.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rateshop.compare.default import (
        compare_risk as compare_risk,
    )
    from rateshop.compare.service import (
        Answer as Answer,
        Comparison as Comparison,
    )
    from rateshop.errors import (
        CarrierError as CarrierError,
        CarrierTimeout as CarrierTimeout,
        FieldProblem as FieldProblem,
        ManualError as ManualError,
        ManualNotFound as ManualNotFound,
        Problem as Problem,
        RateshopError as RateshopError,
        RiskError as RiskError,
        WorksheetUnavailable as WorksheetUnavailable,
    )
    from rateshop.rating.library import (
        Library as Library,
        load_plan as load_plan,
    )
    from rateshop.rating.plan import (
        Plan as Plan,
    )
    from rateshop.rating.quote import (
        Decline as Decline,
        Quote as Quote,
    )
    from rateshop.rating.single import (
        rate as rate,
    )
    from rateshop.risk.problems import (
        read_risk as read_risk,
    )
    from rateshop.store.errors import (
        StoreError as StoreError,
    )

__version__ = "0.1.0"

# Each public name and the module it is defined in.
_HOMES = {
    "compare_risk": "rateshop.compare.default",
    "read_risk": "rateshop.risk.problems",
    "load_plan": "rateshop.rating.library",
    "rate": "rateshop.rating.single",
    "Answer": "rateshop.compare.service",
    "Comparison": "rateshop.compare.service",
    "Library": "rateshop.rating.library",
    "Plan": "rateshop.rating.plan",
    "Quote": "rateshop.rating.quote",
    "Decline": "rateshop.rating.quote",
    "RateshopError": "rateshop.errors",
    "ManualError": "rateshop.errors",
    "RiskError": "rateshop.errors",
    "ManualNotFound": "rateshop.errors",
    "WorksheetUnavailable": "rateshop.errors",
    "CarrierError": "rateshop.errors",
    "CarrierTimeout": "rateshop.errors",
    "FieldProblem": "rateshop.errors",
    "Problem": "rateshop.errors",
    "StoreError": "rateshop.store.errors",
}

__all__ = [
    "Answer",
    "CarrierError",
    "CarrierTimeout",
    "Comparison",
    "Decline",
    "FieldProblem",
    "Library",
    "ManualError",
    "ManualNotFound",
    "Plan",
    "Problem",
    "Quote",
    "RateshopError",
    "RiskError",
    "StoreError",
    "WorksheetUnavailable",
    "__version__",
    "compare_risk",
    "load_plan",
    "rate",
    "read_risk",
]


def __getattr__(name: str) -> Any:
    """Load a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'rateshop' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
