"""``python -m conformance compare BASELINE NEW``: what changed between two runs' ``results.json``.

Lists regressions (a rule that passed now fails, or is now an expected failure), new failures (a rule
that was skipped, not run or absent now fails), fixes, other verdict changes, rules the new run did
not run (summarised: a partial ``--rule`` run), rules added to or removed from the catalog, and
gray-zone observations whose outcome changed for the same input. Text for a terminal, markdown for a pull request
comment. Exit 1 when there is a regression or a new failure, else 0. Timing fields (``started``,
``finished``, ``duration_s``) are ignored, so a committed baseline may omit them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.core.errors import EXIT_CONFORMS, EXIT_NONCONFORMANT, ToolError
from conformance.results.document import SCHEMA_VERSION, load_results

FAILING = frozenset({"fail", "expected-fail"})
VOLATILE_FIELDS = ("started", "finished", "duration_s")
VOLATILE_TEST_FIELDS = ("duration_s", "failed_at_s")
MAX_GRAY_ROWS = 30


@dataclass(frozen=True)
class Change:
    """One rule whose verdict differs between the runs."""

    rule: str
    before: str
    after: str
    severity: str = ""
    detail: str = ""
    reproduce: str = ""


@dataclass(frozen=True)
class GrayChange:
    """One gray-zone input whose recorded outcome differs between the runs."""

    label: str
    input: str
    before: str
    after: str


@dataclass
class Diff:
    """Everything ``compare`` reports."""

    baseline: str
    new: str
    regressions: list[Change] = field(default_factory=list)
    new_failures: list[Change] = field(default_factory=list)
    fixes: list[Change] = field(default_factory=list)
    other: list[Change] = field(default_factory=list)
    added_rules: list[str] = field(default_factory=list)
    removed_rules: list[str] = field(default_factory=list)
    gray_changed: list[GrayChange] = field(default_factory=list)
    gray_only_baseline: int = 0
    gray_only_new: int = 0
    requests: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)
    not_run: list[Change] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the new run is worse: a regression or a new failure."""
        return bool(self.regressions or self.new_failures)


def compare_files(baseline: str, new: str, *, markdown: bool) -> int:
    """Compare two ``results.json`` files, print the report (text or markdown); exit 1 on a regression."""

    base_doc, new_doc = load_results(Path(baseline)), load_results(Path(new))
    diff = diff_results(base_doc, new_doc)
    print(render_markdown(diff) if markdown else render_text(diff), end="")
    return EXIT_NONCONFORMANT if diff.failed else EXIT_CONFORMS


def diff_results(baseline: dict[str, Any], new: dict[str, Any]) -> Diff:
    """The differences between two results documents (baseline first)."""
    for name, doc in (("baseline", baseline), ("new", new)):
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), dict):
            raise ToolError(f"the {name} document is not a results.json (no 'rules' object)")
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise ToolError(f"the {name} document has schema_version {doc.get('schema_version')!r}, "
                            f"this tool reads {SCHEMA_VERSION}")
    diff = Diff(baseline=_target_name(baseline) + _when(baseline), new=_target_name(new) + _when(new),
                requests=(int(baseline.get("requests") or 0), int(new.get("requests") or 0)))
    if (baseline.get("target") or {}).get("edition") != (new.get("target") or {}).get("edition"):
        diff.notes.append("the runs are of different editions")
    b_rules, n_rules = baseline["rules"], new["rules"]
    diff.added_rules = [r for r in n_rules if r not in b_rules]
    diff.removed_rules = [r for r in b_rules if r not in n_rules]
    for rid, r in n_rules.items():
        before = b_rules.get(rid, {}).get("verdict", "absent")
        after = r.get("verdict", "?")
        if before == after:
            continue
        if (r.get("expectation") or {}).get("status") == "stale":
            # the rule passes now; its expectation is what fails: a fix whose entry must go
            after = "STALE expectation (the rule passes: remove the entry)"
        change = Change(rule=rid, before=before, after=after, severity=r.get("severity", ""),
                        detail=(r.get("counterexample") or "").strip(), reproduce=r.get("reproduce") or "")
        if after.startswith("STALE"):
            (diff.fixes if before in FAILING else diff.other).append(change)
            continue
        if after in FAILING and before == "pass":
            diff.regressions.append(change)
        elif after == "fail" and before not in FAILING:
            diff.new_failures.append(change)
        elif after == "pass" and before in FAILING:
            diff.fixes.append(change)
        elif after == "not-run":
            diff.not_run.append(change)
        else:
            diff.other.append(change)
    _diff_gray(diff, baseline, new)
    return diff


