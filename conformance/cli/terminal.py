"""What ``python -m conformance run`` prints when the run is over: one line per rule, the failures, the totals.

A smoke run lists only the rules it checked and says ``smoke: N checks; M rules not in smoke``. A
failure shows its counterexample and the commands that send its request again. A run whose every
failure was expected never says "N failed".
"""

from __future__ import annotations

import shlex
from typing import Any

from conformance.results.reproduce import request_curl
from conformance.spec.rules import RULES

SMOKE_SKIP = "mode = smoke: not part of the smoke plan"
SYMBOL = {"pass": "PASS", "fail": "FAIL", "broken": "BROKEN", "expected-fail": "XFAIL",
          "skipped": "SKIP", "not-run": "-", "stale": "STALE"}
COUNTEREXAMPLE_LINES = 14


def smoke_only(data: dict[str, Any]) -> set[str]:
    """Rules every test of which was skipped because it is not in the smoke plan."""
    out = set()
    for rid, r in data["rules"].items():
        reasons = r.get("skip_reasons") or []
        if r["verdict"] == "skipped" and reasons and all(SMOKE_SKIP in x for x in reasons):
            out.add(rid)
    return out


def rule_lines(data: dict[str, Any]) -> list[str]:
    """One line per rule that applies and ran (smoke-only skips left out)."""
    hidden = smoke_only(data)
    rows = []
    for rid, r in data["rules"].items():
        if rid in hidden or r["verdict"] == "not-run" or (not r.get("applies", True) and r["verdict"] == "skipped"):
            continue
        verdict = "stale" if (r.get("expectation") or {}).get("status") == "stale" else r["verdict"]
        severity = RULES[rid].severity if rid in RULES else ""
        rows.append(f"  {SYMBOL.get(verdict, verdict):<8} {rid:<36} {severity}")
    return rows


def failure_blocks(data: dict[str, Any], results_dir: str) -> list[str]:
    """For each failing rule: its counterexample (trimmed), the replay command and the failing request.

    The whole reproduce script (target, set-up, token) is in ``summary.md`` and ``index.html``.
    """
    lines: list[str] = []
    for rid, r in data["rules"].items():
        if r["verdict"] not in {"fail", "broken"}:
            continue
        lines += ["", f"{SYMBOL[r['verdict']]} {rid}: {r['statement']}"]
        example = (r.get("counterexample") or "").strip().splitlines()
        lines += [f"  {ln}" for ln in example[:COUNTEREXAMPLE_LINES]]
        if len(example) > COUNTEREXAMPLE_LINES:
            lines.append(f"  ... ({len(example) - COUNTEREXAMPLE_LINES} more lines in {results_dir}/summary.md)")
        failing = [t["nodeid"] for t in data.get("tests", [])
                   if rid in t.get("rules", []) and t.get("outcome") in {"failed", "error", "broken"}]
        if failing:
            lines.append(f"  tests:     {failing[0]}" + (f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""))
        if r.get("replay"):
            lines.append(f"  replay:    {shlex.join(['python', '-m', 'conformance', 'replay', results_dir, rid])}")
            lines.append(f"  request:   {request_curl(r['replay'])}")
        elif r.get("reproduce"):
            lines.append(f"  request:   {r['reproduce']}")
    return lines


def totals_line(data: dict[str, Any], results_dir: str) -> str:
    """The last line: counts, requests and where the reports are (no "N failed" when all were expected)."""
    t = data["totals"]
    failed = t.get("failed", 0) + t.get("error", 0)
    verdicts = [r["verdict"] for r in data["rules"].values()]
    parts = [f"{t.get('passed', 0)} passed"]
    if failed and "fail" not in verdicts and "expected-fail" in verdicts:
        parts.append(f"{failed} expected failure{'s' if failed != 1 else ''} "
                     f"({verdicts.count('expected-fail')} rule(s) in the expectations)")
    elif failed:
        parts.append(f"{failed} failed ({verdicts.count('fail')} rule(s))")
    hidden = smoke_only(data)
    skipped = t.get("skipped", 0)
    if hidden:
        smoke_skips = sum(1 for x in data.get("tests", []) if x["outcome"] == "skipped"
                          and SMOKE_SKIP in (x.get("message") or ""))
        skipped = max(0, skipped - smoke_skips)
    if skipped:
        parts.append(f"{skipped} skipped")
    if t.get("broken"):
        parts.append(f"{t['broken']} broken")
    return f"{', '.join(parts)}; {data['requests']} requests; reports in {results_dir}/"


def smoke_line(data: dict[str, Any]) -> str | None:
    """``smoke: N checks; M rules not in smoke`` for a smoke run, else ``None``."""
    hidden = smoke_only(data)
    if not hidden and (data.get("target") or {}).get("mode") != "smoke":
        return None
    checks = sum(1 for x in data.get("tests", []) if x["outcome"] != "skipped")
    return f"smoke: {checks} checks; {len(hidden)} rules not in smoke"


def final_report(data: dict[str, Any], results_dir: str) -> str:
    """Everything ``run`` prints after the tests."""
    lines = rule_lines(data)
    smoke = smoke_line(data)
    if smoke:
        lines += ["", smoke]
    not_run = sum(1 for r in data["rules"].values() if r["verdict"] == "not-run" and r.get("applies", True))
    if not_run:
        lines += ["", f"{not_run} rule(s) not run (not selected)"]
    lines += failure_blocks(data, results_dir)
    lines += ["", totals_line(data, results_dir)]
    return "\n".join(lines)
