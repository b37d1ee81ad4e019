"""Benchmark: wall time and HTTP request count of a default, a ``--quick`` and a ``--budget-plan`` run.

Targets: the default example budget in at most 60 s, ``--quick`` in at most 15 s (on this 2-core
machine, against the embedded emulator), and the budget plan (what a full tenant run gets) in at most
500 requests. The runs follow each other in one invocation, and each row shows its wall time and its
requests as a ratio of the default run's: compare ratios, the machine may be shared (the load average
is printed). Run from the repository root:

    python benchmarks/suite_runtime.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"default": "60 s", "quick": "15 s", "budget-plan": "500 requests"}
RUNS = (("default", []), ("quick", ["--quick"]), ("budget-plan", ["--budget-plan"]))


def run_once(extra: list[str]) -> tuple[float, int, int]:
    """Run the suite once; return (seconds, requests, exit code)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", *extra, "--results-dir", tmp],
                              capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        data = json.loads((Path(tmp) / "results.json").read_text())
    return seconds, int(data["requests"]), proc.returncode


def main() -> int:
    """Measure both budgets and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| budget | wall time (s) | x default | target | requests | x default | exit |")
    print("|---|---|---|---|---|---|---|")
    worst = 0
    base: tuple[float, int] | None = None
    for name, extra in RUNS:
        runs = [run_once(extra) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        base = base or (seconds, runs[0][1])
        print(f"| {name} | {seconds:.1f} | {seconds / base[0]:.2f} | {TARGETS[name]} | {runs[0][1]} "
              f"| {runs[0][1] / base[1]:.3f} | {runs[0][2]} |")
        worst = max(worst, runs[0][2])
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return worst


if __name__ == "__main__":
    sys.exit(main())
