"""A serving worker's garbage collector: what start-up left alive is frozen out of its passes,
and young objects are collected in larger batches (in a process of its own: it is global)."""

from __future__ import annotations

import subprocess
import sys

from rateshop.api.app import COLLECTOR_THRESHOLDS

PROBE = """
import gc
from rateshop.api.app import tune_collector
assert gc.get_freeze_count() == 0
tune_collector()
print(gc.get_freeze_count(), *gc.get_threshold())
"""


def test_tuning_freezes_the_start_up_heap_and_raises_the_thresholds() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    frozen, *thresholds = (int(word) for word in ran.stdout.split())
    assert frozen > 10_000, "the imported code and data are frozen"
    assert tuple(thresholds) == COLLECTOR_THRESHOLDS
