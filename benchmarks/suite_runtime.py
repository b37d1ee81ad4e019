"""Benchmark: how fast the suite and the project's tests run, as ratios measured in one invocation.

Modes (run from the repository root; loopback only):

    python benchmarks/suite_runtime.py [--repeat N]       # a default, a --quick and a --budget-plan run
    python benchmarks/suite_runtime.py profile [--quick] [--top 30] [--out FILE.prof]
    python benchmarks/suite_runtime.py rate [--rounds 3] [--seconds 5] [--quick]
    python benchmarks/suite_runtime.py tests [--rounds 1] [--pytest-args "tests -n 2"]

* **budgets** (default): wall time and requests of a default, a ``--quick`` and a ``--budget-plan`` run,
  each as a ratio of the default run's. Targets: default <= 60 s, ``--quick`` <= 15 s, the budget plan
  <= 500 requests.
* **profile**: one clean run under cProfile (in a child process): the top functions by cumulative time
  and by own time, and where the tests' seconds and requests went, per test file (``results.json``).
  The embedded emulator runs in a thread of the same process; cProfile sees only the main thread, so
  the emulator's work shows up as time spent waiting in the socket calls.
* **rate**: a clean run's requests per second against the emulator's own serving rate, measured back to
  back and alternated (load, run, load, run, ..., load): the load is a closed loop of list GETs over
  one keep-alive connection (the suite's one client), driven by ``wrk`` when it is on ``PATH``, else by
  httpx, against a standalone emulator with the default profile. Each run is compared with the mean of
  the loads just before and after it. Target: the run at >= 25 % of the emulator's rate.
* **tests**: the project's tests (the README's command, ``python -m pytest tests -n 2`` by default)
  against one clean default run, alternated (run, tests, run). Target: <= 4x.

The machine may be shared: absolute figures move with the load (printed at the start and end), the
ratios measured in the same moment are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

TARGETS = {"default": "60 s", "quick": "15 s", "budget-plan": "500 requests"}
RUNS = (("default", []), ("quick", ["--quick"]), ("budget-plan", ["--budget-plan"]))
RATE_TARGET = 0.25
TESTS_TARGET = 4.0


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


LAST_CPU = [0.0]
"""CPU seconds (user + system) of the last :func:`run_once`: steadier than wall time on a shared machine."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(extra: list[str], *, prefix: list[str] | None = None) -> tuple[float, int, int, dict[str, Any]]:
    """Run the suite once (``prefix`` wraps the interpreter, e.g. cProfile); return
    (seconds, requests, exit code, results.json)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        cpu = _children_cpu()
        proc = subprocess.run([sys.executable, *(prefix or []), "-m", "conformance", "run", *extra,
                               "--results-dir", tmp], capture_output=True, text=True, check=False, cwd=REPO_ROOT)
        seconds = time.perf_counter() - started
        LAST_CPU[0] = _children_cpu() - cpu
        path = Path(tmp) / "results.json"
        if not path.exists():
            raise SystemExit(f"the run wrote no results.json (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        data = json.loads(path.read_text())
    return seconds, int(data["requests"]), proc.returncode, data


# -- budgets --------------------------------------------------------------------------------------
def budgets(args: argparse.Namespace) -> int:
    """Measure the three budgets and print a markdown table."""
    print(f"load average at start: {load()}\n")
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
    print(f"\nload average at end: {load()}")
    return worst


# -- profile --------------------------------------------------------------------------------------
def per_file(data: dict[str, Any]) -> list[tuple[str, float, int, int]]:
    """(test file, seconds, requests, tests) from a results.json, slowest first."""
    by: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for test in data["tests"]:
        name = test["nodeid"].split("::", 1)[0].rsplit("/", 1)[-1]
        by[name][0] += test["duration_s"]
        by[name][1] += test["requests"]
        by[name][2] += 1
    return sorted(((f, s, int(r), int(n)) for f, (s, r, n) in by.items()), key=lambda row: -row[1])


def profile(args: argparse.Namespace) -> int:
    """One clean run under cProfile: top functions, and the tests' seconds per file."""
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp()) / "run.prof"
    extra = ["--quick"] if args.quick else []
    print(f"load average at start: {load()}")
    seconds, requests, code, data = run_once(extra, prefix=["-m", "cProfile", "-o", str(out)])
    print(f"one clean run{' --quick' if args.quick else ''} under cProfile: {seconds:.1f} s, {requests} requests, "
          f"exit {code}; profile in {out}\n")
    print("| test file | seconds | requests | tests | ms per request |")
    print("|---|---|---|---|---|")
    for name, secs, reqs, tests in per_file(data):
        print(f"| {name} | {secs:.1f} | {reqs} | {tests} | {1000 * secs / max(reqs, 1):.1f} |")
    for key, title in (("cumulative", "cumulative time"), ("tottime", "own time")):
        print(f"\n### top {args.top} functions by {title}\n\n```")
        stats = pstats.Stats(str(out))
        stats.sort_stats(key).print_stats(args.top)
        print("```")
    print(f"\nload average at end: {load()}")
    return code