def render_text(diff: Diff) -> str:
    """The diff as plain text for a terminal."""
    lines = [f"compare: baseline {diff.baseline} -> new {diff.new}: {_headline(diff)}"]
    lines += [f"note: {n}" for n in diff.notes]
    for title, changes in _sections(diff):
        if not changes:
            continue
        lines += ["", f"{title}:"]
        for c in changes:
            sev = f"  [{c.severity}]" if c.severity else ""
            lines.append(f"  {c.rule:<36} {c.before} -> {c.after}{sev}")
            if c.after in FAILING and c.detail:
                lines += ["      " + ln for ln in c.detail.splitlines()[:6]]
            if c.after in FAILING and c.reproduce:
                lines.append("      reproduce: " + c.reproduce)
    if diff.not_run:
        lines += ["", f"not run in the new run ({len(diff.not_run)}): " + ", ".join(c.rule for c in diff.not_run)]
    if diff.added_rules:
        lines += ["", "new rules: " + ", ".join(diff.added_rules)]
    if diff.removed_rules:
        lines += ["", "removed rules: " + ", ".join(diff.removed_rules)]
    if diff.gray_changed or diff.gray_only_baseline or diff.gray_only_new:
        lines += ["", f"gray-zone observations: {len(diff.gray_changed)} changed, {diff.gray_only_baseline} "
                      f"only in baseline, {diff.gray_only_new} only in new"]
        for g in diff.gray_changed[:MAX_GRAY_ROWS]:
            lines.append(f"  {g.label:<24} {g.input!s:<28} {g.before} -> {g.after}")
    lines.append(f"\nrequests: {diff.requests[0]} -> {diff.requests[1]}")
    return "\n".join(lines) + "\n"


def render_markdown(diff: Diff) -> str:
    """The diff as markdown for a pull request comment."""
    verdict = "❌" if diff.failed else "✅"
    lines = [f"### {verdict} Conformance: {_headline(diff)}", "",
             f"Baseline `{diff.baseline}` → new `{diff.new}`; "
             f"requests {diff.requests[0]} → {diff.requests[1]}."]
    lines += [f"> note: {n}" for n in diff.notes]
    for title, changes in _sections(diff):
        if not changes:
            continue
        lines += ["", f"#### {title}", "", "| rule | severity | before | after |", "|---|---|---|---|"]
        lines += [f"| `{c.rule}` | {c.severity} | {c.before} | **{c.after}** |" for c in changes]
        for c in changes:
            if c.after in FAILING and (c.detail or c.reproduce):
                lines += ["", f"<details><summary><code>{c.rule}</code>: counterexample</summary>", "",
                          "```", _md_block(c.detail), "```"]
                if c.reproduce:
                    lines += ["", "Reproduce:", "", "```sh", _md_block(c.reproduce), "```"]
                lines += ["", "</details>"]
    if diff.not_run:
        lines += ["", f"<details><summary>{len(diff.not_run)} rule(s) not run in the new run</summary>", "",
                  ", ".join(f"`{c.rule}`" for c in diff.not_run), "", "</details>"]
    if diff.added_rules or diff.removed_rules:
        lines += ["", "#### Rule catalog", ""]
        if diff.added_rules:
            lines.append("- new: " + ", ".join(f"`{r}`" for r in diff.added_rules))
        if diff.removed_rules:
            lines.append("- removed: " + ", ".join(f"`{r}`" for r in diff.removed_rules))
    if diff.gray_changed or diff.gray_only_baseline or diff.gray_only_new:
        lines += ["", "#### Gray-zone observations (recorded, not asserted)", "",
                  f"{len(diff.gray_changed)} changed, {diff.gray_only_baseline} only in baseline, "
                  f"{diff.gray_only_new} only in new."]
        if diff.gray_changed:
            lines += ["", "| label | input | before (status → stored) | after |", "|---|---|---|---|"]
            lines += [f"| {_cell(g.label)} | `{_cell(g.input)}` | {_cell(g.before)} | {_cell(g.after)} |"
                      for g in diff.gray_changed[:MAX_GRAY_ROWS]]
    return "\n".join(lines) + "\n"


