"""A small, safe builder for generated Python source.

Generated code is only ever built from an already validated, compiled plan. Text that came from
a manual never becomes code: it is either written as a literal through :func:`repr` (which
always yields a valid Python literal for ``str``, ``int``, ``bool`` and ``None``) or bound as an
object in the function's namespace under a name the builder makes up. Identifiers in the source
are the builder's own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

_LITERAL_TYPES = (int, str, bool, type(None))
# The only built-in names generated code may use.
_BUILTINS = {
    "type": type,
    "int": int,
    "str": str,
    "bool": bool,
    "list": list,
    "dict": dict,
    "len": len,
}


class Source:
    """Lines of one generated function, with the objects it refers to."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS)}
        self.depth = 0
        self._ids = itertools.count()
        self._bound: dict[int, str] = {}

    def fresh(self, prefix: str) -> str:
        """A new local identifier."""
        return f"{prefix}{next(self._ids)}"

    def bind(self, obj: object, prefix: str = "K") -> str:
        """The global name under which ``obj`` is visible to the generated code."""
        known = self._bound.get(id(obj))
        if known is not None:
            return known
        name = self.fresh(f"_{prefix}")
        self.namespace[name] = obj
        self._bound[id(obj)] = name
        return name

    def line(self, text: str) -> None:
        """Append one line at the current indentation."""
        self.lines.append("    " * self.depth + text)

    def indent(self) -> None:
        self.depth += 1

    def dedent(self) -> None:
        self.depth -= 1

    def function(self, name: str) -> Callable[..., Any]:
        """Compile the lines (one ``def name(...)``) and return the function."""
        code = compile("\n".join(self.lines) + "\n", f"<{self.label}>", "exec")
        exec(code, self.namespace)
        fn: Callable[..., Any] = self.namespace[name]
        return fn


def literal(value: object) -> str:
    """``value`` as a Python literal; only plain ints, text, booleans and None are accepted."""
    if type(value) not in _LITERAL_TYPES:
        raise TypeError(f"cannot write {type(value).__name__} as a literal")
    return repr(value)
