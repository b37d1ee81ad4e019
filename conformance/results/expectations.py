"""Known failures per target: ``expectations/<target>.toml`` pins failures to rule ids, strictly.

A file holds ``[[expected]]`` entries, each with ``rule``, ``reason``, ``owner``, ``review_by`` (a
date) and optionally the failure's signature, ``status`` (the HTTP status of the failing answer) and
``code`` (a Graph error code the failure must show), and ``issue`` (a link). Applied to a run's results:

* a failing rule with a matching entry becomes ``expected-fail`` (the run may pass); with a signature
  pinned, *every* failing test of the rule must show a pinned signature: a different failure under
  the same rule is new (``fail``, status ``new-failure``);
* a failing rule without one stays ``fail`` (unexpected failure: the run fails);
* an entry whose rule passed turns the rule into ``fail`` with status ``stale`` (shown as STALE; the
  run fails until the entry is removed);
* an entry whose ``review_by`` is past, or whose owner or reason is a placeholder (``TODO``), warns;
* an entry whose rule was skipped or not run is reported as not checked.

See ``expectations/README.md`` for the format and the burn-down workflow.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from conformance.core.errors import ToolError
from conformance.core.tomlfile import read_toml
from conformance.spec.rules import RULES

ENTRY_KEYS = frozenset({"rule", "reason", "owner", "review_by", "status", "code", "issue"})
PLACEHOLDER = re.compile(r"^\s*(TODO|TBD|FIXME|XXX|\?+)\b", re.IGNORECASE)
TOP_KEYS = frozenset({"target", "expected"})
TEMPLATE_REVIEW_DAYS = 30
_CODE_IN_BODY = re.compile(r'"code"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class Expectation:
    """One known failure of a target."""

    rule: str
    reason: str
    owner: str
    review_by: date
    code: str | None = None
    issue: str | None = None
    status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The entry as it appears in ``results.json``."""
        out: dict[str, Any] = {"reason": self.reason, "owner": self.owner,
                               "review_by": self.review_by.isoformat()}
        if self.status is not None:
            out["status_code"] = self.status
        if self.code:
            out["code"] = self.code
        if self.issue:
            out["issue"] = self.issue
        return out


def load_expectations(path: Path) -> tuple[str | None, list[Expectation]]:
    """Parse and validate an expectations file; return (its target name or None, its entries)."""
    if not path.exists():
        raise ToolError(f"{path}: no such expectations file")
    doc = read_toml(path, "expectations file")
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise ToolError(f"{path}: unknown top-level key(s) {', '.join(unknown)} (allowed: target, expected)")
    target = doc.get("target")
    if target is not None and not isinstance(target, str):
        raise ToolError(f"{path}: target must be a string")
    raw = doc.get("expected", [])
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ToolError(f"{path}: 'expected' must be an array of tables ([[expected]])")
    entries = [_entry(path, i, e) for i, e in enumerate(raw, 1)]
    seen: set[tuple[str, str | None, int | None]] = set()
    for e in entries:
        key = (e.rule, e.code.lower() if e.code else None, e.status)
        if key in seen:
            raise ToolError(f"{path}: duplicate expectation for rule {e.rule!r}"
                            + (f" with code {e.code!r}" if e.code else "")
                            + (f" with status {e.status}" if e.status is not None else ""))
        seen.add(key)
    return target, entries


