"""``python -m conformance faults``: prove the suite by running it against seeded emulator faults.

Mutation testing for a conformance suite: the whole suite runs against the clean embedded emulator in
each of a small set of configurations of its open choices (:func:`conformance.portability.clean_configurations`:
every value of every switch, both editions; a rule failing there is a false alarm), then once per
fault of the emulator's catalog.
A fault is *killed* when the run fails; the report names the rules that failed, the first
counterexample and the time to the kill. A rule that no fault breaks is *unproven*.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import EXIT_CONFORMS, EXIT_NONCONFORMANT, ToolError
from conformance.portability import Configuration, clean_configurations, coverage_note
from conformance.rules import RULES


@dataclass
class Outcome:
    """The result of one suite run in the matrix."""

    name: str
    args: list[str]
    exit_code: int
    seconds: float
    failed_rules: list[str] = field(default_factory=list)
    counterexample: str | None = None
    claimed_rules: list[str] = field(default_factory=list)
    description: str = ""
    time_to_kill_s: float | None = None

    @property
    def killed(self) -> bool:
        """A fault run is killed when some rule failed."""
        return self.exit_code == EXIT_NONCONFORMANT and bool(self.failed_rules)


def fault_catalog() -> dict[str, Any]:
    """The emulator's fault catalog (name -> fault with ``description`` and ``rules``)."""
    try:
        from emulator.faults import FAULTS
    except ImportError as exc:
        raise ToolError(f"the emulator's fault catalog cannot be imported ({exc})") from None
    return dict(FAULTS)


def _edition_args(rules: tuple[str, ...]) -> list[str]:
    editions = {e for r in rules if r in RULES for e in RULES[r].editions}
    return ["--edition", "current"] if editions == {"current"} else []


def _run_one(name: str, extra: list[str], budget: list[str], out_root: Path) -> Outcome:
    out = out_root / name
    cmd = [sys.executable, "-m", "conformance", "run", *budget, *extra, "--no-shrink", "--results-dir", str(out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                          check=False)
    seconds = time.perf_counter() - started
    outcome = Outcome(name=name, args=extra, exit_code=proc.returncode, seconds=round(seconds, 1))
    results = out / "results.json"
    if results.exists():
        data = json.loads(results.read_text())
        failing = [rid for rid, r in data["rules"].items() if r["verdict"] == "fail"]
        outcome.failed_rules = failing
        if failing:
            outcome.counterexample = data["rules"][failing[0]].get("counterexample")
        kills = [t["failed_at_s"] for t in data["tests"] if t.get("failed_at_s") is not None]
        outcome.time_to_kill_s = min(kills) if kills else None
    elif proc.returncode:
        outcome.counterexample = (proc.stderr or proc.stdout)[-800:]
    return outcome


def run_kill_matrix(args: argparse.Namespace) -> int:
    """Run the matrix, write ``faults.md`` and ``faults.json``; exit 0 only if clean passes and all die."""
    catalog = fault_catalog()
    unknown = [f for f in args.fault if f not in catalog]
    if unknown:
        raise ToolError(f"unknown fault(s): {', '.join(unknown)} (see: python -m emulator --list-faults)")
    chosen = args.fault or sorted(catalog)
    budget = ["--quick"] if args.quick else []
    if args.examples is not None:
        budget = ["--examples", str(args.examples)]
    out_root = Path(args.results_dir) / "faults"
    clean_runs = {c.name: c for c in clean_configurations()}
    jobs: list[tuple[str, list[str]]] = [(c.name, c.args()) for c in clean_runs.values()]
    for name in chosen:
        jobs.append((name, ["--emulator-fault", name, *_edition_args(tuple(catalog[name].rules))]))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda job: _run_one(job[0], job[1], budget, out_root), jobs))
    for o in outcomes:
        if o.name in catalog:
            o.claimed_rules = list(catalog[o.name].rules)
            o.description = catalog[o.name].description
    report = build_report(outcomes, all_faults=not args.fault, seconds=time.perf_counter() - started,
                          clean_runs=clean_runs)
    write_report(Path(args.results_dir), report)
    clean_ok = all(o["exit_code"] == EXIT_CONFORMS for o in report["clean"])
    survivors = [f["name"] for f in report["faults"] if not f["killed"]]
    print(render_markdown(report))
    if not clean_ok:
        false_alarms = sorted({r for c in report["clean"] for r in c["failed_rules"]})
        print("error: the suite fails on a clean emulator configuration (false alarm"
              + (f" in {', '.join(false_alarms)}" if false_alarms else "") + ")", file=sys.stderr)
    if survivors:
        print(f"error: {len(survivors)} fault(s) survived: {', '.join(survivors)}", file=sys.stderr)
    return EXIT_CONFORMS if clean_ok and not survivors else EXIT_NONCONFORMANT


