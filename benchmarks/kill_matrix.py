"""Benchmark: where the kill matrix's seconds go, and the old command against the new one.

Target (issue 14): ``python -m conformance faults --jobs 2`` at the default budget in at most 120 s on
the 2-core machine, about 8x one clean suite run measured in the same moment, with the same verdicts.
Run from the repository root:

    python benchmarks/kill_matrix.py profile [--quick] [--sample 6]   # where one run's seconds go
    python benchmarks/kill_matrix.py compare [--quick] [--jobs 2]      # old vs new, same moment

``profile`` times, each in a fresh process: the interpreter, the imports, pytest's start-up and the
suite's collection, the embedded emulator's start and in-place reset, one clean run, and a sample of
fault runs the old way (a process per fault, the whole suite) against the new way (one worker
process, the emulator switched in place, the claimed rules first and stop at the first failure).

``compare`` runs, back to back: one clean ``conformance run``, the old kill matrix (``faults --isolated
--attribute``: what ``faults`` did before, a process per run, every test of every fault) and the new
default ``faults``; it prints the wall times, their ratios and whether the verdicts agree. The machine
is shared: the load average is printed with the figures, and the ratios are what to compare.
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

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
TARGET_S = 120.0
SAMPLE = ("update-returns-200-body", "accept-letters", "skip-role-check", "error-envelope-flat",
          "delete-mobile-with-alternate", "list-bare-array", "sms-state-office-ready", "create-returns-200")


def _wall(cmd: list[str], **kw: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - started, proc


def _median(cmd: list[str], repeat: int) -> float:
    return statistics.median(_wall(cmd)[0] for _ in range(repeat))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _results(path: Path) -> dict:
    return json.loads((path / "results.json").read_text())


def profile(args: argparse.Namespace) -> int:
    """Print where the seconds of one suite run, and of a sample of fault runs, go."""
    budget = ["--quick"] if args.quick else []
    print(f"# Kill matrix profile ({'--quick' if args.quick else 'default budget'}; load {_load()})\n")
    interp = _median([PY, "-c", "pass"], 5)
    imports = _median([PY, "-c", "import conformance.cli, conformance.cli.run, conformance.pytest_plugin.plugin, "
                           "pytest, hypothesis, schemathesis, conformance.target.target"], 3) - interp
    collect = _median([PY, "-m", "pytest", "conformance/suite", "-p", "conformance.pytest_plugin.plugin",
                       "-p", "no:cacheprovider",
                       "-p", "no:randomly", "--collect-only", "-q", *budget], 3) - interp
    emu = subprocess.run([PY, "-c", _EMULATOR_TIMING], capture_output=True, text=True, check=True, cwd=ROOT)
    start_s, reset_s = (float(x) for x in emu.stdout.split())
    with tempfile.TemporaryDirectory() as tmp:
        wall, _ = _wall([PY, "-m", "conformance", "run", *budget, "--no-shrink", "--results-dir", tmp])
        data = _results(Path(tmp))
    session = data["duration_s"]
    tests = sum(t["duration_s"] for t in data["tests"])
    print("| one clean run | seconds |\n|---|---|")
    print(f"| interpreter start-up | {interp:.2f} |")
    print(f"| imports (pytest, Hypothesis, schemathesis, the suite) | {imports:.2f} |")
    print(f"| pytest start-up, plugins (assertion rewriting) and collection, imports included | {collect:.2f} |")
    print(f"| embedded emulator: start / in-place reset | {start_s:.3f} / {reset_s:.4f} |")
    print(f"| the session (emulator start, tests, reports) | {session:.1f} |")
    print(f"| of which the tests themselves | {tests:.1f} |")
    print(f"| whole process, wall | {wall:.1f} |")
    old, new = _fault_sample(args.sample, budget)
    print("\n| fault | old: process wall | old: session | old: failed at | new: run wall | new: failed at |")
    print("|---|---|---|---|---|---|")
    for name in old:
        o, n = old[name], new[name]
        print(f"| `{name}` | {o['seconds']} | {o['session']:.1f} | {o['time_to_kill_s']} | {n['seconds']} "
              f"| {n['time_to_kill_s']} |")
    o_sum = sum(o["seconds"] for o in old.values())
    n_sum = sum(n["seconds"] for n in new.values())
    print(f"\nsample total: old {o_sum:.1f} s, new {n_sum:.1f} s (ratio {o_sum / max(n_sum, 0.01):.1f}x); "
          f"load {_load()}")
    return 0


_EMULATOR_TIMING = """
import statistics, time
from graph_phone_emulator.server import start_in_thread
starts, resets = [], []
for _ in range(5):
    t = time.perf_counter(); r = start_in_thread(); starts.append(time.perf_counter() - t)
    t = time.perf_counter(); r.reset({"faults": ["accept-letters"]}); resets.append(time.perf_counter() - t)
    r.stop()