def apply_expectations(data: dict, path: Path, *, today: date | None = None) -> dict:
    """Apply the expectations at ``path`` to a results document; return the new document.

    Verdicts change as the module docstring says; the document gains an ``expectations`` section
    (see ``docs/results-schema.md``) and each affected rule an ``expectation`` object. Stale and
    code-mismatched entries (errors), overdue entries and a target mismatch (warnings) are printed
    on stderr, one line each.
    """
    today = today or date.today()
    file_target, entries = load_expectations(path)
    out = json.loads(json.dumps(data))  # a deep copy: the caller's document stays as it was
    rules: dict[str, dict[str, Any]] = out["rules"]
    by_rule: dict[str, list[Expectation]] = {}
    for e in entries:
        by_rule.setdefault(e.rule, []).append(e)
    section: dict[str, Any] = {"file": str(path), "target": file_target, "entries": len(entries),
                               "matched": [], "stale": [], "unexpected": [], "code_mismatch": [],
                               "not_checked": [], "overdue": [], "messages": []}
    messages: list[str] = section["messages"]
    run_target = (out.get("target") or {}).get("name")
    if file_target and run_target and file_target != run_target:
        messages.append(f"warning: {path} is for target {file_target!r}, this run is {run_target!r}")
    for rid, r in rules.items():
        pinned = by_rule.get(rid, [])
        verdict = r["verdict"]
        if verdict == "fail":
            _apply_to_failure(out, rid, r, pinned, section)
        elif not pinned:
            continue
        elif verdict == "pass":
            r["verdict"] = "fail"
            r["expectation"] = {**pinned[0].as_dict(), "status": "stale"}
            r["counterexample"] = (f"stale expectation: {rid} is listed as a known failure in {path} "
                                   f"(owner {pinned[0].owner}) but it passed; remove the entry")
            r["reproduce"] = None
            r["replay"] = None
            section["stale"].append(rid)
            messages.append(f"error: stale expectation: `{rid}` passed; remove it from {path}")
        else:  # broken, skipped, not-run: the entry could not be checked
            r["expectation"] = {**pinned[0].as_dict(), "status": "not-checked"}
            section["not_checked"].append(rid)
    for e in entries:
        for key in ("owner", "reason"):
            if PLACEHOLDER.match(getattr(e, key)):
                section.setdefault("placeholders", []).append({"rule": e.rule, "key": key})
                messages.append(f"warning: expectation for `{e.rule}` has a placeholder {key} "
                                f"({getattr(e, key)[:40]!r}): say who answers for it and why")
        if e.review_by < today:
            section["overdue"].append({"rule": e.rule, "owner": e.owner,
                                       "review_by": e.review_by.isoformat()})
            messages.append(f"warning: expectation for `{e.rule}` (owner {e.owner}) was due for review "
                            f"on {e.review_by.isoformat()}")
    for m in messages:
        print(m, file=sys.stderr)
    out["expectations"] = section
    return out


def write_template(data: dict, path: Path, *, today: date | None = None) -> None:
    """Write an expectations file pinning every currently failing rule of ``data``.

    Each entry gets a placeholder reason (with the first line of the counterexample), owner
    ``TODO`` and a review-by date 30 days ahead; a Graph error code seen in the failure is
    suggested as a comment. Applying the written file to the same results passes.
    """
    today = today or date.today()
    target = (data.get("target") or {}).get("name") or "?"
    failing = [(rid, r) for rid, r in data["rules"].items() if r["verdict"] in {"fail", "expected-fail"}]
    lines = [
        f"# Known failures of target {target!r}: written by `python -m conformance run --write-expectations`",
        f"# on {today.isoformat()} from {len(failing)} failing rule(s). Fill in reason and owner, then",
        "# burn the list down: an entry whose rule passes fails the run (stale), so remove it when fixed.",
        "# Format: expectations/README.md",
        "",
        f"target = {_toml_str(target)}",
    ]
    review = today + timedelta(days=TEMPLATE_REVIEW_DAYS)
    for rid, r in failing:
        old = r.get("expectation") or {}
        headline = failure_headline(r.get("counterexample"))[:160]
        reason = old.get("reason") or f"TODO: why this fails ({headline})"
        lines += ["", "[[expected]]", f"rule = {_toml_str(rid)}", f"reason = {_toml_str(reason)}",
                  f"owner = {_toml_str(old.get('owner') or 'TODO')}",
                  f"review_by = {old.get('review_by') or review.isoformat()}"]
        signatures = failure_signatures(data, rid)
        if old.get("status_code") is not None:
            lines.append(f"status = {int(old['status_code'])}")
        elif len(signatures) == 1 and signatures[0][0] is not None:
            lines.append(f"status = {signatures[0][0]}   # the failure's signature: another status is a new failure")
        if old.get("code"):
            lines.append(f"code = {_toml_str(old['code'])}")
        else:
            codes = failure_codes(data, rid)
            if codes:
                lines.append(f"# code = {_toml_str(codes[0])}   # pin the failure to this error code")
        if old.get("issue"):
            lines.append(f"issue = {_toml_str(old['issue'])}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(failing)} expectation(s) to {path}", file=sys.stderr)


def failure_headline(text: str | None) -> str:
    """The assertion line of a counterexample (not the echo of Hypothesis's example)."""
    raw = [ln for ln in (text or "").splitlines() if ln.strip()]
    example = ("Falsifying", "Draw ", "state.", "state =", ")", " ")
    plain = [ln.strip() for ln in raw if not ln.startswith(example)]
    return (plain or [ln.strip() for ln in raw] or ["no counterexample recorded"])[0]


def test_signature(test: dict[str, Any]) -> tuple[int | None, str | None]:
    """A failing test's signature: the status of the answer it failed on and that answer's error code.

    Message-free: two failures with the same status and code are the same failure whatever they say.
    """
    replay = test.get("replay") or {}
    status = replay.get("status") if isinstance(replay.get("status"), int) else None
    found = _CODE_IN_BODY.search(str(replay.get("answer") or ""))
    return status, (found.group(1) if found else None)


