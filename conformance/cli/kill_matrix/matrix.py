"""``python -m conformance faults``: prove the suite by running it against seeded emulator faults.

Mutation testing for a conformance suite: the whole suite runs against the clean embedded emulator in
each of a small set of configurations of its open choices
(:func:`~conformance.cli.kill_matrix.portability.clean_configurations`: every value of every switch, both
editions; a rule failing there is a false alarm), then once per fault of the emulator's catalog.
A fault is *killed* when the run fails; the report names the rules that failed, the first
counterexample and the time to the kill.

By default a fault run stops as soon as the fault is proven killed: the tests of the rules the fault
claims to break run first, and the run ends at the first failure (the rest runs only when the claimed
rules did not kill it). ``--attribute`` runs the whole suite per fault instead and lists every rule
that failed; only then is a rule that no fault breaks reported *unproven*. The clean runs always run
the whole suite.

Runs go to ``--jobs`` worker processes (:mod:`conformance.cli.kill_matrix.worker`), each of which imports the
suite once and keeps one embedded emulator, switched in place from run to run; ``--isolated`` starts
a new ``python -m conformance run`` process (and emulator) per run instead.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.cli.kill_matrix import worker as kill_worker
from conformance.cli.kill_matrix.portability import Configuration, clean_configurations, coverage_note
from conformance.cli.kill_matrix.progress import Progress, summary
from conformance.cli.rules import fault_catalog
from conformance.core.errors import EXIT_CONFORMS, EXIT_NONCONFORMANT, ToolError
from conformance.safety.budget import CANNOT_KILL
from conformance.spec.rules import RULES


@dataclass
class Outcome:
    """The result of one suite run in the matrix."""

    name: str
    args: list[str]
    exit_code: int
    seconds: float
    failed_rules: list[str] = field(default_factory=list)
    counterexample: str | None = None
    not_evaluated_rules: list[str] = field(default_factory=list)
    claimed_rules: list[str] = field(default_factory=list)
    description: str = ""
    time_to_kill_s: float | None = None

    @property
    def killed(self) -> bool:
        """A fault run is killed when some rule failed."""
        return self.exit_code == EXIT_NONCONFORMANT and bool(self.failed_rules)


def _edition_args(rules: tuple[str, ...]) -> list[str]:
    editions = {e for r in rules if r in RULES for e in RULES[r].editions}
    return ["--edition", "current"] if editions == {"current"} else []


Job = tuple[str, list[str]]
"""One run of the matrix: its name and its ``conformance run`` arguments."""


def _run_argv(extra: list[str], budget: list[str], out: Path) -> list[str]:
    return [*budget, *extra, "--no-shrink", "--results-dir", str(out)]


def _outcome(name: str, extra: list[str], exit_code: int, seconds: float, out: Path, output: str) -> Outcome:
    """An :class:`Outcome` from a finished run's exit code and its ``results.json``."""
    outcome = Outcome(name=name, args=extra, exit_code=exit_code, seconds=round(seconds, 1))
    results = out / "results.json"
    if results.exists():
        data = json.loads(results.read_text())
        failing = [rid for rid, r in data["rules"].items() if r["verdict"] == "fail"]
        outcome.failed_rules = failing
        outcome.not_evaluated_rules = [rid for rid, r in data["rules"].items() if r["verdict"] == "broken"]
        if failing:
            outcome.counterexample = data["rules"][failing[0]].get("counterexample")
        kills = [t["failed_at_s"] for t in data["tests"] if t.get("failed_at_s") is not None]
        outcome.time_to_kill_s = min(kills) if kills else None
    elif exit_code:
        outcome.counterexample = output[-800:]
    return outcome


