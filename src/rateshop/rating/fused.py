"""A fused, compiled kernel per coverage chain: the batch path's answers in one loop over rows.

The column-wise path (:mod:`rateshop.rating.batch`) runs each step of a coverage as separate
whole-array passes: gather the factor, multiply, add half, divide. Here the steps of one
coverage become one generated loop, compiled by numba, that for each row gathers every factor
from its table, multiplies, and rounds half-up after each step, in int64 with the plan's scales.
The rounding divisors are literals in the generated code, so the compiler turns each division
into a multiplication.

Key matching is in the loop too when a key is a text column (its codes mapped through the
dimension's codes) or an integer column with a dense code table (the padded table the batch path
builds): the kernel reads the column itself, not a precomputed position. The loop runs over
blocks of rows: first the grid position of every table for the block (computed once and shared
by the coverages reading that table, in a scratch that stays in the CPU cache), then each
coverage's chain over the block. A chain's rows are independent, so the processor overlaps
consecutive rows' multiplications and divisions.

What stays column-wise, computed before the loop exactly as the batch path computes it: any
other key (a position precomputed per table), step conditions, discount factors, interpolated
lookups and any other operand expression.

A chain falls back to the column-wise path, explicitly and per coverage, when a value could
leave int64 (the batch path switches to Python integers there) or an operand is not a plain
integer column. The answers are the batch path's to the cent either way; the property test
``tests/rating/test_batch_equals_single.py`` holds both paths to the single-risk answers.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, assert_never

import numba
import numpy as np

from rateshop.config import settings
from rateshop.manual.model import StepKind
from rateshop.manual.types import Bool
from rateshop.rating.batch import (
    LIMIT,
    BatchResult,
    Book,
    _chunks,
    _concat,
    _Runner,
    _VStep,
    book_from_risks,
)
from rateshop.rating.cache import default_dir
from rateshop.rating.keys import KeyConv
from rateshop.rating.plan import Plan
from rateshop.rating.vector import Cat, Frame, magnitude
from rateshop.rating.vlookup import VLookup

__all__ = ["FALLBACKS", "KERNEL_SECONDS", "rate_book_fused", "rate_many_fused"]

# Chains that ran column-wise, by reason: read by tests and benchmarks, never by rating.
FALLBACKS: dict[str, int] = {}
# CPU seconds spent inside the compiled kernels: read by benchmarks, never by rating.
KERNEL_SECONDS: list[float] = [0.0]

# A minimum step raises the running value to at least its operand; a maximum caps it.
_COMBINE = {StepKind.ADD: "a + b", StepKind.MINIMUM: "max(a, b)", StepKind.MAXIMUM: "min(a, b)"}

_KERNELS: dict[str, Callable[..., Any]] = {}


def _kernel(text: str) -> Callable[..., Any]:
    """The compiled kernel of a generated text, compiled once per distinct text.

    With the plan cache on, the text is kept as a module named by its hash in a folder beside
    the compiled manuals, and numba keeps its machine code there too, so the next process loads
    it instead of compiling again (seconds for a large plan). Like the plan cache, that folder
    must belong to the service alone. The text is the builder's own: identifiers it made and
    integer literals of the plan.
    """
    fn = _KERNELS.get(text)
    if fn is None:
        fn = _from_disk(text) or _compile(text)
        _KERNELS[text] = fn
    return fn


_HEADER = "from numpy import int64, uint64\n"


# Every division in a kernel is by a literal power of ten, so Python's zero-division check has
# nothing to catch; without it the loop carries no error branch.
_OPTIONS: dict[str, Any] = {"nogil": True, "boundscheck": False, "error_model": "numpy"}


def _compile(text: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(compile(_HEADER + text, "<fused kernel>", "exec"), namespace)
    kernel: Callable[..., Any] = numba.njit(**_OPTIONS)(namespace["kernel"])
    return kernel


def _kernel_dir() -> Path | None:
    conf = settings()
    if not conf.plan_cache_enabled:
        return None
    return (conf.plan_cache or default_dir()).parent / "kernels"


def _from_disk(text: str) -> Callable[..., Any] | None:
    folder = _kernel_dir()
    if folder is None:
        return None
    source = (
        _HEADER
        + "from numba import njit\n\n\n"
        + text.replace(
            "def kernel(",
            "@njit(cache=True, nogil=True, boundscheck=False, error_model='numpy')\ndef kernel(",
            1,
        )
    )
    name = "fused_" + hashlib.sha256(source.encode()).hexdigest()[:40]
    path = folder / f"{name}.py"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != source:
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(source, encoding="utf-8")
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        # numba's cache finds the kernel's globals through the module's name
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except OSError:  # a cache that cannot be written costs compile time, nothing more
        return None
    return module.kernel  # type: ignore[no-any-return]


class _Args:
    """The arrays a plan's kernel reads, each passed once under a name of the builder's own."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.names: list[str] = []
        self.seen: dict[int, str] = {}
        self.tables: list[Any] = []
        self.offsets: dict[int, int] = {}
        self.size = 0
        # grid positions: a lookup's signature -> its row in the kernel's scratch (and its bit
        # in the rows' no-match flags), and the lines computing every position of a row
        self.slots: dict[str, int] = {}
        self.position_lines: list[str] = []

    def table(self, values: Any) -> int:
        """Where ``values`` (a table's column) starts in the one array of every table."""
        known = self.offsets.get(id(values))
        if known is not None:
            return known
        self.offsets[id(values)] = offset = self.size
        self.tables.append(values)
        self.size += len(values)
        return offset

    def flat_tables(self) -> Any:
        return np.concatenate(self.tables) if self.tables else np.zeros(1, dtype=np.int64)

    def arg(self, value: Any, prefix: str) -> str:
        known = self.seen.get(id(value))
        if known is not None:
            return known
        name = f"{prefix}{len(self.values)}"
        self.values.append(value)
        self.names.append(name)
        self.seen[id(value)] = name
        return name


