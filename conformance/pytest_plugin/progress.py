"""Terminal progress by rule, instead of pytest's dots (``python -m conformance run`` turns it on).

One line each time every test of a rule has finished: ``[ 57/184] PASS   update-204 (6 tests, 2.1 s)``.
pytest's per-test letters are suppressed (a smoke run would print one ``s`` per skipped test), and a
rule whose every test was skipped (not in the smoke plan, not in this edition) prints nothing: the
run's last lines count and explain those instead. Under pytest-xdist the controller does not know
how many tests a rule has: it prints every rule's line at the end.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import pytest

SMOKE_SKIP = "mode = smoke: not part of the smoke plan"
SYMBOL = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP", "broken": "BROKEN"}


class RuleProgress:
    """A pytest plugin object: per-rule lines as rules complete."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.remaining: dict[str, int] = {}
        self.outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.seconds: dict[str, float] = defaultdict(float)
        self.total = 0
        self.done = 0
        self._test_outcome: dict[str, str] = {}
        self._started = time.perf_counter()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Count each rule's tests (single process)."""
        self.total = len(session.items)
        for item in session.items:
            for rid in {r for m in item.iter_markers("rule") for r in m.args}:
                self.remaining[rid] = self.remaining.get(rid, 0) + 1

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under pytest-xdist: the number of tests (each worker collects them all)."""
        self.total = max(self.total, len(ids))

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
        """No per-test letter: the category only (the rule lines say the rest)."""
        if report.when != "call" and report.passed:
            return "", "", ""
        if report.skipped:
            return "skipped", "", ""
        if report.failed:
            return ("failed" if report.when == "call" else "error"), "", ""
        return "passed", "", ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase; at a test's teardown, count it and print the rules it completed."""
        props = dict((k, v) for k, v in report.user_properties if k == "rules")
        rules = list(props.get("rules") or [])
        outcome = self._test_outcome.get(report.nodeid, "passed")
        if report.failed:
            outcome = "broken" if "TargetBroken" in (report.longreprtext or "") else "failed"
        elif report.skipped:
            outcome = "skipped-smoke" if SMOKE_SKIP in str(report.longrepr) else "skipped"
        self._test_outcome[report.nodeid] = outcome
        if report.when != "teardown":
            for rid in rules:
                self.seconds[rid] += report.duration
            return
        self.done += 1
        self._test_outcome.pop(report.nodeid, None)
        for rid in rules:
            self.outcomes[rid][outcome] += 1
            self.seconds[rid] += report.duration
            if rid in self.remaining:
                self.remaining[rid] -= 1
                if self.remaining[rid] == 0:
                    self._line(rid)

    def pytest_sessionfinish(self) -> None:
        """Under pytest-xdist no rule's count was known: one line per rule now."""
        for rid in sorted(set(self.outcomes) - set(self.remaining)):
            self._line(rid)

    def _line(self, rid: str) -> None:
        counts = self.outcomes[rid]
        tests = sum(counts.values())
        if counts.get("skipped-smoke", 0) + counts.get("skipped", 0) == tests:
            return  # nothing ran: the table at the end gives the skip reasons
        if counts.get("failed"):
            verdict = "FAIL"
        elif counts.get("broken"):
            verdict = "BROKEN"
        elif counts.get("passed"):
            verdict = "PASS"
        else:
            verdict = "SKIP"
        failed = f", {counts['failed']} failed" if counts.get("failed") else ""
        width = len(str(self.total or self.done))
        line = (f"[{self.done:>{width}}/{self.total or '?'}] {verdict:<6} {rid} "
                f"({tests} test{'s' if tests != 1 else ''}{failed}, {self.seconds[rid]:.1f} s)")
        reporter = self.config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(line)
        else:
            print(line, flush=True)