def _run_one(name: str, extra: list[str], budget: list[str], out_root: Path) -> Outcome:
    """Run one job as a new ``python -m conformance run`` process (``--isolated``)."""
    out = out_root / name
    cmd = [sys.executable, "-m", "conformance", "run", *_run_argv(extra, budget, out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                          check=False)
    return _outcome(name, extra, proc.returncode, time.perf_counter() - started, out,
                    proc.stderr or proc.stdout)


Finished = Callable[[Outcome], None]
"""Told about each run as it finishes (the progress lines)."""


def _run_isolated(jobs: list[Job], budget: list[str], out_root: Path, workers: int,
                  finished: Finished | None = None) -> list[Outcome]:
    def one(job: Job) -> Outcome:
        outcome = _run_one(job[0], job[1], budget, out_root)
        if finished is not None:
            finished(outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def _run_pooled(jobs: list[Job], budget: list[str], out_root: Path, workers: int,
                finished: Finished | None = None) -> list[Outcome]:
    """Run the jobs in ``workers`` long-lived processes (:mod:`conformance.cli.kill_matrix.worker`), in order."""

    out_root.mkdir(parents=True, exist_ok=True)
    outcomes: dict[int, Outcome] = {}
    with tempfile.TemporaryDirectory(prefix="kill-matrix-") as logs:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=kill_worker.init, initargs=(logs,))
        try:
            futures = {pool.submit(kill_worker.run, _run_argv(extra, budget, out_root / name)): i
                       for i, (name, extra) in enumerate(jobs)}
            for future in as_completed(futures):
                i = futures[future]
                name, extra = jobs[i]
                code, seconds, output = future.result()
                outcomes[i] = _outcome(name, extra, code, seconds, out_root / name, output)
                if finished is not None:
                    finished(outcomes[i])
        except BrokenProcessPool:
            raise ToolError("a kill-matrix worker process died; run again with --isolated") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return [outcomes[i] for i in range(len(jobs))]


def fault_job(name: str, claimed: tuple[str, ...], *, attribute: bool) -> Job:
    """The run of one fault: its claimed rules' tests first and stop at the first failure, unless ``attribute``."""
    extra = ["--emulator-fault", name, *_edition_args(claimed)]
    if not attribute:
        extra += [*(arg for rule in claimed if rule in RULES for arg in ("--first-rule", rule)),
                  "--stop-at-first-failure"]
    return name, extra


def run_kill_matrix(args: argparse.Namespace) -> int:
    """Run the matrix, write ``faults.md`` and ``faults.json``; exit 0 only if clean passes and all die."""
    catalog = fault_catalog()
    unknown = [f for f in args.fault if f not in catalog]
    if unknown:
        raise ToolError(f"unknown fault(s): {', '.join(unknown)} (see: python -m graph_phone_emulator --list-faults)")
    chosen = args.fault or sorted(catalog)
    budget = ["--quick"] if args.quick else []
    if args.examples is not None:
        budget = ["--examples", str(args.examples)]
    if getattr(args, "budget_plan", False):
        budget = [*budget, "--budget-plan"]
    out_root = Path(args.results_dir) / "faults"
    clean_runs = {c.name: c for c in clean_configurations()}
    if args.fault:  # a chosen few faults: one clean run (all defaults) shows the suite passes; the full
        clean_runs = dict(list(clean_runs.items())[:1])  # portability matrix runs with the whole catalog
    attribute = bool(getattr(args, "attribute", False))
    # the clean runs first: they are the longest, so the faults fill the other workers meanwhile
    jobs: list[Job] = [(c.name, c.args()) for c in clean_runs.values()]
    jobs += [fault_job(name, tuple(catalog[name].rules), attribute=attribute) for name in chosen]
    run_jobs: Callable[..., list[Outcome]] = _run_isolated if getattr(args, "isolated", False) else _run_pooled
    started = time.perf_counter()
    progress = Progress(len(jobs), clean=set(clean_runs), workers=max(1, args.jobs))
    progress.start(max(1, args.jobs), budget)

    def finished(o: Outcome) -> None:
        if o.name in catalog:
            o.claimed_rules = list(catalog[o.name].rules)
            o.description = catalog[o.name].description
        progress.finished(o)

    outcomes = run_jobs(jobs, budget, out_root, max(1, args.jobs), finished)
    report = build_report(outcomes, all_faults=not args.fault, seconds=time.perf_counter() - started,
                          clean_runs=clean_runs, attribute=attribute)
    report["budget_plan"] = bool(getattr(args, "budget_plan", False))
    write_report(Path(args.results_dir), report)
    clean_ok = all(o["exit_code"] == EXIT_CONFORMS for o in report["clean"])
    survivors = [f["name"] for f in report["faults"] if not f["killed"]]
    print(summary(report, str(Path(args.results_dir) / "faults.md")))
    if not clean_ok:
        false_alarms = sorted({r for c in report["clean"] for r in c["failed_rules"]})
        print("error: the suite fails on a clean emulator configuration (false alarm"
              + (f" in {', '.join(false_alarms)}" if false_alarms else "") + ")", file=sys.stderr)
    if survivors:
        print(f"error: {len(survivors)} fault(s) survived: {', '.join(survivors)}", file=sys.stderr)
    return EXIT_CONFORMS if clean_ok and not survivors else EXIT_NONCONFORMANT


def build_report(outcomes: list[Outcome], *, all_faults: bool, seconds: float,
                 clean_runs: dict[str, Configuration] | None = None, attribute: bool = True) -> dict[str, Any]:
    """The ``faults.json`` document (``clean_runs``: the clean configurations by name).

    Unproven rules are named only for an ``attribute`` run over the whole catalog: a run that stops at
    the first failure does not say which other rules would have failed.
    """
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
        "mode": "attribute" if attribute else "first-kill",
        "seconds": round(seconds, 1),
        "clean": clean,
        "clean_coverage": coverage_note(list(clean_runs.values())),
        "faults": faults,
        "killed": sum(f["killed"] for f in faults),
        "survived": [f["name"] for f in faults if not f["killed"]],
        "rules": {rid: sorted(ks) for rid, ks in killers.items()},
        "unproven_rules": sorted(rid for rid, ks in killers.items() if not ks) if all_faults and attribute else [],
        "blame": blame(faults) if attribute else None,
    }


