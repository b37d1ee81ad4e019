"""Render a run's ``results.json`` document as text: the per-rule table and ``summary.md``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from conformance.spec.rules import RULES

SYMBOL = {"pass": "PASS", "fail": "FAIL", "broken": "BROKEN", "expected-fail": "XFAIL",
          "skipped": "SKIP", "not-run": "-", "unproven": "UNPROVEN"}


def rule_table(data: dict[str, Any], *, only_applicable: bool = True) -> str:
    """A fixed-width per-rule table for the terminal."""
    rows = []
    for rid, r in data["rules"].items():
        if only_applicable and not r.get("applies", True) and r["verdict"] in {"skipped", "not-run"}:
            continue
        severity = RULES[rid].severity if rid in RULES else ""
        rows.append(f"  {SYMBOL.get(r['verdict'], r['verdict']):<8} {rid:<36} {severity}")
    return "\n".join(rows)


def verdict_label(rid: str, verdict: str, unproven: Collection[str] = ()) -> str:
    """The verdict as shown in reports; a rule no seeded fault breaks is marked UNPROVEN too."""
    shown = SYMBOL.get(verdict, verdict)
    return f"{shown} · {SYMBOL['unproven']}" if rid in unproven else shown


def not_evaluated_groups(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``not_evaluated`` of a document, or the same grouping rebuilt from its broken rules (older documents)."""
    groups = data.get("not_evaluated")
    if isinstance(groups, list):
        return groups
    by_cause: dict[str, list[str]] = {}
    for rid, r in data.get("rules", {}).items():
        if r.get("verdict") == "broken":
            by_cause.setdefault(r.get("cause") or "not evaluated", []).append(rid)
    return [{"cause": c, "rules": rids} for c, rids in sorted(by_cause.items(), key=lambda kv: -len(kv[1]))]


def not_evaluated_lines(data: dict[str, Any]) -> list[str]:
    """The causes that kept rules from being evaluated, one line each, before anything else."""
    groups = not_evaluated_groups(data)
    if not groups:
        return []
    total = sum(len(g["rules"]) for g in groups)
    lines = [f"## {total} rule{'s' if total != 1 else ''} not evaluated ({len(groups)} "
             f"cause{'s' if len(groups) != 1 else ''})", ""]
    for g in groups:
        n = len(g["rules"])
        shown = ", ".join(f"`{r}`" for r in g["rules"][:8]) + (f" and {n - 8} more" if n > 8 else "")
        lines.append(f"- **{n} rule{'s' if n != 1 else ''} not evaluated: {g['cause']}** ({shown})")
    return [*lines, ""]


def render_summary(data: dict[str, Any], unproven: Collection[str] = ()) -> str:
    """The markdown summary: verdicts, failures with counterexamples, gray-zone observations.

    ``unproven`` names the rules the kill matrix (``faults.json``) found no fault to break.
    """
    t = data["target"]
    tot = data["totals"]
    lines = [
        f"# Conformance run: {t.get('name')} (edition {t.get('edition')})",
        "",
        f"{tot['tests']} tests: {tot['passed']} passed, {tot['failed'] + tot.get('error', 0)} failed, "
        f"{tot['skipped']} skipped, {tot['broken']} broken; {data['requests']} requests in "
        f"{data['duration_s']:.1f} s.",
        "",
    ]
    fails = [rid for rid, r in data["rules"].items() if r["verdict"] == "fail"]
    if fails:
        lines += [f"**{len(fails)} rule{'s' if len(fails) != 1 else ''} failed:** "
                  + ", ".join(f"`{r}`" for r in fails) + " (details under Failures)", ""]
    lines += not_evaluated_lines(data)
    restore = data.get("restore_failures") or []
    if restore:
        lines += ["## RESTORE FAILED", "", "A test user may not be as the run found them (exit 5). The verdicts "
                  "below stand; put the users back now:", ""]
        lines += [f"- {problem}" for problem in restore] + [""]
    lines += [
        "| verdict | rule | severity | statement |",
        "|---|---|---|---|",
    ]
    for rid, r in data["rules"].items():
        shown = verdict_label(rid, r["verdict"], unproven)
        lines.append(f"| {shown} | `{rid}` | {r['severity']} | {r['statement']} |")
    failing = {rid: r for rid, r in data["rules"].items() if r["verdict"] == "fail"}
    if failing:
        lines += ["", "## Failures", ""]
        for rid, r in failing.items():
            lines += [f"### `{rid}` ({r['verdict']})", "", f"Rule: {r['statement']}", "", f"Source: {r['source']}",
                      "", "```", (r.get("counterexample") or "").strip(), "```"]
            if r.get("reproduce"):
                lines += ["", "Reproduce:", "", "```", r["reproduce"], "```"]
            lines.append("")
    groups = not_evaluated_groups(data)
    if groups:
        lines += ["", "## Not evaluated", ""]
        for g in groups:
            lines += [f"### {g['cause']}", "", "Rules: " + ", ".join(f"`{r}`" for r in g["rules"]), ""]
            if g.get("example"):
                lines += ["```", str(g["example"]).strip(), "```", ""]
    expected = {rid: r for rid, r in data["rules"].items() if r["verdict"] == "expected-fail"}
    if expected:
        lines += ["", "## Expected failures", ""]
        for rid, r in expected.items():
            e = r.get("expectation") or {}
            lines.append(f"- `{rid}`: {e.get('reason', '')} (owner {e.get('owner', '?')}, "
                         f"review by {e.get('review_by', '?')})")
    notes = (data.get("expectations") or {}).get("messages") or []
    if notes:
        lines += ["", "## Expectations", ""] + [f"- {m}" for m in notes]
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
