"""The kill matrix: fault runs stop at the first failure (claimed rules first), workers reuse one emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli.kill_matrix.matrix import Outcome, build_report, fault_job, render_markdown
from conformance.safety.budget import CANNOT_KILL
from graph_phone_emulator.faults import FaultName

ROOT = Path(__file__).resolve().parents[2]


def _faults(tmp_path: Path, *args: str, timeout: float = 900) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "conformance", "faults", *args, "--results-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout, check=False)
    return proc, json.loads((tmp_path / "faults.json").read_text())


def test_a_fault_run_puts_its_claimed_rules_first_and_stops_at_the_first_failure() -> None:
    name, args = fault_job(FaultName.ACCEPT_LETTERS, ("number-invalid-rejected",), attribute=False)
    assert name == FaultName.ACCEPT_LETTERS
    assert args == ["--emulator-fault", FaultName.ACCEPT_LETTERS, "--first-rule", "number-invalid-rejected",
                    "--stop-at-first-failure"]
    assert fault_job(FaultName.ACCEPT_LETTERS, ("number-invalid-rejected",), attribute=True)[1] == [
        "--emulator-fault", FaultName.ACCEPT_LETTERS]
    assert "--edition" in fault_job(FaultName.SELF_SERVICE_REFUSED_BUT_STORED, ("perm-current-no-self-service",),
                                    attribute=False)[1]


def test_unproven_rules_are_named_only_by_an_attribute_run() -> None:
    outcomes = [Outcome("clean", [], 0, 1.0),
                Outcome(FaultName.ACCEPT_LETTERS, [], 1, 1.0, ["number-invalid-rejected"], claimed_rules=[
                    "number-invalid-rejected"])]
    quick = build_report(outcomes, all_faults=True, seconds=2.0, attribute=False)
    full = build_report(outcomes, all_faults=True, seconds=2.0, attribute=True)
    assert quick["mode"] == "first-kill" and quick["unproven_rules"] == []
    assert full["mode"] == "attribute" and "delete-order" in full["unproven_rules"]
    assert "rule that failed first" in render_markdown(quick)
    assert "rules that failed" in render_markdown(full)


@pytest.mark.slow
def test_workers_switch_one_emulator_between_faults_and_kill_through_the_claimed_rule(tmp_path: Path) -> None:
    """Pooled (the default): one worker, three runs on one emulator; each fault killed by its claimed rule."""
    proc, report = _faults(tmp_path, "--quick", "--jobs", "1", "--fault", FaultName.ACCEPT_LETTERS,
                           "--fault", FaultName.UNKNOWN_USER_200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert [c["exit_code"] for c in report["clean"]] == [0] * len(report["clean"])
    for fault in report["faults"]:
        assert fault["killed"] and fault["failed_rules"] == fault["claimed_caught"], fault
    results = json.loads((tmp_path / "faults" / FaultName.ACCEPT_LETTERS / "results.json").read_text())
    ran = [t for t in results["tests"] if t["outcome"] != "skipped"]
    assert all("number-invalid-rejected" in t["rules"] for t in ran), "the claimed rule's tests run first"
    assert sum(t["outcome"] == "failed" for t in ran) == 1, "the run stops at the first failure"


@pytest.mark.slow
def test_the_budget_plan_kills_every_fault_a_single_example_can_kill(tmp_path: Path) -> None:
    """The tenant-sized run, against the emulator: every fault not in budget.CANNOT_KILL is killed."""
    proc, report = _faults(tmp_path, "--budget-plan", "--jobs", "2")
    survived = set(report["survived"])
    assert survived <= set(CANNOT_KILL), f"the budget plan lets these survive: {sorted(survived - set(CANNOT_KILL))}"
    assert all(c["exit_code"] == 0 for c in report["clean"]), report["clean"]
    assert proc.returncode == (1 if survived else 0)
    assert "Under the budget plan" in (tmp_path / "faults.md").read_text()
