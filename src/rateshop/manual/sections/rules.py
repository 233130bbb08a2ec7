"""The ``derived:`` and ``eligibility:`` sections: variables computed from the risk, and
the rules that decline it."""

from __future__ import annotations

from typing import Any

from rateshop.manual.model import RISK, Derived, Rule
from rateshop.manual.sections.base import SectionReader
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import Bool, List, Record


class RulesReader(SectionReader):
    """Reads derived variables and eligibility rules."""

    # ------------------------------------------------------------------ derived & rules
    def derived(self, raw: Any, line: int) -> list[Derived]:
        out: list[Derived] = []
        if raw is None:
            return out
        if not isinstance(raw, Node):
            self.bad(line, "derived must be a mapping of name to expression")
            return out
        for target, text in raw.items():
            dline = raw.line_of(target)
            record, _, fname = str(target).rpartition(".")
            record = record or RISK
            if record != RISK and record not in self.items:
                items = ", ".join(sorted(self.items)) or "none"
                self.bad(dline, f"derived {target}: {record!r} is not a list item; items: {items}")
                continue
            if not fname.isidentifier():
                self.bad(dline, f"derived {target}: {fname!r} is not a valid name")
                continue
            if fname in self.shapes[record]:
                self.bad(dline, f"derived {target}: {fname!r} already exists")
                continue
            scope = self.scope() if record == RISK else self.scope(record)
            expr = self.expr(
                text, scope, dline, f"derived {target}", item=None if record == RISK else record
            )
            if expr is None:
                continue
            if isinstance(expr.type, List | Record):
                self.bad(dline, f"derived {target}: must be a single value, not {expr.type}")
                continue
            self.shapes[record][fname] = expr.type
            out.append(Derived(record, fname, expr, str(text), dline))
        return out

    def eligibility(self, raw: Any, line: int) -> list[Rule]:
        out: list[Rule] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "eligibility must be a list of {decline: reason, when: condition}")
            return out
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "decline" not in item or "when" not in item:
                self.bad(iline, "each eligibility rule needs 'decline' (the reason) and 'when'")
                continue
            expr = self.expr(item["when"], self.scope(), item.line_of("when"), "eligibility", Bool)
            if expr is not None:
                out.append(Rule(str(item["decline"]), expr, str(item["when"]), iline))
        return out
