"""The ``policy:`` fees (added to the premium) and the ``details:`` shown with a quote."""

from __future__ import annotations

from typing import Any

from rateshop.manual.model import Detail, Fee
from rateshop.manual.sections.base import SectionReader
from rateshop.manual.source import Node, Seq
from rateshop.manual.types import Bool, Num
from rateshop.money import HALF_UP_CENT


class PolicyReader(SectionReader):
    """Reads fees and details."""

    def fees(self, raw: Any, line: int) -> list[Fee]:
        out: list[Fee] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "fees must be a list of {id, amount, when?}")
            return out
        scope = self.scope(premium=Num(2))
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "id" not in item or "amount" not in item:
                self.bad(iline, "each fee needs an id and an amount")
                continue
            fid = str(item["id"])
            self.only_keys(item, {"id", "label", "amount", "when", "round", "note"}, f"fee {fid}")
            amount = self.expr(item["amount"], scope, item.line_of("amount"), f"fee {fid}", Num)
            when = None
            if "when" in item:
                when = self.expr(item["when"], scope, item.line_of("when"), f"fee {fid} when", Bool)
            rounding = (
                self.rounding(item.get("round", "cent"), item.line_of("round")) or HALF_UP_CENT
            )
            if amount is not None:
                out.append(
                    Fee(
                        fid,
                        str(item.get("label", fid.replace("_", " "))),
                        amount,
                        when,
                        rounding,
                        iline,
                    )
                )
        return out

    def details(self, raw: Any, line: int) -> list[Detail]:
        out: list[Detail] = []
        if raw is None:
            return out
        if not isinstance(raw, Seq):
            self.bad(line, "details must be a list of {id, label, value}")
            return out
        for item, iline in zip(raw, raw.item_lines, strict=True):
            if not isinstance(item, Node) or "id" not in item or "value" not in item:
                self.bad(iline, "each detail needs an id and a value")
                continue
            value = self.expr(
                item["value"], self.scope(), item.line_of("value"), f"detail {item['id']}"
            )
            if value is not None:
                out.append(
                    Detail(str(item["id"]), str(item.get("label", item["id"])), value, iline)
                )
        return out
