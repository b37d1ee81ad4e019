"""The kill matrix's terminal output: one line per run as it finishes, and a short summary at the end.

The markdown report goes to its file (``faults.md``), not the terminal.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Prints ``[done/total] verdict name seconds (rules) ~time left`` as each run of the matrix finishes."""

    def __init__(self, total: int, *, clean: set[str], stream: TextIO | None = None, workers: int = 1) -> None:
        self.total = total
        self.workers = max(1, workers)
        self._job_seconds = 0.0
        self.clean = clean
        self.done = 0
        self.started = time.perf_counter()
        self.stream = stream or sys.stdout
        self._width = len(str(total))

    def start(self, workers: int, budget: list[str]) -> None:
        """Say what is about to run."""
        faults = self.total - len(self.clean)
        how = " ".join(budget) or "default budget"
        self._print(f"kill matrix: {len(self.clean)} clean configuration(s) and {faults} fault(s), "
                    f"{workers} worker(s), {how}")

    def finished(self, outcome: Any) -> None:
        """One line for a finished run (an :class:`~conformance.cli.kill_matrix.matrix.Outcome`)."""
        self.done += 1
        self._job_seconds += outcome.seconds
        # the runs share the workers: what is left is the remaining runs at the mean run's length, spread
        left = self._job_seconds / self.done * (self.total - self.done) / self.workers
        self._print(f"[{self.done:>{self._width}}/{self.total}] {verdict_of(outcome, self.name_is_clean(outcome)):<11} "
                    f"{outcome.name:<34} {outcome.seconds:>6.1f} s  {detail_of(outcome, self.name_is_clean(outcome))}"
                    f"{'' if self.done == self.total else f'  ~{_duration(left)} left'}")

    def name_is_clean(self, outcome: Any) -> bool:
        """True for a clean configuration's run."""
        return outcome.name in self.clean

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def verdict_of(outcome: Any, clean: bool) -> str:
    """``pass`` / ``FALSE-ALARM`` for a clean run; ``killed`` / ``SURVIVED`` for a fault."""
    if clean:
        if outcome.exit_code == 0:
            return "pass"
        return "FALSE-ALARM" if outcome.failed_rules else f"exit {outcome.exit_code}"
    return "killed" if outcome.killed else "SURVIVED"


def detail_of(outcome: Any, clean: bool) -> str:
    """The rules that failed (or what else happened), in a few words."""
    if outcome.failed_rules:
        rules = ", ".join(outcome.failed_rules[:3]) + (f" +{len(outcome.failed_rules) - 3}"
                                                       if len(outcome.failed_rules) > 3 else "")
        return f"by {rules}" if not clean else f"failed: {rules}"
    if outcome.exit_code not in (0, 1):
        return f"(the run ended with exit {outcome.exit_code})"
    return ""


def summary(report: dict[str, Any], markdown_path: str) -> str:
    """The few lines printed after the matrix."""
    clean_ok = [c for c in report["clean"] if c["exit_code"] == 0]
    lines = [f"clean: {len(clean_ok)}/{len(report['clean'])} configuration(s) pass; "
             f"faults: {report['killed']}/{len(report['faults'])} killed"
             + (f", {len(report['survived'])} survived ({', '.join(report['survived'])})" if report["survived"] else "")
             + f"; {report['seconds']} s"]
    if report.get("unproven_rules"):
        lines.append(f"unproven rules (no fault breaks them): {', '.join(report['unproven_rules'])}")
    lines.append(f"report: {markdown_path} (and faults.json beside it)")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"