print(statistics.median(starts), statistics.median(resets))
"""


def _fault_sample(count: int, budget: list[str]) -> tuple[dict[str, dict], dict[str, dict]]:
    names = list(SAMPLE[:count])
    picks = [arg for n in names for arg in ("--fault", n)]
    out: list[dict[str, dict]] = []
    for mode in (["--isolated", "--attribute"], []):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([PY, "-m", "conformance", "faults", *budget, "--jobs", "1", *mode, *picks,
                            "--results-dir", tmp], capture_output=True, text=True, check=False, cwd=ROOT)
            report = json.loads((Path(tmp) / "faults.json").read_text())
            rows = {}
            for f in report["faults"]:
                session = _results(Path(tmp) / "faults" / f["name"])["duration_s"]
                rows[f["name"]] = {**f, "session": session}
            out.append(rows)
    return out[0], out[1]


def compare(args: argparse.Namespace) -> int:
    """Old kill matrix vs new, back to back; exit 1 when the verdicts differ or the target is missed."""
    budget = ["--quick"] if args.quick else []
    jobs = ["--jobs", str(args.jobs)]
    print(f"# Kill matrix, old vs new ({'--quick' if args.quick else 'default budget'}, --jobs {args.jobs})\n")
    print(f"load average at start: {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        clean_s, _ = _wall([PY, "-m", "conformance", "run", *budget, "--results-dir", f"{tmp}/clean"])
        old_s, old_p = _wall([PY, "-m", "conformance", "faults", *budget, *jobs, "--isolated", "--attribute",
                              "--results-dir", f"{tmp}/old"])
        new_s, new_p = _wall([PY, "-m", "conformance", "faults", *budget, *jobs, "--results-dir", f"{tmp}/new"])
        old = json.loads(Path(f"{tmp}/old/faults.json").read_text())
        new = json.loads(Path(f"{tmp}/new/faults.json").read_text())
    same = _verdicts(old) == _verdicts(new)
    print(f"load average at end: {_load()}\n")
    print("| command | wall (s) | x one clean run | exit | killed |\n|---|---|---|---|---|")
    print(f"| `conformance run{' --quick' if args.quick else ''}` (one clean run) | {clean_s:.1f} | 1.0 | - | - |")
    for label, secs, proc, rep in (("old: `faults --isolated --attribute`", old_s, old_p, old),
                                   ("new: `faults`", new_s, new_p, new)):
        print(f"| {label} | {secs:.1f} | {secs / clean_s:.1f} | {proc.returncode} "
              f"| {rep['killed']}/{len(rep['faults'])} |")
    print(f"\nnew / old: {new_s / old_s:.2f} ({old_s / new_s:.1f}x faster); same verdicts: {same}; "
          f"target {TARGET_S:.0f} s: {'PASS' if new_s <= TARGET_S else 'MISS'}")
    slow = sorted(new["faults"], key=lambda f: -f["seconds"])[:5]
    print("slowest new fault runs: " + ", ".join(f"{f['name']} {f['seconds']} s" for f in slow))
    print("new clean runs: " + ", ".join(f"{c['name']} {c['seconds']} s" for c in new["clean"]))
    return 0 if same and old_p.returncode == new_p.returncode else 1


def _verdicts(report: dict) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, bool], ...]]:
    return (tuple((c["name"], c["exit_code"]) for c in report["clean"]),
            tuple((f["name"], f["killed"]) for f in report["faults"]))


def main() -> int:
    """Parse the command line and run the chosen measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("profile", help="where the seconds of a run go")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sample", type=int, default=6, help="fault runs to time the old and the new way")
    c = sub.add_parser("compare", help="old vs new kill matrix, back to back")
    c.add_argument("--quick", action="store_true")
    c.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    return profile(args) if args.what == "profile" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
