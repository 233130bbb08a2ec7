"""The outer rooms stand side by side: the web pages and the API never import each other, and the
application services import neither (both stand on the services; :mod:`rateshop.app` puts them
together)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rateshop

PACKAGE = Path(rateshop.__file__).parent


def imported_by(room: str) -> dict[str, set[str]]:
    """Every module each module of ``room`` (``web``, ``services``) imports, at its top or inside a
    function, by the module's dotted name."""
    found: dict[str, set[str]] = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = ".".join(parts[:-1])
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names.add(base)
                names.update(f"{base}.{alias.name}" for alias in node.names)
        found[name] = names
    return found


def under(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


def test_the_walk_sees_the_imports_it_must_judge() -> None:
    # The check below cannot pass for want of looking: the rooms' own imports are seen.
    assert "rateshop.services.runtime" in imported_by("web")["rateshop.web.shop"]
    assert "rateshop.services.runtime" in imported_by("api")["rateshop.api.app"]


@pytest.mark.parametrize(("room", "other"), [("web", "rateshop.api"), ("api", "rateshop.web")])
def test_the_pages_and_the_api_do_not_import_each_other(room: str, other: str) -> None:
    wrong = {
        module: sorted(n for n in names if under(n, other) or under(n, "rateshop.app"))
        for module, names in imported_by(room).items()
    }
    assert {m: n for m, n in wrong.items() if n} == {}


@pytest.mark.parametrize("room", ["rateshop.api", "rateshop.web", "rateshop.app"])
def test_no_service_imports_an_outer_room(room: str) -> None:
    wrong = {
        module: sorted(n for n in names if under(n, room))
        for module, names in imported_by("services").items()
    }
    assert {m: n for m, n in wrong.items() if n} == {}
