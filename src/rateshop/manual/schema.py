"""The JSON Schema of ``manual.yaml``, shipped with the package.

Editors check a manifest against it as it is typed (VS Code's YAML extension reads a first line
``# yaml-language-server: $schema=...``); ``rateshop manual schema`` prints it. It checks the
shape of a manifest (its sections, keys and kinds of value), not what loading checks beyond that
(expressions, tables, stored cases): a manifest it accepts may still have problems, and one the
loader accepts always satisfies it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "manual.schema.json"


def schema_text() -> str:
    """The schema as shipped, as text."""
    return resources.files("rateshop.manual").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def manual_schema() -> dict[str, Any]:
    """The schema as a JSON object."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema
