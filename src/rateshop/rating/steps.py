"""Compiled steps, and what each step kind means to rating, specified once.

A manual names its steps' kinds (:class:`~rateshop.manual.model.StepKind`); this module says
what each kind does, in one :class:`KindSpec` per kind:

* its **scale rule**: the scale of the running total after it, and the factors that align the
  total and the operand before they meet;
* its **trace layout**: what a chain's flat trace holds for it (see :func:`decode_trace`);
* its **words** on a worksheet read by people, and its meaning on exact decimals (how a stored
  worksheet is replayed);
* its **bound rule**: how large the running total can grow through it, which tells the batch
  paths whether int64 still holds it (:meth:`CStep.bound_after`).

The three places that run steps match on the kind exhaustively, so a new kind is refused by the
type checker until it is written there too: the generated code of the single path
(:meth:`rateshop.rating.codegen._Writer.chain`), the column-wise path
(:meth:`rateshop.rating.book_runner.Runner.chain`), and the fused kernel's builder
(:mod:`rateshop.rating.fused`). :data:`SPECS` is made by an exhaustive match as well: adding a
member to ``StepKind`` makes mypy point at each of the four.

The compiled chains themselves (:class:`CStep`, :class:`CComponent`...) are here too, apart from
the plan that holds them, so the code generator, the quote and the plan all read them without
importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, assert_never

from rateshop.manual.model import Component, DiscountGroup, Step, StepKind
from rateshop.money import POW10
from rateshop.rating.expressions import Fn, LookupFn

# (scale of the running total, scale of the operand) -> (scale after the operation, factor
# aligning the running total, factor aligning the operand)
ScaleRule = Callable[[int, int], tuple[int, int, int]]


def _operand_scale(total: int, operand: int) -> tuple[int, int, int]:
    """The operand replaces the total: its scale is the operand's."""
    return operand, 1, 1


def _product_scale(total: int, operand: int) -> tuple[int, int, int]:
    """The total is multiplied: scales add. A step that does not apply multiplies by 1, which
    at the operand's scale is ``10 ** operand``: the total's alignment."""
    return total + operand, POW10[operand], 1


def _common_scale(total: int, operand: int) -> tuple[int, int, int]:
    """Total and operand are compared or added: both brought to the larger scale."""
    mid = max(total, operand)
    return mid, POW10[mid - total], POW10[mid - operand]


def _total_scale(total: int, operand: int) -> tuple[int, int, int]:
    """No operand: the total keeps its scale (only the step's rounding changes it)."""
    return total, 1, 1


# (bound of the running total, whether it is >= 0, bound of the operand, whether it is >= 0,
# alignment of the total, alignment of the operand) -> (bound after, whether it is >= 0 after)
BoundRule = Callable[[int, bool, int, bool, int, int], tuple[int, bool]]


def _operand_bound(
    total: int, nonneg: bool, operand: int, op_nonneg: bool, align_t: int, align_o: int
) -> tuple[int, bool]:
    return operand, op_nonneg


def _product_bound(
    total: int, nonneg: bool, operand: int, op_nonneg: bool, align_t: int, align_o: int
) -> tuple[int, bool]:
    return total * operand, nonneg and op_nonneg


def _sum_bound(
    total: int, nonneg: bool, operand: int, op_nonneg: bool, align_t: int, align_o: int
) -> tuple[int, bool]:
    return total * align_t + operand * align_o, nonneg and op_nonneg


def _floor_bound(
    total: int, nonneg: bool, operand: int, op_nonneg: bool, align_t: int, align_o: int
) -> tuple[int, bool]:
    """At least the operand: never below a total that was >= 0."""
    return total * align_t + operand * align_o, nonneg


def _total_bound(
    total: int, nonneg: bool, operand: int, op_nonneg: bool, align_t: int, align_o: int
) -> tuple[int, bool]:
    return total, nonneg


@dataclass(frozen=True)
class KindSpec:
    """What one step kind means to rating (see the module's docstring)."""

    kind: StepKind
    word: str  # the operation on a worksheet in words: "×", "at least"
    scales: ScaleRule
    # whether the trace holds an operand for the step (a discount's is its factor)
    traces_operand: bool
    traces_note: bool  # whether the trace holds a note (a discount's items and caps)
    # whether the step multiplies the total by a factor, so rounding there keeps later steps short
    multiplies: bool
    # whether what the step looked up is a fact about the risk that moved the price (a factor
    # or an amount chosen by the shopper's answers, not a bound or the base rate)
    fact: bool
    replay: Callable[[Decimal, Decimal], Decimal]  # (total, operand) -> total, exactly
    # the largest magnitude the total can reach, and its sign, before the step's rounding: the
    # batch paths keep int64 while it stays below their limit
    bounds: BoundRule


