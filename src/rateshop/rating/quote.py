"""What rating returns: a quote with its worksheet, or a decline with its reasons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from rateshop.money import MONEY_SCALE, decimal_text, to_decimal
from rateshop.rating.steps import CStep, decode_trace


def cents(value: Fraction) -> Decimal:
    """An exact amount to the cent, half-up."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


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
        # One per plan, given with every answer of it: its data is made once, and each answer
        # given a copy of its own.
        return self._data.copy()

    @cached_property
    def _data(self) -> dict[str, Any]:
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


_new = object.__new__
_CENT = Decimal(1).scaleb(-MONEY_SCALE)


def amount_of(id: str, label: str, cents: int) -> Amount:
    """``Amount(id, label, cents as Decimal)``, built without the frozen dataclass ``__init__``.

    A quote makes several amounts per component, and the generated ``__init__`` of a frozen
    dataclass (one ``object.__setattr__`` per field) costs about twice filling the new
    instance's ``__dict__``; the result is the same object in every respect.
    """
    amount = _new(Amount)
    fields = amount.__dict__
    fields["id"] = id
    fields["label"] = label
    fields["amount"] = Decimal(cents) * _CENT  # exactly to_decimal(cents, MONEY_SCALE)
    return amount


@dataclass(frozen=True)
class AppliedDiscount:
    """A discount that applied to a component of a unit, at its rate."""

    id: str
    label: str
    rate: Decimal
    component: str
    unit: str | None

    def to_dict(self) -> dict[str, Any]:
        # The same few are given in every comparison (rateshop.rating.codegen makes each once):
        # its data is made once, and each quote given a copy of its own.
        return self._data.copy()

    @cached_property
    def _data(self) -> dict[str, Any]:
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


# The keys of a worksheet line as JSON (WorksheetLine.to_dict), in their order there.
WORKSHEET_COLUMNS = (
    "unit",
    "component",
    "step",
    "label",
    "kind",
    "source",
    "key",
    "value",
    "total",
    "applied",
    "note",
)

# One rated chain: unit label, component id, its compiled steps, the record it was rated on and
# its trace (see decode_trace). Lines, with their Decimals and the text of each matched row, are
# made only when someone reads the worksheet.
Segment = tuple[str | None, str, list[CStep], dict[str, Any], tuple[Any, ...]]


@dataclass
class Worksheet:
    """The full trace of a premium, kept as raw integers until someone reads it."""

    segments: list[Segment] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"Worksheet({sum(len(seg[2]) for seg in self.segments)} lines)"

    def _walk(self) -> Iterator[tuple[str | None, str, CStep, str | None, Any, int, bool, str]]:
        """Each line's unit, component, compiled step, key, operand, total, flag and note."""
        described: dict[tuple[str, tuple[Any, ...], bool], str] = {}
        # components of a unit share lookups: match each row once per unit record
        located: dict[tuple[int, str], tuple[int, Any, tuple[Any, ...]]] = {}
        for unit, comp, steps, env, trace in self.segments:
            for cs, operand, total, applied, note in decode_trace(steps, trace):
                key = None
                lookup = cs.lookup
                if lookup is not None and applied:
                    where = (id(env), lookup.signature)
                    found = located.get(where)
                    if found is None:
                        found = located[where] = lookup.locate(env)
                    pos, x, raw = found
                    defaulted = pos < 0 or (
                        not lookup.simple and operand == lookup.default and x is None
                    )
                    memo = (lookup.signature, raw, defaulted)
                    key = described.get(memo)
                    if key is None:
                        key = described[memo] = lookup.describe(raw, defaulted)
                yield unit, comp, cs, key, operand, total, applied, note

    @property
    def lines(self) -> list[WorksheetLine]:
        """The worksheet as lines with exact Decimals (for reading and checking in code)."""
        return [
            WorksheetLine(
                unit=unit,
                component=comp,
                step=cs.step.id,
                label=cs.step.label,
                kind=cs.kind_text,
                source=cs.step.source,
                key=key,
                value=None if operand is None else to_decimal(operand, cs.op_scale),
                total=to_decimal(total, cs.out_scale),
                applied=applied,
                note=note,
            )
            for unit, comp, cs, key, operand, total, applied, note in self._walk()
        ]

    def line_dicts(self) -> list[dict[str, Any]]:
        """The worksheet as JSON-ready data: what :meth:`WorksheetLine.to_dict` gives per line.

        Made straight from the trace, with amounts as exact decimal text: no line object or
        Decimal per line, which was most of what serialising a comparison cost.
        """
        # Factors repeat across lines and carriers' chains: each number is written once per call.
        texts: dict[tuple[int, int], str] = {}

        def text(value: int, scale: int) -> str:
            found = texts.get((value, scale))
            if found is None:
                found = texts[value, scale] = decimal_text(value, scale)
            return found

        # A dict display, not dict(zip(WORKSHEET_COLUMNS, ...)): a third of the time per line.
        return [
            {
                "unit": unit,
                "component": comp,
                "step": cs.step.id,
                "label": cs.step.label,
                "kind": cs.kind_text,
                "source": cs.step.source,
                "key": key,
                "value": None if operand is None else text(operand, cs.op_scale),
                "total": text(total, cs.out_scale),
                "applied": applied,
                "note": note,
            }
            for unit, comp, cs, key, operand, total, applied, note in self._walk()
        ]

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


class TermPrice:
    """A price for a term of ``term_months`` months, and what a year of it costs.

    Shared by every kind of quote (a manual's, a live carrier's) so terms of 6 and 12 months
    compare on the same exact yearly figure.
    """

    __slots__ = ()  # so a slotted subclass (a live quote) keeps no per-instance dict

    total: Decimal
    term_months: int

    @property
    def yearly(self) -> Fraction:
        """The exact price of a year of cover (total x 12 / term), so terms compare fairly."""
        return Fraction(self.total) * 12 / self.term_months

    @property
    def per_year(self) -> Decimal:
        """:attr:`yearly` to the cent, half-up, for people."""
        return cents(self.yearly)


@dataclass
class Quote(TermPrice):
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
        # A quote rated without its trace (``rate(..., trace=False)``) has no worksheet to give.
        if worksheet and self.worksheet.segments:
            out["worksheet"] = self.worksheet.line_dicts()
        return out


@dataclass
class Decline:
    """The manual's eligibility rules decline the risk, for these reasons."""

    manual: ManualRef
    reasons: list[str]

    kind = "decline"

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        return {"kind": "decline", "manual": self.manual.to_dict(), "reasons": list(self.reasons)}
