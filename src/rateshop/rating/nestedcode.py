"""Generated code for the expressions read on the nested risk: derived values, eligibility
rules and assignment ranks.

They run once per risk for every carrier, so interpreting them through a tree of closures (see
:class:`rateshop.rating.expressions.Compiler`), a call per node and an environment per
aggregation, costs more than rating the risk. Here each expression becomes one Python function
of the environment (or is written in place, see :mod:`rateshop.rating.prepcode`), written with the checked builder (:mod:`rateshop.rating.emit`):
names read the environment as the closures do, an aggregation is a generator expression whose
loop variables are locals, a table lookup computes its keys in place.

The generated function gives what the closures give, value for value and error for error: the
same operands are evaluated in the same order, with the same short-circuits, and a lookup raises
the same declines and problems. An expression with a form this writer does not take is left to
the closures (:func:`nested_function` returns None).
"""

from __future__ import annotations

from rateshop.errors import FieldProblem, RiskError
from rateshop.manual.expr import (
    Agg,
    Arith,
    Compare,
    Const,
    Expr,
    Func,
    IfElse,
    InSet,
    Logic,
    Lookup,
    Name,
    Neg,
    Not,
    Rounded,
)
from rateshop.manual.types import Num
from rateshop.money import POW10, quotient, round_half_up
from rateshop.rating.emit import Source, literal
from rateshop.rating.expressions import Compiler, Fn, scale_of

__all__ = ["ExprWriter", "Unsupported", "nested_function"]

_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


class Unsupported(Exception):
    """A form the writer leaves to the closures."""


def _left(text: str, n: int) -> str:
    return text[:n]


def _nonzero(dv: int) -> int:
    if dv == 0:
        raise RiskError([FieldProblem("division", "division by zero", None)])
    return dv


