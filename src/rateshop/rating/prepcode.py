"""Generated code for a plan's derived values and eligibility rules, each as one function.

Preparing a risk computes every derived value, item by item, then tests every eligibility rule.
Calling one function per value and per item costs more than the values themselves, so this
module writes, once per plan, one function that computes them all in the manual's order, the
lists walked with plain loops and each expression written in place (see
:mod:`rateshop.rating.nestedcode`), and one that gives the reasons a risk is declined.

An item's name reads the item, other names read the risk, as they do in the environment the
closures are given (the risk with the items being visited bound by name; nothing else changes
the risk while the items' values are computed). A value with a form the writer does not take,
and every ``occurrence()``, is computed by its compiled function, given such an environment.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from rateshop.manual.expr import Expr, Occurrence
from rateshop.manual.model import RISK, Manual
from rateshop.rating.emit import Source, literal
from rateshop.rating.expressions import Compiler, Env, Fn
from rateshop.rating.nestedcode import ExprWriter, Unsupported

__all__ = ["DeclinedFn", "DeriveFn", "Occurrences", "declined_function", "derive_function"]

DeriveFn = Callable[[dict[str, Any]], None]
DeclinedFn = Callable[[dict[str, Any]], list[str]]


class Occurrences:
    """A compiled ``occurrence()``: the value for every item of one list at once, in n log n.

    Given the items of one list (:meth:`over`), it returns each item's 1 + the number of items
    with an equal ``same`` and a strictly earlier ``by`` where ``where`` holds; exactly what
    ``1 + count(o for o in list if o.same == i.same and o.by < i.by and o.where)`` gives for
    each item ``i``, without comparing every pair.
    """

    def __init__(self, node: Occurrence, compile_fn: Callable[[Expr], Fn]) -> None:
        self.by = compile_fn(node.by)
        self.same = None if node.same is None else compile_fn(node.same)
        self.where = None if node.where is None else compile_fn(node.where)

    def over(self, env: Env, item: str, elements: list[Any]) -> list[int]:
        """The values for ``elements``, each read with ``env`` holding it as ``item`` (``env``
        is left holding the last): ``same`` of every item, then ``by``, then ``where``."""
        if not elements:
            return []  # most lists of incidents
        same, by, where = self.same, self.by, self.where
        keys: list[Any] = []
        for element in elements:
            env[item] = element
            keys.append(None if same is None else same(env))
        order: list[Any] = []
        for element in elements:
            env[item] = element
            order.append(by(env))
        counted: dict[Any, list[Any]] = {}
        for element, key, at in zip(elements, keys, order, strict=True):
            env[item] = element
            if where is None or where(env):
                counted.setdefault(key, []).append(at)
        for values in counted.values():
            values.sort()
        none: list[Any] = []
        return [
            1 + bisect.bisect_left(counted.get(key, none), at)
            for key, at in zip(keys, order, strict=True)
        ]


def _assign(elements: list[dict[str, Any]], name: str, values: list[Any]) -> None:
    """Give each item of a list its value (one per item, in order)."""
    for element, value in zip(elements, values, strict=True):
        element[name] = value


def derive_function(
    compiler: Compiler, manual: Manual, fns: list[Fn | Occurrences], label: str
) -> DeriveFn:
    """One function computing every derived value of ``manual`` into the validated risk, as
    calling ``fns`` (their compiled functions, in the manual's order) does."""
    src = Source(f"{label} derived")
    writer = ExprWriter(compiler, src)
    items = manual.items
    env = src.local("env")
    src.line(f"def derive({env}):")
    src.indent()
    src.line("pass")  # a manual without derived values
    for d, fn in zip(manual.derived, fns, strict=True):
        if d.record == RISK:
            assert not isinstance(fn, Occurrences)
            src.line(f"{env}[{literal(d.field)}] = {_inline(writer, d.expr, fn, {})}")
            continue
        chain = [d.record]
        while items[chain[0]][0] != RISK:
            chain.insert(0, items[chain[0]][0])
        # each item a local named now, so the value is written (or found unwritable) once
        scope = {item: src.fresh("v") for item in chain}
        code = None
        if not isinstance(fn, Occurrences):
            try:
                code = writer.expr(d.expr, scope)
            except Unsupported:
                code = None
        bound = None  # the environment a compiled function is given: the risk, items bound
        if code is None:
            bound = src.fresh("e")
            src.line(f"{bound} = dict({env})")
        depth = 0
        for depth, item in enumerate(chain):
            owner, list_field = items[item]
            holder = env if owner == RISK else scope[owner]
            elements = src.fresh("items")
            src.line(f"{elements} = {holder}[{literal(list_field)}]")
            last = depth + 1 == len(chain)
            if last and isinstance(fn, Occurrences):
                assert bound is not None
                values = f"{src.bind(fn, 'occurrences')}.over({bound}, {literal(item)}, {elements})"
                src.line(f"{src.bind(_assign, 'assign')}({elements}, {literal(d.field)}, {values})")
                break
            var = scope[item]
            src.line(f"for {var} in {elements}:")
            src.indent()
            if bound is not None:
                src.line(f"{bound}[{literal(item)}] = {var}")
            if last:
                if code is None:
                    code = f"{src.bind(fn, 'derived')}({bound})"
                src.line(f"{var}[{literal(d.field)}] = {code}")
        for _ in range(depth + (0 if isinstance(fn, Occurrences) else 1)):
            src.dedent()
    derive: DeriveFn = src.function("derive")
    return derive


def declined_function(compiler: Compiler, manual: Manual, fns: list[Fn], label: str) -> DeclinedFn:
    """One function giving the reasons, in the manual's order, of every eligibility rule that
    holds for the derived risk, as testing ``fns`` (the rules' compiled functions) does."""
    src = Source(f"{label} eligibility")
    writer = ExprWriter(compiler, src)
    env, reasons = src.local("env"), src.local("reasons")
    src.line(f"def declined({env}):")
    src.indent()
    src.line(f"{reasons} = []")
    for rule, fn in zip(manual.eligibility, fns, strict=True):
        src.line(f"if {_inline(writer, rule.when, fn, {})}:")
        src.line(f"    {reasons}.append({literal(rule.reason)})")
    src.line(f"return {reasons}")
    declined: DeclinedFn = src.function("declined")
    return declined


def _inline(writer: ExprWriter, e: Expr, fn: Fn, scope: dict[str, str]) -> str:
    """``e`` written in place, or a call of its compiled function on the environment."""
    try:
        return writer.expr(e, scope)
    except Unsupported:
        return f"{writer.src.bind(fn, 'compiled')}(env)"