def strip_volatile(data: dict[str, Any]) -> dict[str, Any]:
    """A results document without the fields that change on every run (for committed baselines)."""
    out = {k: v for k, v in data.items() if k not in VOLATILE_FIELDS}
    out["tests"] = [{k: v for k, v in t.items() if k not in VOLATILE_TEST_FIELDS} for t in data.get("tests", [])]
    return out


def _sections(diff: Diff) -> list[tuple[str, list[Change]]]:
    return [("Regressions (pass → fail)", diff.regressions),
            ("New failures (was not passing or not run)", diff.new_failures),
            ("Fixes (fail → pass)", diff.fixes),
            ("Other verdict changes", diff.other)]


def _headline(diff: Diff) -> str:
    parts = [f"{len(diff.regressions)} regression(s)", f"{len(diff.new_failures)} new failure(s)",
             f"{len(diff.fixes)} fix(es)", f"{len(diff.other)} other change(s)"]
    if diff.not_run:
        parts.append(f"{len(diff.not_run)} not run")
    return ", ".join(parts)


def _diff_gray(diff: Diff, baseline: dict[str, Any], new: dict[str, Any]) -> None:
    b, n = _gray(baseline), _gray(new)
    diff.gray_only_baseline = len(set(b) - set(n))
    diff.gray_only_new = len(set(n) - set(b))
    for key in sorted(set(b) & set(n)):
        if b[key] != n[key]:
            diff.gray_changed.append(GrayChange(label=key[0], input=key[1], before=" / ".join(b[key]),
                                                after=" / ".join(n[key])))


def _gray(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, ...]]:
    out: dict[tuple[str, str], set[str]] = {}
    for o in doc.get("observations", []):
        if o.get("topic") != "gray-zone":
            continue
        key = (str(o.get("label")), repr(o.get("input")))
        status = o.get("status")
        accepted = isinstance(status, int) and 200 <= status < 300
        # a rejected input leaves the number set up before it, which is random: only status matters
        outcome = f"{status} → {o.get('stored')!r}" if accepted else f"{status} → unchanged"
        out.setdefault(key, set()).add(outcome)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _when(doc: dict[str, Any]) -> str:
    return f" run {doc['finished']}" if doc.get("finished") else ""


def _target_name(doc: dict[str, Any]) -> str:
    t = doc.get("target") or {}
    extra = []
    if t.get("edition"):
        extra.append(f"edition {t['edition']}")
    if t.get("emulator_faults"):
        extra.append("faults " + ",".join(t["emulator_faults"]))
    if t.get("emulator_gray"):
        extra.append(f"gray {t['emulator_gray']}")
    if t.get("emulator_choices"):
        extra.append("choices " + ",".join(t["emulator_choices"]))
    return f"{t.get('name', '?')}" + (f" ({'; '.join(extra)})" if extra else "")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")


def _md_block(text: str) -> str:
    return text.replace("```", "` ` `")