_LOCALS = re.compile(r"\b(v|x|a|b|bad|miss|pp)\b")


def _suffixed(line: str, chain: int) -> str:
    """A chain's line with its own local variables (``v`` → ``v3`` for chain 3)."""
    return _LOCALS.sub(lambda m: f"{m.group(1)}{chain}", line)


# Rows per block: the scratch of grid positions (8 bytes per table and row) stays in the cache.
BLOCK = 2048


# Flags per word of the no-match flags (a word is an int64; its sign bit is left alone).
FLAGS = 63


def _flag(slot: int) -> tuple[int, int]:
    """The word and bit of ``M`` flagging a row with no match in the table of ``slot``."""
    return slot // FLAGS, 1 << (slot % FLAGS)


def _source(names: list[str], positions: list[str], chains: list[list[str]], words: int) -> str:
    """One loop over blocks of rows: every table's grid position for the block, then each chain.

    ``P`` holds a block's positions, a column per table; ``M`` flags, per row of the block, the
    tables in which the row matched no row (a bit per table), so a chain whose lookups have no
    condition or default checks them all at once.
    """
    lines = [
        f"def kernel(n, out, failed, T, P, M, {', '.join(names)}):",
        f"    for s in range(0, n, {BLOCK}):",
        f"        e = min(s + {BLOCK}, n)",
    ]
    if positions:
        lines += ["        for i in range(s, e):", "            j = i - s"]
        lines += [f"            M[j, {w}] = 0" for w in range(words)]
        lines += ["            " + ln for ln in positions]
    for c, body in enumerate(chains):
        lines += ["        for i in range(s, e):", "            j = i - s"]
        lines += [f"            v{c} = 0", f"            x{c} = 0", f"            a{c} = 0"]
        lines += [f"            b{c} = 0", f"            pp{c} = 0"]
        lines += [f"            bad{c} = False", f"            miss{c} = False"]
        lines += ["            " + _suffixed(ln, c) for ln in body]
        lines += [f"            out[{c}, i] = v{c}", f"            failed[{c}, i] = bad{c}"]
    return "\n".join(lines) + "\n"


