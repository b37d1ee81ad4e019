"""Collect per-test reports into per-rule verdicts and write ``results.json`` and ``summary.md``.

Works under pytest-xdist: everything a verdict needs travels in the reports' ``user_properties``.
``results.json`` carries ``schema_version`` (see ``docs/results-schema.md``).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.pytest_plugin.settings import edition_of, profile_of, results_dir
from conformance.results.document import SCHEMA_VERSION
from conformance.results.report import write_results
from conformance.spec.rules import RULES

VERDICT_ORDER = ("fail", "broken", "expected-fail", "pass", "skipped", "not-run")
BROKEN_MARKERS = ("TargetBroken", "BudgetExhausted")
RESTORE_FAILED = re.compile(r"RestoreFailed: (.+)")
FAILED_OUTCOMES = frozenset({"failed", "error", "broken"})


class ResultCollector:
    """A pytest plugin object that turns test reports into rule verdicts (controller side)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tests: dict[str, dict[str, Any]] = {}
        self.observations: list[dict[str, Any]] = []
        self.restore_failures: list[str] = []
        self.started = time.time()

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold one phase's report into the test's record."""
        props = dict((k, v) for k, v in report.user_properties if k != "observation")
        rules = props.get("rules")
        if not rules:
            return
        rec = self.tests.setdefault(report.nodeid, {"nodeid": report.nodeid, "rules": list(rules),
                                                    "outcome": "passed", "duration_s": 0.0,
                                                    "message": None, "requests": 0})
        rec["duration_s"] += report.duration
        rec["requests"] = max(rec["requests"], int(props.get("requests", 0)))
        if report.when == "call" or report.outcome != "passed":
            for key, value in report.user_properties:
                if key == "observation" and report.when == "call":
                    self.observations.append({"test": report.nodeid, **value})
        restore = RESTORE_FAILED.search(report.longreprtext or "") if report.failed else None
        if restore and report.when == "teardown":
            # the session's restore, run in the last test's teardown: reported beside the verdicts
            if restore.group(1) not in self.restore_failures:
                self.restore_failures.append(restore.group(1).strip())
        elif report.failed and report.when == "teardown" and rec["outcome"] in FAILED_OUTCOMES:
            rec.setdefault("teardown", counterexample(report.longreprtext or ""))  # the verdict stands
        elif report.skipped:
            rec["outcome"] = "skipped"
            rec["message"] = _skip_reason(report)
        elif report.failed:
            text = report.longreprtext or ""
            judged = props.get("verdict")
            broken = judged == "broken" if judged else any(m in text for m in BROKEN_MARKERS)
            rec["outcome"] = "broken" if broken else ("error" if report.when != "call" else "failed")
            rec["message"] = props.get("counterexample") or counterexample(text)
            if broken:
                rec["cause"] = props.get("cause") or _first_line(rec["message"])
            rec.setdefault("failed_at_s", round(time.time() - self.started, 3))
            rec["curl"] = props.get("curl")
            if props.get("replay"):
                rec["replay"] = props["replay"]
        elif report.when == "teardown" and rec["outcome"] in FAILED_OUTCOMES and props.get("curl"):
            rec["curl"] = props["curl"]  # the suite's conftest records the curl line in its teardown
            if props.get("replay"):
                rec["replay"] = props["replay"]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the reports (controller only)."""
        if hasattr(self.config, "workerinput") or not (self.tests or self.restore_failures):
            return

        out = results_dir(self.config)
        data = self.build()
        write_results(out, data)
        self.config._conformance_results = data  # type: ignore[attr-defined]

    def build(self) -> dict[str, Any]:
        """The ``results.json`` document."""

        try:
            profile = profile_of(self.config)
            target = {"name": profile.name, "kind": profile.kind, "mode": profile.mode,
                      "base_url": "embedded" if profile.embedded else _host_only(profile.base_url),
                      "profile": _profile_arg(profile.path)}
        except Exception:  # a broken profile has already been reported
            target = {"name": "?", "kind": "?"}
        target["edition"] = edition_of(self.config)
        gray = self.config.getoption("--emulator-gray")
        faults = self.config.getoption("--emulator-fault")
        choices = self.config.getoption("--emulator-choice")
        if gray:
            target["emulator_gray"] = gray
        if choices:
            target["emulator_choices"] = list(choices)
        observations = self.config.getoption("--emulator-observations")
        if observations:
            target["emulator_observations"] = observations
        if faults:
            target["emulator_faults"] = faults
        tests = sorted(self.tests.values(), key=lambda t: t["nodeid"])
        rules = rule_verdicts(tests, target["edition"])
        return {
            "schema_version": SCHEMA_VERSION,
            "started": _iso(self.started),
            "finished": _iso(time.time()),
            "duration_s": round(time.time() - self.started, 3),
            "target": target,
            "totals": _totals(tests),
            "requests": sum(t["requests"] for t in tests),
            "rules": rules,
            "not_evaluated": not_evaluated(rules),
            "tests": tests,
            "observations": self.observations,
            "restore_failures": self.restore_failures,
        }


