"""A small, checked builder for generated Python source.

Generated code is only ever built from an already validated, compiled plan. Text that came from
a manual never becomes code: it is either written as a literal through :func:`repr` (which
always yields a valid Python literal for ``str``, ``int``, ``bool`` and ``None``) or bound as an
object in the function's namespace under a name the builder makes up. Identifiers in the source
are the builder's own.

That is checked, not trusted: before compiling, :meth:`Source.function` parses the source and
refuses any name the builder did not make (its fresh locals and bound objects, the function's
own parameters, the few built-ins it may use), any attribute but the few methods generated code
calls, and any statement form it never writes. So text slipped into the source by mistake fails
when the plan is compiled instead of running.

Each generated function's source is registered with :mod:`linecache` under a descriptive file
name (``<rating plan acme/auto/TX@2025-01-01 units>``), so tracebacks and debuggers show its
lines; :func:`generated_sources` gives the texts back (``rateshop manual code``).

Parsing, checking and compiling the source is most of a plan's compile time (about 60 ms of a
75 ms auto plan), the same work in every process. Inside :func:`keeping_code`, a function's code
object is looked up in a :class:`CodeStore` by a hash of everything its check read (the source,
its file name and the names the builder made) and kept there after a passing check, so a later
process skips all three and only runs the builder; the store is the plan cache's, which
authenticates what it gives back.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import itertools
import linecache
import threading
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from types import CodeType, FunctionType
from typing import Any, Protocol

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
# The only methods generated code calls (on dicts, lists and sets it holds).
_METHODS = frozenset({"get", "append", "copy", "issuperset", "value_of", "over"})
# The statement and expression forms generated code is made of.
_FORMS = (
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Assign, ast.AugAssign, ast.If,
    ast.For, ast.Try, ast.ExceptHandler, ast.Return, ast.Pass, ast.Expr, ast.Name, ast.Constant,
    ast.Attribute, ast.Subscript, ast.Call, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare,
    ast.IfExp, ast.Tuple, ast.List, ast.Dict, ast.expr_context, ast.operator, ast.unaryop,
    ast.boolop, ast.cmpop, ast.GeneratorExp, ast.comprehension,
)  # fmt: skip


class UnsafeSource(ValueError):
    """Generated source holds something the builder did not make (a bug in the generator)."""


class CodeStore(Protocol):
    """Where compiled generated code is kept between processes, by the hash of its source."""

    def get_code(self, digest: bytes) -> CodeType | None:
        """The code kept under ``digest``, or None."""

    def put_code(self, digest: bytes, code: CodeType) -> None:
        """Keep ``code``, whose source passed the check, under ``digest``."""


_AST_LOCK = threading.Lock()

_code_store: ContextVar[CodeStore | None] = ContextVar("rateshop_code_store", default=None)


@contextlib.contextmanager
def keeping_code(store: CodeStore | None) -> Iterator[None]:
    """Within the block, functions built in this context are looked up in and kept in ``store``."""
    token = _code_store.set(store)
    try:
        yield
    finally:
        _code_store.reset(token)


class Source:
    """Lines of one generated function, with the objects it refers to."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS)}
        self.depth = 0
        self._ids = itertools.count()
        self._bound: dict[int, str] = {}
        self._names: set[str] = set(_BUILTINS)

    def fresh(self, prefix: str) -> str:
        """A new local identifier."""
        name = f"{prefix}{next(self._ids)}"
        self._names.add(name)
        return name

    def local(self, name: str) -> str:
        """A local of a fixed name the generator's own templates use (``trace``)."""
        if not name.isidentifier():
            raise UnsafeSource(f"{self.label}: {name!r} is not an identifier")
        self._names.add(name)
        return name

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
        """Check and compile the lines (one ``def name(...)``) and return the function."""
        text = "\n".join(self.lines) + "\n"
        filename = f"<{self.label}>"
        store = _code_store.get()
        digest = b""
        code = None
        if store is not None:
            digest = self._digest(name, filename, text)
            code = store.get_code(digest)
        if code is None:
            # CPython 3.11 counts the depth of AST conversions in state every thread shares, so
            # plans compiled in two threads at once can fail with "AST constructor recursion
            # depth mismatch" (python/cpython#106905): one conversion at a time.
            with _AST_LOCK:
                tree = ast.parse(text)
                self._check(tree, name)
                code = compile(tree, filename, "exec")
            if store is not None:
                store.put_code(digest, code)
        exec(code, self.namespace)
        fn: Callable[..., Any] = self.namespace[name]
        _register(fn, filename, text)
        return fn

    def _digest(self, name: str, filename: str, text: str) -> bytes:
        """A hash of all that :meth:`_check` and :func:`compile` read: the same digest, the same
        verdict and the same code."""
        digest = hashlib.sha256()
        for part in (name, filename, text, *sorted(self._names)):
            data = part.encode()
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.digest()

    def _check(self, tree: ast.Module, name: str) -> None:
        """Refuse a tree with a name, attribute or form the builder did not make."""
        top = tree.body
        if len(top) != 1 or not isinstance(top[0], ast.FunctionDef) or top[0].name != name:
            raise UnsafeSource(f"{self.label}: the source is not one function {name}")
        allowed = self._names | {a.arg for a in top[0].args.args}
        for node in ast.walk(tree):
            if not isinstance(node, _FORMS):
                raise UnsafeSource(f"{self.label}: {type(node).__name__} is never generated")
            if isinstance(node, ast.FunctionDef) and node is not top[0]:
                raise UnsafeSource(f"{self.label}: a nested function is never generated")
            if isinstance(node, ast.FunctionDef) and node.decorator_list:
                raise UnsafeSource(f"{self.label}: a decorator is never generated")
            if isinstance(node, ast.Name) and node.id not in allowed:
                raise UnsafeSource(f"{self.label}: {node.id!r} is not a name the builder made")
            if isinstance(node, ast.Attribute) and node.attr not in _METHODS:
                raise UnsafeSource(f"{self.label}: .{node.attr} is never generated")


def _register(fn: Callable[..., Any], filename: str, text: str) -> None:
    """Keep ``text`` in :mod:`linecache` for as long as ``fn`` lives (the way dataclasses do)."""
    entry = (len(text), None, text.splitlines(keepends=True), filename)
    linecache.cache[filename] = entry
    weakref.finalize(fn, _forget, filename, entry)


def _forget(filename: str, entry: object) -> None:
    # a later function of the same name (the plan compiled again) keeps its own entry
    if linecache.cache.get(filename) is entry:
        del linecache.cache[filename]


def generated_sources(*functions: object) -> Iterator[tuple[str, str]]:
    """The file name and source of each generated function among ``functions`` and of those
    they call (a list item's check inside its record's), each once, callers first."""
    seen: set[str] = set()
    todo = list(functions)
    while todo:
        fn = todo.pop(0)
        if not isinstance(fn, FunctionType):
            continue
        filename = fn.__code__.co_filename
        # (a bound function of a real module has a file of its own: it is no generated code)
        if filename in seen or not filename.startswith("<") or filename not in linecache.cache:
            continue
        seen.add(filename)
        yield filename, "".join(linecache.getlines(filename))
        todo.extend(
            value
            for key, value in fn.__globals__.items()
            if key.startswith("_") and key != "__builtins__"
        )


def literal(value: object) -> str:
    """``value`` as a Python literal; only plain ints, text, booleans and None are accepted."""
    if type(value) not in _LITERAL_TYPES:
        raise TypeError(f"cannot write {type(value).__name__} as a literal")
    return repr(value)