def _round(v: str, div: int, nonneg: bool) -> list[str]:
    """Half away from zero, exactly as ``round_half_up_v``; ``div`` is a literal.

    A value known to be >= 0 is divided as unsigned, which compiles to a multiply and a shift
    with no sign fix-up.
    """
    half = div // 2
    if nonneg:
        return [f"{v} = int64(uint64({v} + {half}) // uint64({div}))"]
    return [
        f"if {v} >= 0:",
        f"    {v} = ({v} + {half}) // {div}",
        "else:",
        f"    {v} = -((-{v} + {half}) // {div})",
    ]


class _FusedRunner(_Runner):
    """The batch runner, with the coverage chains of a frame run by one fused kernel."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(plan)
        self.fused: dict[int, tuple[Any, Any]] = {}

    def run_frame(self, book: Book) -> BatchResult:
        self.fused = {}
        try:
            if len(book.errors) + len(book.declined) < book.n_risks and len(book.unit_risk):
                self.fuse(book)
            return super().run_frame(book)
        finally:
            self.fused = {}

    def fuse(self, book: Book) -> None:
        """Run every component chain that the kernel can take, all in one loop over units.

        Each component's rows and condition are those :meth:`run_frame` computes; the answers
        wait in ``fused`` for its call of :meth:`chain`.
        """
        units = book.units
        n = len(book.unit_risk)
        args = _Args()
        chains: list[tuple[int, list[str], Any, Any]] = []
        for comp, when, steps in self.components:
            mask: Any = np.ones(n, dtype=bool)
            if comp.coverage is not None:
                mask = np.asarray(units[f"coverages.{comp.coverage}.chosen"], dtype=bool)
            if when is not None:
                mask = mask & np.broadcast_to(self.eval(when, units, mask), (n,))
            # run_frame evaluates the condition again and counts its failed rows then
            self.take_missing()
            built = self.build(steps, units, n, mask, args)
            if built is not None:
                chains.append((id(steps), built[0], built[1], mask))
        if not chains:
            return
        words = max(1, -(-len(args.slots) // FLAGS))
        kernel = _kernel(
            _source(args.names, args.position_lines, [body for _, body, _, _ in chains], words)
        )
        out = np.empty((len(chains), n), dtype=np.int64)
        failed = np.zeros((len(chains), n), dtype=np.bool_)
        # a row's positions side by side: one pointer reaches them all, at literal offsets
        scratch = np.empty((BLOCK, max(1, len(args.slots))), dtype=np.int64)
        flags = np.empty((BLOCK, words), dtype=np.int64)
        t0 = time.process_time()
        kernel(n, out, failed, args.flat_tables(), scratch, flags, *args.values)
        KERNEL_SECONDS[0] += time.process_time() - t0
        for k, (key, _, pre_failed, mask) in enumerate(chains):
            self.fused[key] = (out[k], pre_failed | (failed[k] & mask))

    def chain(
        self, steps: list[_VStep], frame: Frame, n: int, start: Any, live: Any
    ) -> tuple[Any, Any]:
        done = self.fused.pop(id(steps), None)
        if done is None:
            return super().chain(steps, frame, n, start, live)
        values, failed = done
        # the component's own condition, counted as the column-wise chain counts it
        nested = self.take_missing()
        return values, failed if nested is None else failed | nested

    def slot(self, lk: VLookup, frame: Frame, n: int, kp: _Args) -> int:
        """The row of ``P`` holding the grid positions of ``lk``'s table for its keys, adding
        the lines that compute them the first time a table is read with those keys."""
        known = kp.slots.get(lk.signature)
        if known is not None:
            return known
        kp.slots[lk.signature] = slot = len(kp.slots)
        word, bit = _flag(slot)
        keys = [
            _key_code(lk, conv, fn(frame), n, kp)
            for conv, fn in zip(lk.keys, lk.key_fns, strict=True)
        ]
        if any(k is None for k in keys):
            # some key is matched column-wise: the kernel reads the positions it gives
            pos, missing, _ = lk.positions(frame, n)
            p = kp.arg(np.ascontiguousarray(pos, np.int64), "p")
            m = kp.arg(np.ascontiguousarray(missing, bool), "m")
            kp.position_lines.append(f"P[j, {slot}] = {p}[i]")
            kp.position_lines += [f"if {m}[i]:", f"    M[j, {word}] |= {bit}"]
            return slot
        # as the column-wise positions: a dimension with no match adds 0 and flags the row
        terms = []
        for d, line in enumerate(keys):
            assert line is not None
            code = f"c{slot}_{d}"
            kp.position_lines.append(f"{code} = {line}")
            stride = lk.strides[d]
            terms.append(f"max({code}, 0)" + ("" if stride == 1 else f" * {stride}"))
        kp.position_lines.append(f"P[j, {slot}] = {' + '.join(terms) or '0'}")
        if keys:
            fail = " or ".join(f"c{slot}_{d} < 0" for d in range(len(keys)))
            kp.position_lines += [f"if {fail}:", f"    M[j, {word}] |= {bit}"]
        return slot

    def build(
        self, steps: list[_VStep], frame: Frame, n: int, live: Any, kp: _Args
    ) -> tuple[list[str], Any] | None:
        """One chain's lines in the kernel (its arrays added to ``kp``) and the rows already
        known to fail; None, with the reason counted, to run it column-wise."""
        failed = np.zeros(n, dtype=bool)
        lines: list[str] = []
        plain: set[int] = set()  # slots of lookups that fail the row whenever they find no row
        bound = 0
        nonneg = True  # whether every value so far is known to be >= 0
        for vs in steps:
            cs = vs.cs
            kind = cs.step.kind
            mask: Any = None
            if vs.when is not None:
                mask = np.broadcast_to(self.eval(vs.when, frame, live), (n,))
            reach = live if mask is None else live & mask
            applies = None if mask is None else kp.arg(np.ascontiguousarray(mask, bool), "w")
            op_bound = 0
            op_nonneg = True
            pre: Any = None
            if kind == StepKind.DISCOUNT:
                pre = self.discount(vs, frame, n, reach)
            elif vs.lookup is not None and vs.lookup.table.interp is None:
                lk = vs.lookup
                slot = self.slot(lk, frame, n, kp)
                off = kp.table(lk.values)
                op_bound = lk.max_abs
                op_nonneg = lk.nonneg
                # an unsigned index: positions are never negative, so no wrap-around check
                lines.append(f"x = T[uint64({off} + P[j, {slot}])]")
                if lk.all_present and lk.default is None and applies is None:
                    plain.add(slot)  # its no-match flag is checked with the others at the end
                else:
                    word, bit = _flag(slot)
                    lines.append(f"miss = (M[j, {word}] & {bit}) != 0")
                    if not lk.all_present:
                        present = kp.arg(lk.present, "q")
                        lines.append(f"miss = miss or not {present}[uint64(P[j, {slot}])]")
                    if lk.default is not None:
                        lines += ["if miss:", f"    x = {int(lk.default)}", "    miss = False"]
                    cond = "miss" if applies is None else f"miss and {applies}[i]"
                    lines += [f"if {cond}:", "    bad = True"]
            elif vs.lookup is not None:
                pre, missing = vs.lookup(frame, n)
                failed |= missing & reach
            elif vs.operand is not None:
                pre = np.broadcast_to(self.eval(vs.operand, frame, reach), (n,))
            if pre is not None:
                if not isinstance(pre, np.ndarray) or pre.dtype != np.int64:
                    FALLBACKS["operand is not an int64 column"] = (
                        FALLBACKS.get("operand is not an int64 column", 0) + 1
                    )
                    self.take_missing()
                    return None
                op_bound = magnitude(pre)
                op_nonneg = not pre.size or bool(pre.min() >= 0)
                name = kp.arg(np.ascontiguousarray(pre), "o")
                lines.append(f"x = {name}[i]")
            nested = self.take_missing()
            if nested is not None:
                failed |= nested
            # the bounds the batch path keeps: past int64, it computes with Python ints
            bound, nonneg = cs.bound_after(bound, nonneg, op_bound, op_nonneg, applies is not None)
            rounded = cs.bound_rounded(bound)
            if max(bound, rounded) >= LIMIT:
                FALLBACKS["a value may leave int64"] = (
                    FALLBACKS.get("a value may leave int64", 0) + 1
                )
                return None
            match kind:
                case StepKind.START:
                    lines.append("v = x" if applies is None else f"v = x if {applies}[i] else 0")
                case StepKind.MULTIPLY | StepKind.DISCOUNT:
                    if applies is not None:
                        lines.append(f"if not {applies}[i]:")
                        lines.append(f"    x = {cs.align_total}")
                    lines.append("v = v * x")
                case StepKind.ADD | StepKind.MINIMUM | StepKind.MAXIMUM:
                    lines.append(f"a = v * {cs.align_total}")
                    lines.append(f"b = x * {cs.align_operand}")
                    new = _COMBINE[kind]
                    lines.append(
                        f"v = {new}" if applies is None else f"v = ({new}) if {applies}[i] else a"
                    )
                case StepKind.ROUND:
                    pass  # only the rounding below
                case _:
                    assert_never(kind)
            if cs.round_to is not None:
                if cs.round_to < cs.mid_scale:
                    lines += _round("v", cs.round_div, nonneg)
                elif cs.round_mul != 1:
                    lines.append(f"v = v * {cs.round_mul}")
            bound = rounded
        words: dict[int, int] = {}
        for slot in plain:
            word, bit = _flag(slot)
            words[word] = words.get(word, 0) | bit
        for w, bits in sorted(words.items()):
            lines += [f"if M[j, {w}] & {bits}:", "    bad = True"]
        return lines, failed


def _key_code(lk: VLookup, conv: KeyConv, value: Any, n: int, kp: _Args) -> str | None:
    """The kernel's expression for a row's code in one dimension of ``lk``'s table (-1: no
    row), or None when the key is matched column-wise.

    The codes are those :meth:`VLookup.codes_for` gives: a text column's codes map through the
    code of each of its categories; an integer key indexes the padded dense code table (-1 below
    the range, the open top band's code or -1 above it).
    """
    dim = conv.dim
    if dim is None:
        return None
    if isinstance(value, Cat):
        every = Cat(np.arange(len(value.categories), dtype=np.int32), value.categories)
        lut = kp.arg(conv.codes(every, len(value.categories)), "k")
        codes = kp.arg(np.ascontiguousarray(value.codes), "r")
        return f"{lut}[{codes}[i]]"
    if (
        not isinstance(value, np.ndarray)
        or value.shape != (n,)
        or value.dtype != np.int64
        or not conv.is_num
        or conv.by_text
        or conv.up != 1
        or conv.down != 1
        or isinstance(dim.type, Bool)
    ):
        return None
    dense = conv.dense()
    if dense is None:
        return None
    lo, padded = dense
    lut = kp.arg(padded, "k")
    col = kp.arg(np.ascontiguousarray(value), "r")
    shift = f"- {lo - 1}" if lo >= 1 else f"+ {1 - lo}"
    return f"{lut}[min(max({col}[i] {shift}, 0), {len(padded) - 1})]"


# Each plan's fused runner, for as long as the plan lives (see rateshop.rating.batch._RUNNERS).
_RUNNERS: weakref.WeakKeyDictionary[Plan, _FusedRunner] = weakref.WeakKeyDictionary()


def rate_book_fused(plan: Plan, book: Book, chunk: int = 1 << 20) -> BatchResult:
    """:func:`rateshop.rating.batch.rate_book` with each coverage's steps in one compiled loop.

    The chunk is larger than the column-wise path's: the fused loop streams each column once,
    so it gains nothing from cache-sized passes and a larger chunk spreads the per-call cost.
    """
    runner = _RUNNERS.get(plan)
    if runner is None:
        runner = _RUNNERS[plan] = _FusedRunner(plan)
    return _concat([runner.run(part) for part in _chunks(book, chunk)])


def rate_many_fused(plan: Plan, risks: list[dict[str, Any]]) -> BatchResult:
    """Prepare and rate a list of JSON risks through the fused path."""
    return rate_book_fused(plan, book_from_risks(plan, risks))