def blame(faults: list[dict[str, Any]]) -> dict[str, Any]:
    """How many rules one seeded defect fails (and leaves not evaluated): median and worst over the faults.

    A sharp suite blames one defect on few rules: its own and the schema's; a set-up step that cannot
    arrange its state leaves rules not evaluated rather than failing them.
    """
    if not faults:
        return {"faults": 0}
    failed = sorted(len(f["failed_rules"]) for f in faults)
    broken = sorted(len(f.get("not_evaluated_rules") or []) for f in faults)
    worst = max(faults, key=lambda f: (len(f["failed_rules"]), f["name"]))
    return {"faults": len(faults), "failed_median": statistics.median(failed), "failed_worst": failed[-1],
            "failed_worst_fault": worst["name"], "not_evaluated_median": statistics.median(broken),
            "not_evaluated_worst": broken[-1], "beyond_claimed_median": statistics.median(
                sorted(len(set(f["failed_rules"]) - set(f["claimed_rules"])) for f in faults))}


def write_report(results_dir: Path, report: dict[str, Any]) -> None:
    """Write ``faults.json`` and ``faults.md`` into ``results_dir``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "faults.json").write_text(json.dumps(report, indent=2) + "\n")
    (results_dir / "faults.md").write_text(render_markdown(report))


def render_markdown(report: dict[str, Any]) -> str:
    """The kill matrix as markdown."""
    attribute = report.get("mode", "attribute") == "attribute"
    how = ("every fault run through the whole suite (--attribute)" if attribute else
           "each fault run stopped at its first failure, its claimed rules' tests first "
           "(--attribute lists every rule that fails)")
    lines = ["# Kill matrix", "",
             f"{report['killed']} of {len(report['faults'])} faults killed in {report['seconds']} s; {how}.", "",
             "## Clean configurations (portability matrix)", "",
             "Each is a correct implementation: a rule failing on one is a false alarm. "
             + report.get("clean_coverage", ""), "",
             "| clean run | edition | choices (non-default) | exit | rules that failed | seconds |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {c['name']} | {c.get('edition', '-')} | "
              f"{', '.join(f'{k}={v}' for k, v in (c.get('choices') or {}).items()) or 'defaults'} | "
              f"{c['exit_code']} | {', '.join(c['failed_rules']) or '-'} | {c['seconds']} |" for c in report["clean"]]
    lines += ["", "## Faults", ""]
    failed = "rules that failed" if attribute else "rule that failed first"
    lines += ["", f"| fault | verdict | {failed} | not evaluated | claimed rule caught | time to kill (s) | run (s) |",
              "|---|---|---|---|---|---|---|"]
    for f in report["faults"]:
        verdict = "killed" if f["killed"] else "SURVIVED"
        caught = "yes" if f["claimed_caught"] else "no"
        lines.append(f"| `{f['name']}` | {verdict} | {', '.join(f['failed_rules']) or '-'} "
                     f"| {len(f.get('not_evaluated_rules') or []) or '-'} | {caught} "
                     f"| {f['time_to_kill_s'] if f['time_to_kill_s'] is not None else '-'} | {f['seconds']} |")
    b = report.get("blame")
    if b and b.get("faults"):
        lines += ["", f"Blame: one fault fails {b['failed_median']:g} rules at the median, {b['failed_worst']} "
                  f"at worst (`{b['failed_worst_fault']}`); {b['beyond_claimed_median']:g} beyond its claimed "
                  f"rules at the median; not evaluated: {b['not_evaluated_median']:g} at the median, "
                  f"{b['not_evaluated_worst']} at worst."]
    if report["unproven_rules"]:
        lines += ["", "Unproven rules (no fault breaks them): " + ", ".join(f"`{r}`" for r in report["unproven_rules"])]
    if report.get("budget_plan"):
        lines += _budget_section(report)
    first = [f for f in report["faults"] if f["killed"] and f["counterexample"]]
    if first:
        lines += ["", "## First counterexample per fault", ""]
        for f in first:
            ce = (f["counterexample"] or "").strip().splitlines()
            lines += [f"### `{f['name']}`", "", "```", *ce[:12], "```", ""]
    return "\n".join(lines) + "\n"


def _budget_section(report: dict[str, Any]) -> list[str]:
    """Under the budget plan: the faults it cannot kill, and those only another rule's test kills, and why."""

    lines = ["", "## Under the budget plan (what a full tenant run gets)", ""]
    survived = [f for f in report["faults"] if not f["killed"]]
    if not survived:
        lines.append("The budget plan kills every fault of this matrix.")
    for f in survived:
        why = CANNOT_KILL.get(f["name"], "not explained yet: add it to conformance.safety.budget.CANNOT_KILL")
        lines.append(f"- `{f['name']}` survives: {why}")
    others = [f for f in report["faults"] if f["killed"] and not f["claimed_caught"]]
    if others:
        lines += ["", "Killed, but not by the rule they claim (its one example does not reach the fault):", ""]
        lines += [f"- `{f['name']}` (claims {', '.join(f['claimed_rules'])}): killed by "
                  f"{', '.join(f['failed_rules'])}" for f in others]
    return lines
