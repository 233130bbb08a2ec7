"""The ``coverages:`` section: the coverages a risk may choose and their options."""

from __future__ import annotations

from typing import Any

from rateshop.manual.inputs import FieldSpec
from rateshop.manual.model import RISK, Coverage, Unit
from rateshop.manual.sections.base import SectionReader
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import BOOL, INT, Text, Type


class CoveragesReader(SectionReader):
    """Reads the ``coverages:`` section and checks the coverages chosen item by item."""

    def coverages(self, raw: Any, line: int, inputs: dict[str, FieldSpec]) -> dict[str, Coverage]:
        out: dict[str, Coverage] = {}
        if raw is None:
            return out
        if not isinstance(raw, Node):
            self.bad(line, "coverages must be a mapping of coverage id to its options")
            return out
        if "coverages" in inputs:
            self.bad(line, "'coverages' is declared both as an input and as a section")
            return out
        self.shapes["coverages"] = {}
        for cid, spec in raw.items():
            cline = raw.line_of(cid)
            if not str(cid).isidentifier():
                self.bad(cline, f"coverage id {cid!r} must be a name (letters, digits, _)")
                continue
            if isinstance(spec, Node):
                self.only_keys(
                    spec, {"label", "required", "options", "per", "note"}, f"coverage {cid}"
                )
            else:
                spec = Node()
            options: dict[str, FieldSpec] = {}
            rec = f"coverages.{cid}"
            self.shapes[rec] = {"chosen": BOOL}
            opts = spec.get("options") or Node()
            if not isinstance(opts, Node):
                self.bad(cline, f"coverage {cid}: options must map each option to its values")
                opts = Node()
            for oname, values in opts.items():
                oline = opts.line_of(oname) if isinstance(opts, Node) else cline
                if isinstance(values, Node):
                    self.only_keys(values, {"values", "default"}, f"coverage {cid} option {oname}")
                    default = values.get("default")
                    values = values.get("values")
                else:
                    default = None
                if not isinstance(values, Seq) or not values:
                    self.bad(oline, f"coverage {cid} option {oname}: give a list of values")
                    continue
                ot: Type
                if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                    ot = INT
                else:
                    ot = Text(tuple(str(v) for v in values))
                allowed = tuple(str(v) for v in values)
                fs = FieldSpec(oname, ot, oline, choices=allowed)
                if default is not None:
                    if str(default) not in allowed:
                        self.bad(
                            oline,
                            f"coverage {cid} option {oname}: default {default!r} is not offered",
                        )
                    elif isinstance(ot, Text):
                        fs.default = str(default)
                    else:
                        fs.default = int(default)
                    fs.required = False
                options[oname] = fs
                self.shapes[rec][oname] = ot
            out[cid] = Coverage(
                cid, str(spec.get("label", cid)), bool(spec.get("required", False)), options, cline
            )
            if spec.get("per") is not None:
                out[cid].per = str(spec["per"])
                self.coverage_per_lines[cid] = spec.line_of("per")
            self.shapes["coverages"][cid] = ("record", rec)
        self.shapes[RISK]["coverages"] = ("record", "coverages")
        return out

    def check_per_unit_coverages(self, coverages: dict[str, Coverage], unit: Unit | None) -> None:
        """A coverage chosen item by item must be chosen on the items rated one by one."""
        for cid, cov in coverages.items():
            if cov.per is None:
                continue
            line = self.coverage_per_lines[cid]
            if unit is None or cov.per != unit.source:
                rated = "nothing is" if unit is None else f"rating.per is {unit.source}"
                self.bad(
                    line,
                    f"coverage {cid}: per must name the list rated item by item ({rated}); "
                    "each of its items may then choose the coverage",
                )
            elif "coverages" in self.shapes[unit.name]:
                self.bad(
                    line,
                    f"coverage {cid}: the items of {unit.source} hold their own choice of "
                    "coverages, so their field 'coverages' must be renamed",
                )