def _spec(kind: StepKind) -> KindSpec:
    match kind:
        case StepKind.START:
            return KindSpec(kind, "starts at", _operand_scale, True, False, False, False,
                            lambda total, operand: operand, _operand_bound)  # fmt: skip
        case StepKind.MULTIPLY:
            return KindSpec(kind, "×", _product_scale, True, False, True, True,
                            lambda total, operand: total * operand, _product_bound)  # fmt: skip
        case StepKind.ADD:
            return KindSpec(kind, "+", _common_scale, True, False, False, True,
                            lambda total, operand: total + operand, _sum_bound)  # fmt: skip
        case StepKind.MINIMUM:
            return KindSpec(kind, "at least", _common_scale, True, False, False, False, max,
                            _floor_bound)  # fmt: skip
        case StepKind.MAXIMUM:
            return KindSpec(kind, "at most", _common_scale, True, False, False, False, min,
                            _sum_bound)  # fmt: skip
        case StepKind.DISCOUNT:
            return KindSpec(kind, "discount", _product_scale, True, True, True, True,
                            lambda total, factor: total * factor, _product_bound)  # fmt: skip
        case StepKind.ROUND:
            return KindSpec(kind, "rounded", _total_scale, False, False, False, False,
                            lambda total, operand: total, _total_bound)  # fmt: skip
        case _:
            assert_never(kind)


SPECS: Final[Mapping[StepKind, KindSpec]] = MappingProxyType({k: _spec(k) for k in StepKind})
# A worksheet's ``kind`` text -> the operation in words.
STEP_WORDS: Final[Mapping[str, str]] = MappingProxyType({k.value: s.word for k, s in SPECS.items()})


@dataclass
class CItem:
    """A compiled discount item."""

    id: str
    label: str
    rate: Fn
    align: int  # multiplier bringing the rate to the group's scale
    when: Fn | None


@dataclass
class CGroup:
    """A compiled discount group: rates add up (capped), the group multiplies as 1 - total."""

    id: str
    label: str
    scale: int
    cap: Fn | None
    cap_align: int
    items: list[CItem]
    model: DiscountGroup


@dataclass
class CStep:
    """A compiled step with the scales of the running total before and after it."""

    step: Step
    operand: Fn | None
    lookup: LookupFn | None
    when: Fn | None
    groups: list[CGroup]
    op_scale: int
    in_scale: int
    mid_scale: int
    out_scale: int
    round_to: int | None
    align_total: int  # multiplier for the running total before add/min/max (or skipped multiply)
    align_operand: int  # multiplier for the operand of add/min/max
    spec: KindSpec = field(init=False, repr=False)
    # the kind as worksheet text (a plain str: an enum member's .value is slow to read per line)
    kind_text: str = field(init=False, repr=False)
    # what the trace holds for this step: an operand, an applied flag, a note (decode_trace)
    layout: tuple[bool, bool, bool] = field(init=False, repr=False)
    round_div: int = 1  # rounding drops decimals: divide by this, half-up (1 = none)
    round_mul: int = 1  # rounding adds decimals: multiply by this

    def __post_init__(self) -> None:
        self.spec = SPECS[self.step.kind]
        self.kind_text = self.step.kind.value
        self.layout = (self.spec.traces_operand, self.when is not None, self.spec.traces_note)
        if self.round_to is not None:
            # 10 ** k, not POW10: a long chain of factors may carry more decimals than it holds
            if self.round_to < self.mid_scale:
                self.round_div = 10 ** (self.mid_scale - self.round_to)
            else:
                self.round_mul = 10 ** (self.round_to - self.mid_scale)

    @property
    def kind(self) -> StepKind:
        return self.step.kind

    def bound_after(
        self, bound: int, nonneg: bool, op_bound: int, op_nonneg: bool, masked: bool
    ) -> tuple[int, bool]:
        """The running total's bound and sign after the step, before its rounding.

        ``masked``: the step applies to some rows only; a factor the others skip counts as the
        total's alignment (a multiplication by 1 at the operand's scale)."""
        if masked and self.spec.multiplies:
            op_bound = max(op_bound, self.align_total)
        return self.spec.bounds(
            bound, nonneg, op_bound, op_nonneg, self.align_total, self.align_operand
        )

    def bound_rounded(self, bound: int) -> int:
        """The bound after the step's rounding (half-up may carry one more unit)."""
        if self.round_to is None:
            return bound
        return bound * self.round_mul // self.round_div + 1


@dataclass
class CComponent:
    """A compiled component: its chain of steps and the final scale of its premium."""

    id: str
    label: str
    coverage: str | None
    when: Fn | None
    steps: list[CStep]
    final_scale: int
    to_money: int  # multiplier to bring the final value to cents
    model: Component


@dataclass
class CFee:
    id: str
    label: str
    amount: Fn
    amount_scale: int
    when: Fn | None
    decimals: int


def trace_entries(cs: CStep, operand: str, total: str, flags: list[str], note: str) -> list[str]:
    """The trace entries of one step, in the order :func:`decode_trace` reads them.

    The trace holds only what can vary: the operand (when the kind traces one), the running
    total, the applied flag (steps with a condition) and the note (when the kind traces one).
    The entries are given as whatever the writer records them as (names in generated code).
    """
    spec = cs.spec
    return [
        *([operand] if spec.traces_operand else []),
        total,
        *flags,
        *([note] if spec.traces_note else []),
    ]


def decode_trace(
    steps: list[CStep], trace: tuple[Any, ...]
) -> Iterator[tuple[CStep, int | None, int, bool, str]]:
    """Each step with its operand, running total, applied flag and note from a chain's trace."""
    at = 0
    for cs in steps:
        has_operand, has_flag, has_note = cs.layout
        operand = None
        if has_operand:
            operand = trace[at]
            at += 1
        total = trace[at]
        at += 1
        applied = True
        if has_flag:
            applied = trace[at]
            at += 1
        note = ""
        if has_note:
            note = trace[at]
            at += 1
        yield cs, operand, total, applied, note
