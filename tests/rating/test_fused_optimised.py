"""The fused kernels as a real run compiles them, optimised, give the single-risk answers too.

The suite compiles fused kernels without LLVM's optimisation passes (``tests/conftest.py``), which
saves seconds per kernel. This module runs the fused property test of two plans again in a
process of its own with the optimisation a real run uses (``NUMBA_OPT=3``) and a kernel cache of
its own, so no kernel compiled either way is reused by the other: the benchmark's auto manual and
the largest shipped one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paths import ROOT

PLANS = "benchmarks/manuals/auto-bench or bluebonnet-county/auto-tx"


def test_the_optimised_kernels_give_the_single_risk_answers(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "NUMBA_OPT": "3",
        "RATESHOP_PLAN_CACHE": str(tmp_path / "plans"),
    }
    test = ROOT / "tests" / "rating" / "test_batch_equals_single.py"
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    done = subprocess.run(
        [*pytest, str(test), "-k", f"test_fused_equals_single and ({PLANS})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 passed" in done.stdout, done.stdout[-2000:]
    assert any((tmp_path / "kernels").glob("fused_*.py")), "no kernel was compiled"