def rule_verdicts(tests: list[dict[str, Any]], edition: str) -> dict[str, dict[str, Any]]:
    """Per rule: the verdict over its tests, the tests, and the first counterexample."""
    by_rule: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in tests:
        for r in t["rules"]:
            by_rule[r].append(t)
    out: dict[str, dict[str, Any]] = {}
    for rid, rule in RULES.items():
        ts = by_rule.get(rid, [])
        outcomes = {t["outcome"] for t in ts}
        if outcomes & {"failed", "error"}:
            verdict = "fail"
        elif "broken" in outcomes:
            verdict = "broken"
        elif "passed" in outcomes:
            verdict = "pass"
        elif ts:
            verdict = "skipped"
        else:
            verdict = "not-run"
        failing = [t for t in ts if t["outcome"] in {"failed", "error", "broken"}]
        if verdict == "fail":  # the rule's own failure, not a test of it that was not evaluated
            failing = [t for t in failing if t["outcome"] != "broken"]
        out[rid] = {
            "verdict": verdict,
            "statement": rule.statement,
            "severity": rule.severity,
            "source": rule.source,
            "applies": edition in rule.editions,
            "tests": [t["nodeid"] for t in ts],
            "counterexample": failing[0]["message"] if failing else None,
            "reproduce": failing[0].get("curl") if failing else None,
            "replay": failing[0].get("replay") if failing else None,
            "skip_reasons": sorted({t["message"] for t in ts if t["outcome"] == "skipped" and t["message"]}),
        }
        if verdict == "broken":
            out[rid]["cause"] = next(t.get("cause") for t in failing) or "not evaluated"
    return out


def not_evaluated(rules: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules not evaluated (BROKEN), grouped under their cause, the largest group first.

    One defect that stops the suite's set-up shows as one line ("12 rules not evaluated: set-up:
    DELETE of a mobile left it in place"), not as a failure of every rule.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    examples: dict[str, str | None] = {}
    for rid, r in rules.items():
        if r["verdict"] == "broken":
            cause = r.get("cause") or "not evaluated"
            groups[cause].append(rid)
            examples.setdefault(cause, r.get("counterexample"))
    return [{"cause": cause, "rules": rids, "example": examples[cause]}
            for cause, rids in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def _first_line(text: str | None) -> str:
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    return lines[0].removeprefix("not evaluated: ")[:200] if lines else "not evaluated"


def counterexample(text: str, limit: int = 40) -> str:
    """The informative part of a failure: Hypothesis's falsifying example and the assertion message."""
    lines = text.splitlines()
    keep = [ln for ln in lines if ln.startswith(("E ", "Falsifying", "state.", "    ", "Draw"))
            and not ln.startswith("    def ")]
    fals = [i for i, ln in enumerate(lines) if ln.startswith(("Falsifying", "state = "))]
    picked = lines[fals[0]:fals[0] + 15] if fals else []
    errors = [ln[2:].strip() for ln in lines if ln.startswith("E ")]
    parts = ([*picked, *errors[:20]]) if (picked or errors) else keep[-limit:]
    return "\n".join(parts[:limit]).strip() or (lines[-1] if lines else "")


def _totals(tests: list[dict[str, Any]]) -> dict[str, int]:
    totals = {"tests": len(tests), "passed": 0, "failed": 0, "error": 0, "skipped": 0, "broken": 0}
    for t in tests:
        totals[t["outcome"]] = totals.get(t["outcome"], 0) + 1
    return totals


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return re.sub(r"^Skipped: ", "", str(report.longrepr[2]))
    return str(report.longrepr or "")


def _profile_arg(path: Any) -> str:
    """The profile as a reproduce command names it: relative to the working directory when inside it."""
    from pathlib import Path

    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except (TypeError, ValueError):
        return str(path)


def _host_only(url: str) -> str:
    m = re.match(r"^(https?://[^/]+)", url)
    return m.group(1) if m else url


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")
