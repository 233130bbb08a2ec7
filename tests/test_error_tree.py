"""The error tree is drawn once, whole: every error class rateshop defines is in the drawing."""

from __future__ import annotations

import importlib
import pkgutil

import rateshop
from rateshop import errors


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_error_class_is_in_the_drawn_tree() -> None:
    for module in pkgutil.walk_packages(rateshop.__path__, "rateshop."):
        if module.name.endswith("__main__") or ".migrations" in module.name:
            continue
        importlib.import_module(module.name)
    defined = {
        c for c in _all_subclasses(errors.RateshopError) if c.__module__.startswith("rateshop.")
    }
    drawn = errors.__doc__ or ""
    missing = sorted(c.__name__ for c in defined if c.__name__ not in drawn)
    assert not missing, f"not in the tree of rateshop.errors: {missing}"