def build_report(outcomes: list[Outcome], *, all_faults: bool, seconds: float,
                 clean_runs: dict[str, Configuration] | None = None) -> dict[str, Any]:
    """The ``faults.json`` document (``clean_runs``: the clean configurations by name)."""
    clean_runs = clean_runs if clean_runs is not None else {c.name: c for c in clean_configurations()}
    clean = [{**asdict(o), "edition": clean_runs[o.name].edition, "choices": dict(clean_runs[o.name].choices)}
             for o in outcomes if o.name in clean_runs]
    faults = [{**asdict(o), "killed": o.killed,
               "claimed_caught": sorted(set(o.claimed_rules) & set(o.failed_rules))}
              for o in outcomes if o.name not in clean_runs]
    killers: dict[str, list[str]] = {rid: [] for rid in RULES}
    for f in faults:
        for rid in f["failed_rules"]:
            killers.setdefault(rid, []).append(f["name"])
    return {
        "schema_version": 1,
        "seconds": round(seconds, 1),
        "clean": clean,
        "clean_coverage": coverage_note(list(clean_runs.values())),
        "faults": faults,
        "killed": sum(f["killed"] for f in faults),
        "survived": [f["name"] for f in faults if not f["killed"]],
        "rules": {rid: sorted(ks) for rid, ks in killers.items()},
        "unproven_rules": sorted(rid for rid, ks in killers.items() if not ks) if all_faults else [],
    }


def write_report(results_dir: Path, report: dict[str, Any]) -> None:
    """Write ``faults.json`` and ``faults.md`` into ``results_dir``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "faults.json").write_text(json.dumps(report, indent=2) + "\n")
    (results_dir / "faults.md").write_text(render_markdown(report))


def render_markdown(report: dict[str, Any]) -> str:
    """The kill matrix as markdown."""
    lines = ["# Kill matrix", "",
             f"{report['killed']} of {len(report['faults'])} faults killed in {report['seconds']} s.", "",
             "## Clean configurations (portability matrix)", "",
             "Each is a correct implementation: a rule failing on one is a false alarm. "
             + report.get("clean_coverage", ""), "",
             "| clean run | edition | choices (non-default) | exit | rules that failed | seconds |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {c['name']} | {c.get('edition', '-')} | "
              f"{', '.join(f'{k}={v}' for k, v in (c.get('choices') or {}).items()) or 'defaults'} | "
              f"{c['exit_code']} | {', '.join(c['failed_rules']) or '-'} | {c['seconds']} |" for c in report["clean"]]
    lines += ["", "## Faults", ""]
    lines += ["", "| fault | verdict | rules that failed | claimed rule caught | time to kill (s) | run (s) |",
              "|---|---|---|---|---|---|"]
    for f in report["faults"]:
        verdict = "killed" if f["killed"] else "SURVIVED"
        caught = "yes" if f["claimed_caught"] else "no"
        lines.append(f"| `{f['name']}` | {verdict} | {', '.join(f['failed_rules']) or '-'} | {caught} "
                     f"| {f['time_to_kill_s'] if f['time_to_kill_s'] is not None else '-'} | {f['seconds']} |")
    if report["unproven_rules"]:
        lines += ["", "Unproven rules (no fault breaks them): " + ", ".join(f"`{r}`" for r in report["unproven_rules"])]
    first = [f for f in report["faults"] if f["killed"] and f["counterexample"]]
    if first:
        lines += ["", "## First counterexample per fault", ""]
        for f in first:
            ce = (f["counterexample"] or "").strip().splitlines()
            lines += [f"### `{f['name']}`", "", "```", *ce[:12], "```", ""]
    return "\n".join(lines) + "\n"
