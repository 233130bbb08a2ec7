"""What changed between two versions of one carrier's manual: its steps and its tables' rows.

Both are read as the analyst wrote them (``manual.yaml`` and its CSV files), so the differences
shown are in the manual's own words and numbers. Rows are matched by the table's key columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from rateshop.errors import RateshopError
from rateshop.manual.folders import MANIFEST
from rateshop.manual.source import read_csv
from rateshop.rating.plan import Plan


class NotComparable(RateshopError):
    """The two versions are not of the same carrier, line and state."""


@dataclass(frozen=True)
class StepChange:
    """A step added, removed or changed, in one list of steps (``where``)."""

    kind: str  # added | removed | changed
    where: str
    id: str
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    """A row changed: its key and, per changed column, the old and the new value."""

    key: str
    columns: list[tuple[str, str, str]]


@dataclass
class TableDiff:
    """The differences in one table (absent from a version: all its rows added or removed)."""

    name: str
    status: str  # added | removed | changed
    keys: list[str]
    settings: list[tuple[str, str, str]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)


@dataclass(frozen=True)
class ManualDiff:
    """Every difference between an older and a newer version."""

    old: Plan
    new: Plan
    identity: list[tuple[str, str, str]]
    steps: list[StepChange]
    tables: list[TableDiff]


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return "" if value is None else str(value)


def _same(a: str, b: str) -> bool:
    """Equal as text, or as numbers (``0.90`` in one file and ``0.9`` in the other)."""
    if a == b:
        return True
    try:
        return Decimal(a) == Decimal(b)
    except InvalidOperation:
        return False


def _raw(plan: Plan) -> dict[str, Any]:
    data = yaml.safe_load((plan.manual.root / MANIFEST).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _step_lists(node: Any, where: str = "") -> dict[str, list[dict[str, Any]]]:
    """Every list of steps in the manual by where it is (``rating.steps``, ``policy.steps`` …)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else str(key)
            if key == "steps" and isinstance(value, list):
                found[here] = [s for s in value if isinstance(s, dict)]
            else:
                found.update(_step_lists(value, here))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and "id" in item:
                found.update(_step_lists(item, f"{where}[{item['id']}]"))
    return found


def _steps(old: dict[str, Any], new: dict[str, Any]) -> list[StepChange]:
    changes = []
    before, after = _step_lists(old), _step_lists(new)
    for where in dict.fromkeys([*before, *after]):
        was = {str(s.get("id")): s for s in before.get(where, [])}
        now = {str(s.get("id")): s for s in after.get(where, [])}
        for step_id in dict.fromkeys([*was, *now]):
            a, b = was.get(step_id), now.get(step_id)
            if a == b:
                continue
            kind = "added" if a is None else "removed" if b is None else "changed"
            changes.append(StepChange(kind, where, step_id, _text(a), _text(b)))
    return changes


def _rows(plan: Plan, spec: dict[str, Any], keys: list[str]) -> dict[str, dict[str, str]]:
    """A table's rows as written, by the text of their key columns."""
    if "file" in spec:
        path = plan.manual.root / str(spec["file"])
        _, rows = read_csv(path, str(path))
        cells = [row.cells for row in rows]
    else:
        cells = [{k: _text(v) for k, v in row.items()} for row in spec.get("rows") or []]
    return {
        ", ".join(f"{k}={row.get(k, '')}" for k in keys) or "(the one row)": {
            column: value for column, value in row.items() if column not in keys
        }
        for row in cells
    }


def _row_text(values: dict[str, str]) -> str:
    return ", ".join(f"{column}={value}" for column, value in values.items())


def _table(name: str, old: Plan, new: Plan, was: Any, now: Any) -> TableDiff | None:
    compiled = new.manual.tables.get(name) or old.manual.tables.get(name)
    keys = [k.name for k in compiled.keys] if compiled else []
    was_spec = was if isinstance(was, dict) else {}
    now_spec = now if isinstance(now, dict) else {}
    status = "added" if was is None else "removed" if now is None else "changed"
    diff = TableDiff(name, status, keys)
    for setting in dict.fromkeys([*was_spec, *now_spec]):
        if setting in ("rows", "file"):
            continue
        a, b = _text(was_spec.get(setting)), _text(now_spec.get(setting))
        if not _same(a, b):
            diff.settings.append((setting, a, b))
    before = _rows(old, was_spec, keys) if was is not None else {}
    after = _rows(new, now_spec, keys) if now is not None else {}
    for key in dict.fromkeys([*before, *after]):
        a_row, b_row = before.get(key), after.get(key)
        if a_row is None and b_row is not None:
            diff.added.append(f"{key}: {_row_text(b_row)}")
        elif b_row is None and a_row is not None:
            diff.removed.append(f"{key}: {_row_text(a_row)}")
        elif a_row is not None and b_row is not None:
            columns = [
                (c, a_row.get(c, ""), b_row.get(c, ""))
                for c in dict.fromkeys([*a_row, *b_row])
                if not _same(a_row.get(c, ""), b_row.get(c, ""))
            ]
            if columns:
                diff.changed.append(RowChange(key, columns))
    if diff.settings or diff.added or diff.removed or diff.changed or status != "changed":
        return diff
    return None


def compare_versions(a: Plan, b: Plan) -> ManualDiff:
    """The differences from the older of ``a`` and ``b`` to the newer."""
    first, second = a.manual.identity, b.manual.identity
    if (first.carrier, first.line, first.state) != (second.carrier, second.line, second.state):
        raise NotComparable(
            "Pick two versions of the same carrier's manual for one line and state."
        )
    old, new = (a, b) if first.effective <= second.effective else (b, a)
    raw_old, raw_new = _raw(old), _raw(new)
    identity = [
        (key, _text(value), _text(raw_new.get("manual", {}).get(key)))
        for key, value in raw_old.get("manual", {}).items()
        if _text(value) != _text(raw_new.get("manual", {}).get(key))
    ]
    old_tables, new_tables = raw_old.get("tables") or {}, raw_new.get("tables") or {}
    tables = [
        diff
        for name in dict.fromkeys([*old_tables, *new_tables])
        if (diff := _table(name, old, new, old_tables.get(name), new_tables.get(name)))
    ]
    return ManualDiff(old, new, identity, _steps(raw_old, raw_new), tables)
