"""Hypothesis strategies that generate risks for any manual from its declared inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from rateshop.manual.inputs import FieldSpec
from rateshop.manual.model import Manual
from rateshop.manual.types import Bool, Date, List, Num, Record, Text

DEFAULT_MAX = 10**6


def _dates(name: str) -> st.SearchStrategy[str]:
    if "effective" in name:
        lo, hi = dt.date(2024, 1, 1), dt.date(2027, 12, 31)
    elif "birth" in name:
        lo, hi = dt.date(1935, 1, 1), dt.date(2012, 12, 31)
    else:
        lo, hi = dt.date(2015, 1, 1), dt.date(2027, 12, 31)
    return st.dates(lo, hi).map(dt.date.isoformat)


def _texts(manual: Manual) -> list[str]:
    """Free-text values worth trying: every text key of every table, and one that matches none."""
    out = {"00000"}
    for table in manual.tables.values():
        for dim in table.dims:
            if dim.match == "exact":
                out.update(dim.labels)
    return sorted(out)


def field_strategy(spec: FieldSpec, manual: Manual) -> st.SearchStrategy[Any]:
    """Values for one declared field (sometimes out of range, to exercise errors)."""
    t = spec.type
    if spec.choices is not None:
        if isinstance(t, Num):
            return st.sampled_from([int(c) for c in spec.choices])
        return st.sampled_from(list(spec.choices))
    if isinstance(t, List):
        most = min(spec.max_items or 4, 4)
        least = min(spec.min_items, most)
        return st.lists(record_strategy(spec.fields, manual), min_size=least, max_size=most)
    if isinstance(t, Record):
        return record_strategy(spec.fields, manual)
    if isinstance(t, Text):
        return st.sampled_from(list(t.values) if t.values else _texts(manual))
    if isinstance(t, Bool):
        return st.booleans()
    if isinstance(t, Date):
        return _dates(spec.name)
    assert isinstance(t, Num)
    lo = 0 if spec.minimum is None else spec.minimum
    hi = (lo + DEFAULT_MAX * 10**t.scale) if spec.maximum is None else spec.maximum
    return st.integers(lo, hi).map(lambda v: str(Decimal(v).scaleb(-t.scale)) if t.scale else v)


def record_strategy(
    fields: dict[str, FieldSpec], manual: Manual
) -> st.SearchStrategy[dict[str, Any]]:
    """A record with every required field and, sometimes, the optional ones."""
    required = {k: field_strategy(s, manual) for k, s in fields.items() if s.required}
    optional = {k: field_strategy(s, manual) for k, s in fields.items() if not s.required}
    return st.fixed_dictionaries(required, optional=optional)


def risk_strategy(manual: Manual) -> st.SearchStrategy[dict[str, Any]]:
    """A whole risk for ``manual``: its inputs and a choice of coverages."""
    base = record_strategy(manual.inputs, manual)
    if not manual.coverages:
        return base
    covs: dict[str, st.SearchStrategy[Any]] = {}
    for cid, cov in manual.coverages.items():
        options = record_strategy(cov.options, manual)
        covs[cid] = options if cov.required else st.one_of(st.none(), options)
    chosen = st.fixed_dictionaries(covs).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )
    return st.tuples(base, chosen).map(lambda pair: {**pair[0], "coverages": pair[1]})
