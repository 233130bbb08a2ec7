"""How big a manual, its expressions and the work one risk may cost can be.

A manual may be uploaded by an administrator and every risk rated with it runs on a shared
server, so each of these is checked when the manual loads, and a manual past one is refused with
its file, line and the reason. The figures leave the shipped manuals far inside them.
"""

from __future__ import annotations

# Files are read whole; no real manual comes near these sizes.
MAX_MANIFEST_BYTES = 1_000_000  # manual.yaml (the largest shipped one is about 12 KB)
MAX_TESTS_BYTES = 2_000_000  # tests.yaml (about 33 KB)
MAX_TABLE_BYTES = 10_000_000  # one CSV table (about 100 KB)

# One expression: its text, the nodes of its syntax tree and how deeply they nest.
MAX_EXPRESSION_CHARS = 2_000
MAX_EXPRESSION_NODES = 500
MAX_EXPRESSION_DEPTH = 40

# The worst-case element visits one risk may cost (see ``rateshop.manual.cost``). A visit costs
# about 1.5 microseconds, so the budget holds one risk to some 30 ms of rating; the costliest
# shipped manual needs under 2,000.
WORK_BUDGET = 20_000

# The decimals a running total may carry between roundings. A by-peril filing chains dozens of
# three-decimal factors before it rounds (40 of them after a two-decimal base rate: 122); the
# integers stay small for Python (a few hundred bits), and a chain past this is surely a mistake.
MAX_RUNNING_DECIMALS = 150
