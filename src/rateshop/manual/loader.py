"""Load a rate manual from its files, checking everything that can be checked before a quote.

A manual is a folder holding ``manual.yaml`` (identity, inputs, coverages, derived variables,
eligibility, tables, the rating algorithm, fees), CSV tables, and ``tests.yaml`` (stored cases).
Every mistake found is reported with its file, its line (or table row) and the reason; loading
goes on after a mistake where it can, so one run lists them all. Each section is read by its own
module in :mod:`rateshop.manual.sections`; this module reads them in order.
"""

from __future__ import annotations

from pathlib import Path

from rateshop.errors import ManualError, Problem
from rateshop.manual.cost import budget_problems
from rateshop.manual.folders import MANIFEST, content_hash, display_path, read_section
from rateshop.manual.limits import MAX_MANIFEST_BYTES
from rateshop.manual.model import Fee, Identity, Manual, Step
from rateshop.manual.sections.base import dedupe
from rateshop.manual.sections.cases import CasesReader
from rateshop.manual.sections.coverages import CoveragesReader
from rateshop.manual.sections.header import HeaderReader
from rateshop.manual.sections.inputs import InputsReader
from rateshop.manual.sections.policy import PolicyReader
from rateshop.manual.sections.rating import RatingReader
from rateshop.manual.sections.rules import RulesReader
from rateshop.manual.sections.tables import TablesReader
from rateshop.manual.source import Node, SourceError, load_yaml

SECTIONS = {
    "manual", "inputs", "coverages", "derived", "eligibility", "tables", "components",
    "rating", "policy", "details",
}  # fmt: skip


class _Loader(
    HeaderReader,
    InputsReader,
    CoveragesReader,
    TablesReader,
    RulesReader,
    RatingReader,
    PolicyReader,
    CasesReader,
):
    """Every section's reader, reading a whole manual."""

    # ------------------------------------------------------------------ load
    def load(self) -> Manual:
        try:
            doc = load_yaml(self.root / MANIFEST, self.file, MAX_MANIFEST_BYTES)
        except SourceError as exc:
            raise ManualError([exc.problem]) from exc
        if not isinstance(doc, Node):
            raise ManualError([Problem(self.file, 1, "the manifest must be a mapping of sections")])
        for key in doc:
            if key not in SECTIONS:
                self.bad(doc.line_of(key), f"unknown section {key!r}; sections: {sorted(SECTIONS)}")
        identity = self.identity(doc)
        inputs = self.inputs(doc.get("inputs"), doc.line_of("inputs"))
        coverages = self.coverages(doc.get("coverages"), doc.line_of("coverages"), inputs)
        self.load_tables(doc.get("tables"), doc.line_of("tables"))
        derived = self.derived(doc.get("derived"), doc.line_of("derived"))
        rules = self.eligibility(doc.get("eligibility"), doc.line_of("eligibility"))
        rating = doc.get("rating")
        if not isinstance(rating, Node):
            self.bad(doc.line_of("rating"), "a 'rating' section with steps is required")
            rating = Node()
            rating.file, rating.line, rating.key_lines = self.file, doc.line, {}
        unit = self.unit(rating)
        self.check_per_unit_coverages(coverages, unit)
        components = self.components(doc.get("components"), doc.line_of("components"), coverages)
        round_each = self.rounding(rating.get("round_each"), rating.line_of("round_each"))
        steps_raw = rating.get("steps")
        built = self.build_components(components, steps_raw, rating, unit, round_each, coverages)
        policy = doc.get("policy") or {}
        policy_line = doc.line_of("policy")
        policy_steps: list[Step] = []
        fees: list[Fee] = []
        if policy and not isinstance(policy, Node):
            self.bad(policy_line, "policy must be a mapping with steps and/or fees")
        elif isinstance(policy, Node):
            for key in policy:
                if key not in ("steps", "fees"):
                    self.bad(policy.line_of(key), f"unknown key {key!r} in policy; use steps, fees")
            policy_scope = self.scope()
            if "steps" in policy:
                policy_steps = self.steps(
                    policy["steps"], policy_scope, None, None, round_each, "policy"
                )
            fees = self.fees(policy.get("fees"), policy.line_of("fees"))
        details = self.details(doc.get("details"), doc.line_of("details"))
        manual = Manual(
            identity=identity,
            root=self.root,
            file=self.file,
            content_hash=content_hash(self.root, self.hashed),
            inputs=inputs,
            coverages=coverages,
            derived=derived,
            eligibility=rules,
            tables=self.tables,
            unit=unit,
            components=built,
            policy_steps=policy_steps,
            fees=fees,
            details=details,
        )
        manual.items = dict(self.items)
        if self.with_tests:
            self.load_tests(manual)
        if not self.problems:
            self.problems.extend(budget_problems(manual))
        if self.problems:
            raise ManualError(dedupe(self.problems))
        return manual


def load_manual(path: Path | str, tests: bool = True) -> Manual:
    """Load and check the manual in folder ``path`` (or at ``path/manual.yaml``).

    ``tests=False`` leaves its stored cases unread: only checking a manual runs them.
    """
    root = Path(path)
    if root.name == MANIFEST:
        root = root.parent
    if not (root / MANIFEST).is_file():
        raise ManualError([Problem(display_path(root), None, f"no {MANIFEST} in this folder")])
    return _Loader(root, with_tests=tests).load()


def read_identity(path: Path | str) -> Identity:
    """The identity of the manual in folder ``path`` from its ``manual:`` section alone.

    This is what a market needs to know which manuals it holds; nothing else is read or checked.
    """
    root = Path(path)
    # Naming the file as messages do resolves every component of its path: a market reads
    # thousands of identities, so that is done only when there is a problem to report.
    try:
        return _identity(_Loader(root, with_tests=False, file=str(root / MANIFEST)))
    except ManualError:
        return _identity(_Loader(root, with_tests=False))


def header_lines(path: Path | str) -> dict[str, int]:
    """The line of each key of the ``manual:`` section of the manual in folder ``path``, and of
    the section itself (as ``manual``): where a problem with the header is reported.
    """
    root = Path(path)
    doc = read_section(root, "manual", display_path(root / MANIFEST))
    lines = {"manual": doc.line_of("manual")}
    raw = doc.get("manual")
    if isinstance(raw, Node):
        lines.update(raw.key_lines)
    return lines


def _identity(loader: _Loader) -> Identity:
    identity = loader.identity(read_section(loader.root, "manual", loader.file))
    if loader.problems:
        raise ManualError(dedupe(loader.problems))
    return identity