# -- rate -----------------------------------------------------------------------------------------
def rate(args: argparse.Namespace) -> int:
    """A clean run's requests/s against the emulator's own serving rate, alternated in one moment."""
    import emulator_throughput as et

    extra = ["--quick"] if args.quick else []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        profile = et.write_profile(work, 0)  # the default profile's users, nothing generated
        users = [u["id"] for u in tomllib.loads(profile.path.read_text())["users"]]
        port = et.free_port()
        token = et.mint_admin_token(profile)
        origin = f"http://127.0.0.1:{port}"
        with et.emulator_process(profile, port, work / "emulator.log") as proc:
            et.wait_ready(proc, f"{origin}/v1.0/me/authentication/phoneMethods", token, work / "emulator.log", 30)
            wrk = None if args.driver == "httpx" else shutil.which("wrk")

            def serve() -> tuple[float, str]:
                if wrk:
                    r = et.run_wrk(wrk, origin, "GET list", 1, 1, args.seconds, users, token, work)
                else:
                    r = et.run_httpx(f"{origin}/v1.0", "GET list", 1, 1, args.seconds, users, token)
                return r.requests / r.duration_s, r.driver

            print(f"load average at start: {load()}\n")
            print("| round | emulator list GETs/s (before, after) | clean run: s (CPU s) | requests | requests/s "
                  "| run / emulator | exit |")
            print("|---|---|---|---|---|---|---|")
            before, driver = serve()
            ratios, worst = [], 0
            for index in range(args.rounds):
                seconds, requests, code, _ = run_once(extra)
                after, _ = serve()
                per_s = requests / seconds
                ratio = per_s / statistics.mean((before, after))
                ratios.append(ratio)
                worst = max(worst, code)
                print(f"| {index + 1} | {before:,.0f}, {after:,.0f} | {seconds:.1f} ({LAST_CPU[0]:.1f}) | {requests} "
                      f"| {per_s:,.0f} "
                      f"| {ratio:.1%} | {code} |")
                before = after
    verdict = "PASS" if statistics.median(ratios) >= RATE_TARGET else "FAIL"
    print(f"\nload driver: {driver}, 1 connection, closed loop; median run / emulator: "
          f"{statistics.median(ratios):.1%} (target >= {RATE_TARGET:.0%}: {verdict})")
    print(f"load average at end: {load()}")
    return worst


# -- tests ----------------------------------------------------------------------------------------
def tests(args: argparse.Namespace) -> int:
    """The project's tests against one clean default run, alternated: run, tests, run, ..."""
    command = [sys.executable, "-m", "pytest", *shlex.split(args.pytest_args)]
    print(f"load average at start: {load()}\n")
    print(f"project tests: `{' '.join(['python', *command[1:]])}`\n")
    print("| round | clean run before: s (CPU s) | project tests: s (CPU s) | clean run after: s (CPU s) "
          "| tests / run (CPU) | exit |")
    print("|---|---|---|---|---|---|")
    before, before_cpu = run_once([])[0], LAST_CPU[0]
    ratios, worst = [], 0
    for index in range(args.rounds):
        started, cpu = time.perf_counter(), _children_cpu()
        proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        took, took_cpu = time.perf_counter() - started, _children_cpu() - cpu
        after, after_cpu = run_once([])[0], LAST_CPU[0]
        ratio = took / statistics.mean((before, after))
        ratios.append(ratio)
        worst = max(worst, proc.returncode)
        tail = proc.stdout.strip().splitlines()[-1:] if proc.stdout.strip() else [""]
        print(f"| {index + 1} | {before:.1f} ({before_cpu:.0f}) | {took:.1f} ({took_cpu:.0f}) | {after:.1f} "
              f"({after_cpu:.0f}) | {ratio:.2f}x ({took_cpu / statistics.mean((before_cpu, after_cpu)):.2f}x) "
              f"| {proc.returncode} ({tail[0][:60]}) |")
        Path(tempfile.gettempdir(), "suite_runtime_tests.log").write_text(proc.stdout[-20000:] + proc.stderr[-5000:])
        before, before_cpu = after, after_cpu
    verdict = "PASS" if statistics.median(ratios) <= TESTS_TARGET else "FAIL"
    print(f"\nmedian tests / one clean run: {statistics.median(ratios):.2f}x (target <= {TESTS_TARGET:g}x: {verdict})")
    print(f"load average at end: {load()}")
    return worst


def main() -> int:
    """Parse the mode and run it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="budgets: runs per budget (the median is shown)")
    modes = parser.add_subparsers(dest="mode")
    prof = modes.add_parser("profile", help="one clean run under cProfile")
    prof.add_argument("--quick", action="store_true")
    prof.add_argument("--top", type=int, default=30)
    prof.add_argument("--out", default=None, help="keep the .prof file here")
    rates = modes.add_parser("rate", help="a clean run's requests/s against the emulator's own serving rate")
    rates.add_argument("--rounds", type=int, default=3)
    rates.add_argument("--seconds", type=float, default=5.0, help="length of each load measurement")
    rates.add_argument("--quick", action="store_true")
    rates.add_argument("--driver", choices=("auto", "httpx"), default="auto")
    test = modes.add_parser("tests", help="the project's tests against one clean run")
    test.add_argument("--rounds", type=int, default=1)
    test.add_argument("--pytest-args", default="tests -n 2 -q", help="what follows python -m pytest")
    args = parser.parse_args()
    if args.mode == "profile":
        return profile(args)
    if args.mode == "rate":
        return rate(args)
    if args.mode == "tests":
        return tests(args)
    return budgets(args)


if __name__ == "__main__":
    sys.exit(main())
