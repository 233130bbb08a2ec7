"""Rating steps: the ``steps:`` of the rating and policy sections, each built into a Step.

Every :class:`~rateshop.manual.model.Step` is made here, in :meth:`StepsReader.steps`.
"""

from __future__ import annotations

from typing import Any

from rateshop.manual.expr import Expr, ExprError, Scope
from rateshop.manual.expr_lookup import lookup_node
from rateshop.manual.model import DiscountGroup, DiscountItem, Step, StepKind, Unit
from rateshop.manual.sections.base import SectionReader, as_list
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import Bool, Num
from rateshop.money import Rounding

STEP_OPS = ("start", "multiply", "add", "minimum", "maximum", "discount")
STEP_KEYS = {*STEP_OPS, "id", "label", "when", "only", "except", "column", "round", "note"}


class StepsReader(SectionReader):
    """Reads a list of steps, their operands and their discount groups."""

    def steps(
        self,
        raw: Any,
        scope: Scope,
        component: str | None,
        unit: Unit | None,
        round_each: Rounding | None,
        where: str,
    ) -> list[Step]:
        out: list[Step] = []
        if not isinstance(raw, Seq):
            self.bad(getattr(raw, "line", None), f"{where}.steps must be a list")
            return out
        seen: set[str] = set()
        before = len(self.problems)
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node):
                self.bad(iline, f"{where} step must be a mapping with an id and one operation")
                continue
            sid = str(item.get("id", ""))
            if not sid.isidentifier():
                self.bad(
                    iline, f"{where} step needs an id made of letters, digits and _ (got {sid!r})"
                )
                continue
            if sid in seen:
                self.bad(iline, f"step id {sid!r} is used twice")
                continue
            seen.add(sid)
            for key in item:
                if key not in STEP_KEYS:
                    self.bad(
                        item.line_of(key),
                        f"step {sid}: unknown key {key!r}; keys: {sorted(STEP_KEYS)}",
                    )
            only, exclude = as_list(item.get("only")), as_list(item.get("except"))
            if component is not None and ((only and component not in only) or component in exclude):
                continue
            ops = [k for k in STEP_OPS if k in item]
            if len(ops) > 1:
                self.bad(iline, f"step {sid}: one operation per step, found {', '.join(ops)}")
                continue
            if not ops and "round" not in item:
                self.bad(iline, f"step {sid}: needs one of {', '.join(STEP_OPS)} or round")
                continue
            kind = StepKind(ops[0]) if ops else StepKind.ROUND
            rounding = (
                self.rounding(item.get("round"), item.line_of("round"))
                if "round" in item
                else (round_each if kind in ("start", "multiply", "add", "discount") else None)
            )
            when = None
            if "when" in item:
                when = self.expr(
                    item["when"], scope, item.line_of("when"), f"step {sid} when", Bool
                )
            operand: Expr | None = None
            groups: list[DiscountGroup] = []
            source = ""
            if kind == "discount":
                groups = self.discount(item["discount"], item.line_of("discount"), scope, sid)
                source = "discounts"
            elif kind != "round":
                operand, source = self.operand(item[kind], item, scope, sid, kind)
                if operand is None:
                    continue
            label = str(item.get("label", sid.replace("_", " ")))
            out.append(Step(sid, label, kind, operand, when, rounding, groups, source, iline))
        broken = len(self.problems) > before  # a step that failed to load may be the start
        if out and out[0].kind != "start" and where == "rating" and not broken:
            self.bad(out[0].line, f"the first step for {component} must be a start (base rate)")
        return out

    def operand(
        self, value: Any, item: Node, scope: Scope, sid: str, kind: str
    ) -> tuple[Expr | None, str]:
        line = item.line_of(kind)
        column = item.get("column")
        if isinstance(value, str) and value in self.failed_tables:
            return None, value  # the table's own problems are already reported
        if isinstance(value, str) and value in self.tables:
            try:
                return lookup_node(
                    self.tables[value], {}, None if column is None else str(column), scope
                ), value
            except ExprError as exc:
                self.bad(line, f"step {sid}: {exc}")
                return None, value
        if column is not None:
            self.bad(item.line_of("column"), f"step {sid}: column only applies to a table lookup")
        if (
            isinstance(value, str)
            and value.isidentifier()
            and value not in scope.roots
            and value not in scope.consts
        ):
            tables = ", ".join(sorted(self.tables)) or "none"
            self.bad(
                line, f"step {sid}: {value!r} is neither a table nor a variable; tables: {tables}"
            )
            return None, value
        return self.expr(value, scope, line, f"step {sid}", Num), str(value)

    def discount(self, raw: Any, line: int, scope: Scope, sid: str) -> list[DiscountGroup]:
        groups: list[DiscountGroup] = []
        spec = raw.get("groups") if isinstance(raw, Node) else None
        if not isinstance(spec, Seq):
            self.bad(
                line, f"step {sid}: discount needs 'groups', each with items and an optional cap"
            )
            return groups
        for g, gline in zip(spec, spec.item_lines, strict=True):
            if not isinstance(g, Node) or not isinstance(g.get("items"), Seq):
                self.bad(gline, f"step {sid}: each discount group needs 'items'")
                continue
            gid = str(g.get("id", f"group{len(groups) + 1}"))
            self.only_keys(g, {"id", "label", "cap", "items"}, f"discount group {gid}")
            cap = None
            if "cap" in g:
                cap = self.expr(g["cap"], scope, g.line_of("cap"), f"discount group {gid} cap", Num)
            items: list[DiscountItem] = []
            for it, itline in zip(g["items"], g["items"].item_lines, strict=True):
                if not isinstance(it, Node) or "id" not in it or "rate" not in it:
                    self.bad(itline, f"step {sid}: each discount needs an id and a rate")
                    continue
                self.only_keys(it, {"id", "label", "rate", "when", "note"}, f"discount {it['id']}")
                rate_value = it["rate"]
                if isinstance(rate_value, str) and rate_value in self.tables:
                    try:
                        rate: Expr | None = lookup_node(self.tables[rate_value], {}, None, scope)
                    except ExprError as exc:
                        self.bad(it.line_of("rate"), f"discount {it['id']}: {exc}")
                        continue
                else:
                    rate = self.expr(
                        rate_value, scope, it.line_of("rate"), f"discount {it['id']} rate", Num
                    )
                when = None
                if "when" in it:
                    when = self.expr(
                        it["when"], scope, it.line_of("when"), f"discount {it['id']} when", Bool
                    )
                if rate is not None:
                    items.append(
                        DiscountItem(
                            str(it["id"]), str(it.get("label", it["id"])), rate, when, itline
                        )
                    )
            groups.append(DiscountGroup(gid, str(g.get("label", gid)), cap, items))
        return groups