def failure_signatures(data: dict, rid: str) -> list[tuple[int | None, str | None]]:
    """The distinct signatures of rule ``rid``'s failing tests, first seen first."""
    out: list[tuple[int | None, str | None]] = []
    for t in data.get("tests", []):
        if rid in t.get("rules", []) and t.get("outcome") in {"failed", "error"}:
            sig = test_signature(t)
            if sig not in out:
                out.append(sig)
    return out


def failure_codes(data: dict, rid: str) -> list[str]:
    """The Graph error codes that appear in the failure messages of rule ``rid`` (first seen first)."""
    texts = [t.get("message") or "" for t in data.get("tests", [])
             if rid in t.get("rules", []) and t.get("outcome") in {"failed", "error", "broken"}]
    texts.append(data["rules"].get(rid, {}).get("counterexample") or "")
    codes: list[str] = []
    for text in texts:
        for code in _CODE_IN_BODY.findall(text):
            if code not in codes:
                codes.append(code)
    return codes


def _apply_to_failure(out: dict, rid: str, r: dict[str, Any], pinned: list[Expectation],
                      section: dict[str, Any]) -> None:
    if not pinned:
        section["unexpected"].append(rid)
        return
    texts = " ".join([r.get("counterexample") or ""] + [t.get("message") or "" for t in out.get("tests", [])
                                                         if rid in t.get("rules", [])])
    match = next((e for e in pinned if e.code is None or _mentions(texts, e.code)), None)
    signed = [e for e in pinned if e.status is not None]
    if match is not None and signed:
        new = [sig for sig in failure_signatures(out, rid)
               if not any(e.status == sig[0] and (e.code is None or (sig[1] or "").lower() == e.code.lower()
                                                  or _mentions(texts, e.code)) for e in signed)]
        if new:
            pinned_sigs = ", ".join(f"{e.status}" + (f" {e.code}" if e.code else "") for e in signed)
            seen = ", ".join(f"{s if s is not None else '?'}" + (f" {c}" if c else "") for s, c in new)
            r["expectation"] = {**signed[0].as_dict(), "status": "new-failure"}
            r["counterexample"] = (f"NEW failure under an expected rule: pinned {pinned_sigs}, this run also "
                                   f"fails with {seen}\n" + (r.get("counterexample") or ""))
            section.setdefault("new_failures", []).append(rid)
            section["unexpected"].append(rid)
            section["messages"].append(f"error: `{rid}` fails in a new way ({seen}; expected {pinned_sigs})")
            return
    if match is None:
        codes = ", ".join(e.code for e in pinned if e.code)
        seen = ", ".join(failure_codes(out, rid)) or "none"
        r["expectation"] = {**pinned[0].as_dict(), "status": "code-mismatch"}
        r["counterexample"] = (f"known failure pinned to code {codes}, but this failure shows "
                               f"code(s) {seen}\n" + (r.get("counterexample") or ""))
        section["code_mismatch"].append(rid)
        section["unexpected"].append(rid)
        section["messages"].append(f"error: `{rid}` fails, but not with the pinned code {codes} "
                                   f"(seen: {seen})")
        return
    r["verdict"] = "expected-fail"
    r["expectation"] = {**match.as_dict(), "status": "matched"}
    section["matched"].append(rid)


def _mentions(text: str, code: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(code)}(?![A-Za-z0-9_])", text, re.IGNORECASE) is not None


def _entry(path: Path, index: int, raw: dict[str, Any]) -> Expectation:
    where = f"{path}: expectation #{index}"
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        allowed = ", ".join(sorted(ENTRY_KEYS))
        raise ToolError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    rule = raw.get("rule")
    if not isinstance(rule, str) or not rule:
        raise ToolError(f"{where}: 'rule' (a rule id) is required")
    if rule not in RULES:
        raise ToolError(f"{where}: unknown rule id {rule!r} (see: python -m conformance rules)")
    for key in ("reason", "owner"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ToolError(f"{where} ({rule}): '{key}' is required")
    for key in ("code", "issue"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            raise ToolError(f"{where} ({rule}): '{key}' must be a non-empty string")
    status = raw.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599):
        raise ToolError(f"{where} ({rule}): 'status' must be an HTTP status code (status = 400)")
    return Expectation(rule=rule, reason=raw["reason"].strip(), owner=raw["owner"].strip(),
                       review_by=_date(where, rule, raw.get("review_by")), code=raw.get("code"),
                       issue=raw.get("issue"), status=status)


def _date(where: str, rule: str, value: Any) -> date:
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ToolError(f"{where} ({rule}): 'review_by' must be a date (review_by = 2026-01-31)")


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string (ASCII, escaped) is a valid TOML basic string