class ExprWriter:
    """Writes expressions on the nested risk as Python source into one generated function."""

    def __init__(self, compiler: Compiler, src: Source) -> None:
        self.compiler = compiler
        self.src = src

    def bind(self, obj: object, prefix: str) -> str:
        return self.src.bind(obj, prefix)

    def aligned(self, e: Expr, scale: int, scope: dict[str, str]) -> str:
        """``e`` brought to ``scale`` (other types unchanged), as ``Compiler.aligned``."""
        code = self.expr(e, scope)
        if not isinstance(e.type, Num) or scale_of(e) == scale:
            return code
        return f"({code} * {literal(POW10[scale - scale_of(e)])})"

    def expr(self, e: Expr, scope: dict[str, str]) -> str:
        """The Python expression computing ``e``; ``scope`` maps loop variables to locals."""
        if isinstance(e, Const):
            if type(e.value) in (int, str, bool, type(None)):
                return literal(e.value)
            return self.bind(e.value, "c")
        if isinstance(e, Name):
            return self.name(e, scope)
        if isinstance(e, Arith):
            if e.op == "*":
                return f"({self.expr(e.left, scope)} * {self.expr(e.right, scope)})"
            s = scale_of(e)
            left, right = self.aligned(e.left, s, scope), self.aligned(e.right, s, scope)
            return f"({left} {'+' if e.op == '+' else '-'} {right})"
        if isinstance(e, Neg):
            return f"(-{self.expr(e.operand, scope)})"
        if isinstance(e, Compare):
            if e.op not in _COMPARE:
                raise Unsupported(e.op)
            s = max(scale_of(e.left), scale_of(e.right))
            left, right = self.aligned(e.left, s, scope), self.aligned(e.right, s, scope)
            return f"({left} {e.op} {right})"
        if isinstance(e, InSet):
            options = self.bind(frozenset(e.options), "options")
            return f"({self.expr(e.operand, scope)} {'not in' if e.negate else 'in'} {options})"
        if isinstance(e, Logic):
            # all()/any() of the items: True or False, the first deciding item ending it
            op = " and " if e.op == "and" else " or "
            items = op.join(self.expr(i, scope) for i in e.items)
            return f"(True if ({items}) else False)"
        if isinstance(e, Not):
            return f"(not {self.expr(e.operand, scope)})"
        if isinstance(e, IfElse):
            s = scale_of(e)
            then, other = self.aligned(e.then, s, scope), self.aligned(e.other, s, scope)
            return f"({then} if {self.expr(e.cond, scope)} else {other})"
        if isinstance(e, Func):
            return self.func(e, scope)
        if isinstance(e, Rounded):
            return self.rounded(e, scope)
        if isinstance(e, Agg):
            return self.agg(e, scope)
        if isinstance(e, Lookup):
            compiled = self.compiler.lookup(e)
            compiled.generate_position()
            lookup = self.bind(compiled, "lookup")
            keys = "".join(f"{self.expr(k, scope)}, " for _, k in e.keys)
            return f"{lookup}.value_of(({keys}))"
        raise Unsupported(type(e).__name__)

    def name(self, e: Name, scope: dict[str, str]) -> str:
        first, *rest = e.path
        local = scope.get(first)
        code = local if local is not None else f"env[{literal(first)}]"
        return code + "".join(f"[{literal(p)}]" for p in rest)

    def func(self, e: Func, scope: dict[str, str]) -> str:
        date_fn = self.compiler.date_funcs.get(e.name)
        if date_fn is not None:
            a, b = (self.expr(x, scope) for x in e.args)
            return f"{self.bind(date_fn, 'date_fn')}({a}, {b})"
        if e.name == "left":
            n = e.args[1].value if isinstance(e.args[1], Const) else 0
            return f"{self.bind(_left, 'left')}({self.expr(e.args[0], scope)}, {literal(n)})"
        s = scale_of(e)
        args = [self.aligned(x, s, scope) for x in e.args]
        if e.name == "abs":
            (a,) = args
            return f"{self.bind(abs, 'abs')}({a})"
        if e.name in ("min", "max"):
            # every argument computed, in order, then the least (greatest) taken
            fn = self.bind(min if e.name == "min" else max, e.name)
            return f"{fn}(({''.join(f'{a}, ' for a in args)}))"
        if len(args) != 3:
            raise Unsupported(e.name)
        x, lo, hi = args
        return f"{self.bind(min, 'min')}({self.bind(max, 'max')}({x}, {lo}), {hi})"

    def rounded(self, e: Rounded, scope: dict[str, str]) -> str:
        num, sn, d = self.expr(e.num, scope), scale_of(e.num), e.decimals
        if e.den is not None:
            # the divisor first, checked before the numerator is computed (arguments are
            # evaluated left to right)
            up, down = POW10[scale_of(e.den) + d], POW10[sn]
            divisor = (
                f"{self.bind(_nonzero, 'nonzero')}({self.expr(e.den, scope)} * {literal(down)})"
            )
            divide = self.bind(quotient, "quotient")
            return f"{divide}({divisor}, {num} * {literal(up)}, {literal(e.mode)})"
        if e.mode == "half_up":
            return f"{self.bind(round_half_up, 'half_up')}({num}, {literal(sn)}, {literal(d)})"
        if d >= sn:
            return f"({num} * {literal(POW10[d - sn])})"
        div = literal(POW10[sn - d])
        if e.mode == "floor":
            return f"({num} // {div})"
        return f"(-((-{num}) // {div}))"

    def agg(self, e: Agg, scope: dict[str, str]) -> str:
        if e.kind == "len":
            return f"len({self.expr(e.loops[0].source, scope)})"
        inner = dict(scope)
        clauses = []
        for lp in e.loops:
            source = self.expr(lp.source, inner)
            var = self.src.fresh("v")
            inner[lp.var] = var
            clauses.append(f"for {var} in {source}")
            clauses.extend(f"if {self.expr(c, inner)}" for c in lp.conds)
        loops = " ".join(clauses)
        if e.kind == "count":
            return f"{self.bind(sum, 'sum')}(1 {loops})"
        if e.elt is None:
            raise Unsupported(e.kind)
        elt = self.expr(e.elt, inner)
        if e.kind == "sum":
            return f"{self.bind(sum, 'sum')}({elt} {loops})"
        if e.kind == "any":
            return f"{self.bind(any, 'any')}({elt} {loops})"
        return f"{self.bind(all, 'all')}({elt} {loops})"


def nested_function(compiler: Compiler, e: Expr, label: str) -> Fn | None:
    """``e`` as one generated function of the nested environment, or None when it has a form
    left to the closures of ``compiler`` (a nested, not flat, compiler)."""
    assert not compiler.flat
    src = Source(label)
    try:
        code = ExprWriter(compiler, src).expr(e, {})
    except Unsupported:
        return None
    src.line("def value(env):")
    src.line(f"    return {code}")
    fn: Fn = src.function("value")
    return fn
