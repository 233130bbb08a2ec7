"""What rating returns: a quote with its worksheet, or a decline with its reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from rateshop.money import to_decimal


def cents(value: Fraction) -> Decimal:
    """An exact amount to the cent, half-up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


if TYPE_CHECKING:
    from rateshop.rating.plan import CStep


@dataclass(frozen=True)
class ManualRef:
    """The manual version a price came from, down to its content hash."""

    carrier: str
    carrier_name: str
    line: str
    state: str
    effective: dt.date
    version: str
    content_hash: str
    sample: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "carrier_name": self.carrier_name,
            "line": self.line,
            "state": self.state,
            "effective": self.effective.isoformat(),
            "version": self.version,
            "content_hash": self.content_hash,
            "sample": self.sample,
        }


@dataclass(frozen=True)
class Amount:
    """A named amount on a quote (a component premium, a fee, an adjustment)."""

    id: str
    label: str
    amount: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "amount": str(self.amount)}


@dataclass(frozen=True)
class AppliedDiscount:
    """A discount that applied to a component of a unit, at its rate."""

    id: str
    label: str
    rate: Decimal
    component: str
    unit: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "rate": str(self.rate),
            "component": self.component,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class WorksheetLine:
    """One step of one premium: what was looked up, the factor or amount, the running total."""

    unit: str | None
    component: str
    step: str
    label: str
    kind: str
    source: str
    key: str | None
    value: Decimal | None
    total: Decimal
    applied: bool
    note: str

    @property
    def address(self) -> str:
        """How stored test cases name this line: ``step``, ``component.step``, ``N.component.step``."""
        return (
            self.step
            if self.unit is None
            else f"{self.unit.split()[-1]}.{self.component}.{self.step}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "component": self.component,
            "step": self.step,
            "label": self.label,
            "kind": self.kind,
            "source": self.source,
            "key": self.key,
            "value": None if self.value is None else str(self.value),
            "total": str(self.total),
            "applied": self.applied,
            "note": self.note,
        }


# (unit label, component id, compiled step, lookup token, operand, running total, applied, note)
# The lookup token is turned into text only when someone reads the worksheet.
RawLine = tuple[str | None, str, "CStep", Any, int | None, int, bool, str]


@dataclass
class Worksheet:
    """The full trace of a premium, kept as raw integers until someone reads it."""

    raw: list[RawLine] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"Worksheet({len(self.raw)} lines)"

    @property
    def lines(self) -> list[WorksheetLine]:
        out = []
        described: dict[tuple[str, tuple[Any, ...], bool], str] = {}
        for unit, comp, cs, token, operand, total, applied, note in self.raw:
            st = cs.step
            key = None
            if token is not None:
                # components of a unit share lookups: describe each matched row once
                memo = (token[0].signature, token[1], token[2])
                key = described.get(memo)
                if key is None:
                    key = described[memo] = token[0].describe(token[1], token[2])
            out.append(
                WorksheetLine(
                    unit=unit,
                    component=comp,
                    step=st.id,
                    label=st.label,
                    kind=st.kind,
                    source=st.source,
                    key=key,
                    value=None if operand is None else to_decimal(operand, cs.op_scale),
                    total=to_decimal(total, cs.out_scale),
                    applied=applied,
                    note=note,
                )
            )
        return out

    def step_values(self) -> dict[str, Decimal]:
        """Running totals by address, plus ``component.step`` and ``step`` where unambiguous."""
        out: dict[str, Decimal] = {}
        counts: dict[str, int] = {}
        lines = self.lines
        for ln in lines:
            for addr in {ln.address, f"{ln.component}.{ln.step}", ln.step}:
                counts[addr] = counts.get(addr, 0) + 1
        for ln in lines:
            if ln.unit is not None:
                out[ln.address] = ln.total
            for addr in (f"{ln.component}.{ln.step}", ln.step):
                if counts[addr] == 1:
                    out[addr] = ln.total
        return out


@dataclass
class Quote:
    """A priced answer from one manual."""

    manual: ManualRef
    premium: Decimal
    fees: list[Amount]
    total: Decimal
    monthly: Decimal
    term_months: int
    components: list[Amount]
    units: list[tuple[str | None, list[Amount]]]
    adjustments: list[Amount]
    discounts: list[AppliedDiscount]
    worksheet: Worksheet
    details: list[tuple[str, str, str]] = field(default_factory=list)

    kind = "quote"

    @property
    def yearly(self) -> Fraction:
        """The exact price of a year of cover (total x 12 / term), so terms compare fairly."""
        return Fraction(self.total) * 12 / self.term_months

    @property
    def per_year(self) -> Decimal:
        """:attr:`yearly` to the cent, half-up, for people."""
        return cents(self.yearly)

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "quote",
            "manual": self.manual.to_dict(),
            "premium": str(self.premium),
            "fees": [f.to_dict() for f in self.fees],
            "total": str(self.total),
            "monthly": str(self.monthly),
            "per_year": str(self.per_year),
            "term_months": self.term_months,
            "components": [c.to_dict() for c in self.components],
            "units": [
                {"unit": label, "components": [c.to_dict() for c in comps]}
                for label, comps in self.units
            ],
            "adjustments": [a.to_dict() for a in self.adjustments],
            "discounts": [d.to_dict() for d in self.discounts],
            "details": [{"id": i, "label": label, "value": v} for i, label, v in self.details],
        }
        if worksheet:
            out["worksheet"] = [ln.to_dict() for ln in self.worksheet.lines]
        return out


@dataclass
class Decline:
    """The manual's eligibility rules decline the risk, for these reasons."""

    manual: ManualRef
    reasons: list[str]

    kind = "decline"

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        return {"kind": "decline", "manual": self.manual.to_dict(), "reasons": list(self.reasons)}
