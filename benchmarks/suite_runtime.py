"""Benchmark: wall time and HTTP request count of a full suite run and of a ``--quick`` run.

Targets (issue: the conformance suite): the default example budget in at most 60 s, ``--quick`` in at
most 15 s, on this 2-core machine, against the embedded emulator. Run from the repository root:

    python benchmarks/suite_runtime.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"default": 60.0, "quick": 15.0}


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
    print("| budget | wall time (s) | target (s) | requests | exit |")
    print("|---|---|---|---|---|")
    worst = 0
    for name, extra in (("default", []), ("quick", ["--quick"])):
        runs = [run_once(extra) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        print(f"| {name} | {seconds:.1f} | {TARGETS[name]:.0f} | {runs[0][1]} | {runs[0][2]} |")
        worst = max(worst, runs[0][2])
    return worst


if __name__ == "__main__":
    sys.exit(main())
