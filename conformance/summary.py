"""Render a run's ``results.json`` document as text: the per-rule table and ``summary.md``."""

from __future__ import annotations

from typing import Any

from conformance.rules import RULES

SYMBOL = {"pass": "PASS", "fail": "FAIL", "broken": "BROKEN", "expected-fail": "XFAIL",
          "skipped": "SKIP", "not-run": "-", "unproven": "UNPROVEN"}


def rule_table(data: dict[str, Any], *, only_applicable: bool = True) -> str:
    """A fixed-width per-rule table for the terminal."""
    rows = []
    for rid, r in data["rules"].items():
        if only_applicable and not r.get("applies", True) and r["verdict"] in {"skipped", "not-run"}:
            continue
        rows.append(f"  {SYMBOL.get(r['verdict'], r['verdict']):<8} {rid:<36} {RULES[rid].severity if rid in RULES else ''}")
    return "\n".join(rows)


def render_summary(data: dict[str, Any]) -> str:
    """The markdown summary: verdicts, failures with counterexamples, gray-zone observations."""
    t = data["target"]
    tot = data["totals"]
    lines = [
        f"# Conformance run: {t.get('name')} (edition {t.get('edition')})",
        "",
        f"{tot['tests']} tests: {tot['passed']} passed, {tot['failed'] + tot.get('error', 0)} failed, "
        f"{tot['skipped']} skipped, {tot['broken']} broken; {data['requests']} requests in "
        f"{data['duration_s']:.1f} s.",
        "",
        "| verdict | rule | severity | statement |",
        "|---|---|---|---|",
    ]
    for rid, r in data["rules"].items():
        lines.append(f"| {SYMBOL.get(r['verdict'], r['verdict'])} | `{rid}` | {r['severity']} | {r['statement']} |")
    failing = {rid: r for rid, r in data["rules"].items() if r["verdict"] in {"fail", "broken"}}
    if failing:
        lines += ["", "## Failures", ""]
        for rid, r in failing.items():
            lines += [f"### `{rid}` ({r['verdict']})", "", f"Source: {r['source']}", "", "```",
                      (r.get("counterexample") or "").strip(), "```"]
            if r.get("reproduce"):
                lines += ["", "Reproduce:", "", "```", r["reproduce"], "```"]
            lines.append("")
    skipped = {rid: r for rid, r in data["rules"].items() if r["verdict"] == "skipped" and r["skip_reasons"]}
    if skipped:
        lines += ["", "## Skipped", ""]
        lines += [f"- `{rid}`: {'; '.join(r['skip_reasons'])}" for rid, r in skipped.items()]
    gray = [o for o in data.get("observations", []) if o.get("topic") == "gray-zone"]
    if gray:
        lines += ["", "## Gray-zone observations (recorded, not asserted)", "",
                  "| label | input | status | stored |", "|---|---|---|---|"]
        for o in gray:
            lines.append(f"| {o.get('label')} | `{o.get('input')!r}` | {o.get('status')} | `{o.get('stored')!r}` |")
    other = [o for o in data.get("observations", []) if o.get("topic") != "gray-zone"]
    if other:
        lines += ["", "## Other observations", ""]
        seen = set()
        for o in other:
            key = (o.get("topic"), str(o.get("status")), str(o.get("code")))
            if key in seen:
                continue
            seen.add(key)
            rest = {k: v for k, v in o.items() if k not in {"topic", "test"}}
            lines.append(f"- {o.get('topic')}: {rest}")
    return "\n".join(lines) + "\n"
