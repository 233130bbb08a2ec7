"""The ``rating:`` and ``components:`` sections: the unit rated item by item, the
components of the premium, and the steps each component runs."""

from __future__ import annotations

from typing import Any

from rateshop.manual.expr import Const, Lookup, Scope, walk
from rateshop.manual.model import RISK, Assignment, Component, Coverage, Unit
from rateshop.manual.sections.base import as_list
from rateshop.manual.sections.steps import StepsReader
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import BOOL, Bool, Num, Text, Type
from rateshop.money import Rounding


class RatingReader(StepsReader):
    """Reads what is rated (the unit and its assignments) and the components' steps."""

    # ------------------------------------------------------------------ rating
    def unit(self, rating: Node) -> Unit | None:
        self.only_keys(rating, {"per", "assign", "round_each", "steps"}, "rating")
        per = rating.get("per")
        if per is None:
            if "assign" in rating:
                self.bad(
                    rating.line_of("assign"), "assign needs 'per' (the list rated item by item)"
                )
            return None
        shape = self.shapes[RISK].get(str(per))
        if not (isinstance(shape, tuple) and shape[0] == "list"):
            lists = [
                k for k, v in self.shapes[RISK].items() if isinstance(v, tuple) and v[0] == "list"
            ]
            self.bad(
                rating.line_of("per"), f"rating.per: {per!r} is not a list input; lists: {lists}"
            )
            return None
        item = shape[1]
        assignments: list[Assignment] = []
        raw = rating.get("assign") or Node()
        for aname, spec in raw.items() if isinstance(raw, Node) else []:
            aline = raw.line_of(aname)
            if not isinstance(spec, Node):
                self.bad(aline, f"assign {aname}: give from, method and ranks")
                continue
            self.only_keys(
                spec, {"from", "method", "rank", "unit_rank", "field"}, f"assign {aname}"
            )
            source = str(spec.get("from", ""))
            sshape = self.shapes[RISK].get(source)
            if not (isinstance(sshape, tuple) and sshape[0] == "list"):
                self.bad(spec.line_of("from"), f"assign {aname}: from must name a list input")
                continue
            if aname != sshape[1]:
                self.bad(
                    aline, f"assign: the name must be the item name of {source}, {sshape[1]!r}"
                )
                continue
            method = str(spec.get("method", "highest_to_highest"))
            rank_from = rank_to = None
            fld = None
            if method == "highest_to_highest":
                rank_from = self.expr(
                    spec.get("rank", ""),
                    self.scope(sshape[1]),
                    spec.line_of("rank"),
                    f"assign {aname} rank",
                    Num,
                )
                rank_to = self.expr(
                    spec.get("unit_rank", ""),
                    self.scope(item),
                    spec.line_of("unit_rank"),
                    f"assign {aname} unit_rank",
                    Num,
                )
            elif method == "field":
                fld = str(spec.get("field", ""))
                shape = self.shapes[item].get(fld)
                if not (isinstance(shape, Num) and shape.scale == 0):
                    self.bad(
                        spec.line_of("field"),
                        f"assign {aname}: field must be a whole-number field of {item} holding the {aname} number",
                    )
            else:
                self.bad(
                    spec.line_of("method"),
                    f"assign {aname}: method must be highest_to_highest or field",
                )
                continue
            assignments.append(Assignment(aname, source, method, rank_from, rank_to, fld, aline))
        return Unit(str(per), item, assignments)

    def unit_scope(self, unit: Unit | None) -> Scope:
        if unit is None:
            return self.scope()
        extra: dict[str, Type] = {a.name: self.record_type(a.name) for a in unit.assignments}
        if unit.assignments:
            extra["assigned"] = BOOL
        return self.scope(unit.name, **extra)

    def components(self, raw: Any, line: int, coverages: dict[str, Coverage]) -> list[Component]:
        if raw is None:
            if coverages:
                return [
                    Component(c.id, c.label, c.id, None, [], c.line) for c in coverages.values()
                ]
            return [Component("premium", "Premium", None, None, [], line)]
        if not isinstance(raw, Seq) or not raw:
            self.bad(line, "components must be a list of {id, label, coverage?, when?}")
            return []
        out: list[Component] = []
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if isinstance(item, str):
                item_node = Node({"id": item})
                item_node.file, item_node.line, item_node.key_lines = self.file, iline, {}
                item = item_node
            if not isinstance(item, Node) or "id" not in item:
                self.bad(iline, "each component needs an id")
                continue
            self.only_keys(
                item, {"id", "label", "coverage", "when", "note"}, f"component {item['id']}"
            )
            cov = item.get("coverage")
            if cov is not None and str(cov) not in coverages:
                self.bad(
                    item.line_of("coverage"), f"component {item['id']}: unknown coverage {cov!r}"
                )
            comp = Component(
                str(item["id"]),
                str(item.get("label", item["id"])),
                None if cov is None else str(cov),
                None,
                [],
                iline,
            )
            if "when" in item:
                self.component_when[comp.id] = item["when"]
            out.append(comp)
        ids = [c.id for c in out]
        for c in out:
            if ids.count(c.id) > 1:
                self.bad(c.line, f"component id {c.id!r} is used twice")
        return out

    def component_scope(
        self, base: Scope, comp: Component, coverages: dict[str, Coverage]
    ) -> Scope:
        # ``coverage`` is this component's id, typed as any component id so shared steps can
        # branch on it (``coverage in ['BI', 'PD']``).
        consts = {"coverage": Const(Text(tuple(self.component_ids) or (comp.id,)), comp.id)}
        aliases: dict[str, tuple[Type, tuple[str, ...]]] = {}
        if comp.coverage is not None and comp.coverage in coverages:
            aliases["option"] = (
                self.record_type(f"coverages.{comp.coverage}"),
                ("coverages", comp.coverage),
            )
        return Scope(base.roots, base.tables, base.bindings, comp.id, consts, aliases)

    def build_components(
        self,
        components: list[Component],
        steps_raw: Any,
        rating: Node,
        unit: Unit | None,
        round_each: Rounding | None,
        coverages: dict[str, Coverage],
    ) -> list[Component]:
        if not isinstance(steps_raw, Seq) or not steps_raw:
            self.bad(rating.line_of("steps"), "rating.steps must be a non-empty list of steps")
            return components
        ids = {c.id for c in components}
        for item in steps_raw:
            if isinstance(item, Node):
                for key in ("only", "except"):
                    for cid in as_list(item.get(key)):
                        if cid not in ids:
                            self.bad(
                                item.line_of(key),
                                f"step {item.get('id')}: {key} names unknown component {cid!r}; components: {sorted(ids)}",
                            )
        base = self.unit_scope(unit)
        self.component_ids = [c.id for c in components]
        for comp in components:
            scope = self.component_scope(base, comp, coverages)
            when_text = self.component_when.get(comp.id)
            if when_text is not None:
                comp.when = self.expr(
                    when_text, scope, comp.line, f"component {comp.id} when", Bool
                )
            comp.steps = self.steps(steps_raw, scope, comp.id, unit, round_each, "rating")
        self.check_shared_tables(components)
        return components

    def check_shared_tables(self, components: list[Component]) -> None:
        """Refuse a one-column table that a step applies alike to components it is not for.

        A table with a single value column answers the same factor whatever the component, so a
        step running over several components multiplies every one of them by it: right for a
        territory factor, wrong for a table meant for hurricane alone. The table must say which
        components it is for (``components: all`` or a list). A lookup whose keys differ by
        component (they read ``coverage`` or ``option``) is per component already.
        """
        ids = {c.id for c in components}
        declared: dict[str, set[str] | None] = {}
        for name, (raw, line) in self.table_components.items():
            if raw == "all":
                declared[name] = None
                continue
            listed = as_list(raw) if isinstance(raw, Seq | str) else []
            unknown = [c for c in listed if c not in ids]
            if not listed or unknown:
                self.bad(
                    line,
                    f"table {name}: components must be 'all' or a list of component ids"
                    + (f"; unknown {', '.join(unknown)}; components: {', '.join(sorted(ids))}"
                       if unknown else ""),
                )  # fmt: skip
                continue
            declared[name] = set(listed)
        # (step id, table) -> keys -> the components whose step looks it up with those keys
        uses: dict[tuple[str, str], dict[Any, list[str]]] = {}
        lines: dict[str, int] = {}
        for comp in components:
            for st in comp.steps:
                exprs = [] if st.operand is None else [st.operand]
                exprs += [item.rate for g in st.groups for item in g.items]
                for e in exprs:
                    for node in walk(e):
                        if isinstance(node, Lookup) and len(self.tables[node.table].columns) == 1:
                            by_keys = uses.setdefault((st.id, node.table), {})
                            by_keys.setdefault(node.keys, []).append(comp.id)
                            lines[st.id] = st.line
        for (sid, table), by_keys in uses.items():
            same = [c for comps in by_keys.values() if len(comps) > 1 for c in comps]
            if table not in declared:
                if same:
                    self.bad(
                        lines[sid],
                        f"step {sid}: table {table} (line {self.tables[table].line}) has one "
                        f"value column, so this step applies the same factor to "
                        f"{', '.join(same)}; if it is meant for every one of them say "
                        f"'components: all' on the table (or list the components it is for), "
                        "else give it a column per component or restrict the step with only:",
                    )
                continue
            allowed = declared[table]
            if allowed is None:
                continue
            used = [c for comps in by_keys.values() for c in comps]
            outside = [c for c in used if c not in allowed]
            if outside:
                self.bad(
                    lines[sid],
                    f"step {sid}: table {table} is for {', '.join(sorted(allowed))} only "
                    f"(its components:), but this step applies it to {', '.join(outside)}; "
                    "restrict the step with only:",
                )
