"""The stored cases of ``tests.yaml``: risks with the premium the manual must give them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from rateshop.manual.folders import OUTSIDE, TESTS, display_path
from rateshop.manual.limits import MAX_TESTS_BYTES
from rateshop.manual.model import Manual, TestCase
from rateshop.manual.sections.base import SectionReader, as_list
from rateshop.manual.source import Node, Seq, SourceError, load_yaml, read_text


class CasesReader(SectionReader):
    """Reads the stored cases next to the manifest."""

    # ------------------------------------------------------------------ stored tests
    def expected(self, expect: Node, key: str, shown: str) -> dict[str, str]:
        """An ``expect`` mapping of names to amounts (``components``, ``steps``)."""
        value = expect.get(key)
        if value is None:
            return {}
        if not isinstance(value, Node):
            self.bad(expect.line_of(key), f"expect {key} must map names to amounts", shown)
            return {}
        return {str(k): str(v) for k, v in value.items()}

    def load_tests(self, manual: Manual) -> None:
        path = self.root / TESTS
        if not path.exists():
            return
        shown = display_path(path)
        manual.tests_file = shown
        try:
            doc = load_yaml(path, shown, MAX_TESTS_BYTES)
        except SourceError as exc:
            self.problems.append(exc.problem)
            return
        cases = doc.get("cases") if isinstance(doc, Node) else doc
        if not isinstance(cases, Seq):
            self.bad(getattr(doc, "line", 1), "tests.yaml must hold a list of cases", shown)
            return
        for case, cline in zip(cases, cases.item_lines, strict=True):
            if not isinstance(case, Node) or "name" not in case or "expect" not in case:
                self.bad(cline, "each test case needs a name, a risk and an expect", shown)
                continue
            risk = case.get("risk")
            if "risk_file" in case:
                if not self.within_carrier(self.root / str(case["risk_file"])):
                    self.bad(
                        case.line_of("risk_file"),
                        f"risk_file {case['risk_file']} is {OUTSIDE}",
                        shown,
                    )
                    continue
                risk_path = self.root / str(case["risk_file"])
                try:
                    risk = json.loads(read_text(risk_path, shown, MAX_TESTS_BYTES))
                except SourceError as exc:
                    self.bad(case.line_of("risk_file"), exc.problem.reason, shown)
                    continue
                except (ValueError, RecursionError) as exc:
                    self.bad(case.line_of("risk_file"), f"cannot read risk_file: {exc}", shown)
                    continue
            if not isinstance(risk, dict):
                self.bad(
                    cline, f"test {case['name']}: risk must be a mapping (or give risk_file)", shown
                )
                continue
            expect = case["expect"]
            if not isinstance(expect, Node):
                self.bad(case.line_of("expect"), "expect must be a mapping", shown)
                continue
            for node, allowed, what in (
                (case, {"name", "risk", "risk_file", "expect", "note"}, f"test {case['name']}"),
                (
                    expect,
                    {"premium", "total", "components", "steps", "decline"},
                    f"test {case['name']} expect",
                ),
            ):
                for key in node:
                    if key not in allowed:
                        self.bad(
                            node.line_of(key),
                            f"{what}: unknown key {key!r}; keys: {', '.join(sorted(allowed))}",
                            shown,
                        )
            decline = expect.get("decline")
            manual.tests.append(
                TestCase(
                    name=str(case["name"]),
                    risk=_plain(risk),
                    premium=None if expect.get("premium") is None else str(expect["premium"]),
                    total=None if expect.get("total") is None else str(expect["total"]),
                    components=self.expected(expect, "components", shown),
                    steps=self.expected(expect, "steps", shown),
                    decline=None if decline is None else [str(d) for d in as_list(decline)],
                    line=cline,
                )
            )


def _plain(value: Any) -> Any:
    """YAML values as JSON would give them (decimals as text keep their digits)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
