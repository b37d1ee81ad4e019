"""``python -m conformance diff --target A --against B``: the same probes, two targets, every difference.

Both targets get the same derandomized scenarios (:func:`conformance.probes.questions.diff_scenarios`: fixed
synthetic numbers, the strategies' first example of every label, seed 0) in the same order. Per
request the status, the error code, the body's shape (:func:`conformance.probes.scenarios.body_shape`) and
the user's methods read back afterwards are compared. The differences go to the terminal,
``reports/latest/diff.md`` and ``diff.json``; the exit code is 1 when one is not covered by the
allow-list (``--allow FILE``), 0 otherwise. When a target is an emulator answering from a ledger
(``embedded?observations=FILE``), differences in the scenarios of an answer that emulator says it
cannot mirror are labelled ``not mirrored`` (with the emulator's reason) apart from the real ones,
and do not count against the exit code.

Allow-list (TOML, ``version = 1``)::

    version = 1

    [[allow]]
    scenario = "gray/*"            # fnmatch pattern over scenario ids (diff --list shows them)
    field = "status"               # optional fnmatch over the difference's field path, e.g. "shape.error.*"
    reason = "the tenant normalises gray numbers; our emulator rejects them"
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from conformance.core.errors import EXIT_CONFORMS, EXIT_NONCONFORMANT, ToolError
from conformance.core.tomlfile import read_toml
from conformance.probes.attach import EMBEDDED, opened, parse_spec, unmirrored
from conformance.probes.questions import QUESTIONS, diff_scenarios
from conformance.probes.scenarios import Outcome, Scenario, run_scenarios

ALLOW_VERSION = 1
FIELDS = ("status", "code", "shape", "state", "skipped")


class AllowListError(ToolError):
    """An allow-list that is missing, of another version, or names nothing."""


@dataclass(frozen=True)
class Allowance:
    """One allow-list entry."""

    scenario: str
    field: str
    reason: str

    def covers(self, scenario: str, path: str) -> bool:
        """True when this entry allows a difference at ``path`` in ``scenario``."""
        return fnmatch.fnmatchcase(scenario, self.scenario) and fnmatch.fnmatchcase(path, self.field)


@dataclass
class Difference:
    """One place where the two targets answered differently."""

    scenario: str
    request: str
    field: str
    a: Any
    b: Any
    allowed: str = ""
    not_mirrored: str = ""
    """Set when a target is an emulator started from a ledger that cannot give this scenario's observed
    answer: the emulator's own line saying which answer and why (a known gap, not a real difference)."""


def add_diff_options(p: argparse.ArgumentParser) -> None:
    """Options of ``diff``."""
    p.add_argument("--target", default=EMBEDDED, help="target A: profile TOML or 'embedded[?key=value&...]'")
    p.add_argument("--against", default=None, help="target B (same forms); required unless --list")
    p.add_argument("--allow", help="allow-list TOML of known, accepted differences")
    p.add_argument("--scenario", action="append", default=[], help="only scenarios matching this pattern")
    p.add_argument("--results-dir", default=str(Path("reports") / "latest"))
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")


def run_diff(args: argparse.Namespace) -> int:
    """Replay the scenarios against both targets, report, and return 1 on an unallowed difference."""
    scenarios = diff_scenarios()
    if args.list:
        for s in scenarios:
            print(f"{s.id:<44} {s.describe()}")
        return EXIT_CONFORMS
    if not args.against:
        raise ToolError("diff needs --against (the second target)")
    ids = [s.id for s in scenarios]
    allow = read_allow_list(Path(args.allow), ids) if args.allow else []
    if args.scenario:
        scenarios = [s for s in scenarios if any(fnmatch.fnmatchcase(s.id, p) for p in args.scenario)]
        if not scenarios:
            raise ToolError(f"--scenario {', '.join(args.scenario)} matches no scenario (see diff --list)")
    spec_a, spec_b = parse_spec(args.target), parse_spec(args.against)
    gaps = not_mirrored_scenarios({**unmirrored(spec_a), **unmirrored(spec_b)})
    outcomes, sent = [], []
    for spec in (spec_a, spec_b):
        with opened(spec) as target:
            outcomes.append(run_scenarios(target, scenarios))
            sent.append(target.client.requests_sent)
    diffs = compare(scenarios, outcomes[0], outcomes[1], allow, gaps)
    report = {"schema_version": 2, "a": spec_a.text, "b": spec_b.text, "scenarios": len(scenarios),
              "requests": {"a": sent[0], "b": sent[1]},
              "differences": [asdict(d) for d in diffs]}
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "diff.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "diff.md").write_text(markdown(report), encoding="utf-8")
    print(table(diffs))
    reasons = sorted({d.not_mirrored for d in diffs if d.not_mirrored and not d.allowed})
    if reasons:
        print("\nnot mirrored (the emulator listed these answers at start):")
        print("\n".join(f"  {line}" for line in reasons))
    unallowed = [d for d in diffs if not d.allowed and not d.not_mirrored]
    gap_count = sum(1 for d in diffs if d.not_mirrored and not d.allowed)
    print(f"\n{len(scenarios)} scenarios; requests A {sent[0]}, B {sent[1]}; {len(diffs)} difference(s), "
          f"{gap_count} not mirrored (the emulator said so at start), {len(unallowed)} not allowed; "
          f"reports in {out}/diff.md and diff.json")
    return EXIT_NONCONFORMANT if unallowed else EXIT_CONFORMS


def compare(scenarios: list[Scenario], a: list[Outcome], b: list[Outcome],
            allow: list[Allowance], gaps: dict[str, str] | None = None) -> list[Difference]:
    """Every difference between two runs of the same scenarios, with the allowance that covers it and,
    for a scenario in ``gaps`` (scenario id -> the emulator's line), the unmirrored answer behind it."""
    out: list[Difference] = []
    for sc, oa, ob in zip(scenarios, a, b, strict=True):
        for path, va, vb in deltas(oa.portable_view(), ob.portable_view()):
            reason = next((x.reason for x in allow if x.covers(sc.id, path)), "")
            out.append(Difference(sc.id, sc.describe(), path, va, vb, reason, (gaps or {}).get(sc.id, "")))
    return out


def not_mirrored_scenarios(questions: dict[str, str]) -> dict[str, str]:
    """Scenario id -> the line of the unmirrored question it probes (``questions``: question id -> line)."""
    out: dict[str, str] = {}
    for qid, line in questions.items():
        for scenario in QUESTIONS[qid].scenarios:
            out[scenario] = "; ".join(filter(None, (out.get(scenario), line)))
    return out


_ABSENT = "(absent)"


def deltas(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """The leaves where ``a`` and ``b`` differ, as ``(dotted path, value in a, value in b)``."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append((sub, a.get(key, _ABSENT), b.get(key, _ABSENT)))
            else:
                out += deltas(a[key], b[key], sub)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in deltas(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path, a, b)]


def read_allow_list(path: Path, scenario_ids: list[str]) -> list[Allowance]:
    """Read and validate an allow-list; a one-line :class:`AllowListError` for every problem."""
    raw = read_toml(path, "allow-list", AllowListError)
    where = f"allow-list {path}"
    if raw.get("version") != ALLOW_VERSION:
        raise AllowListError(f"{where}: version {raw.get('version')!r} is not supported "
                             f"(expected version = {ALLOW_VERSION})")
    entries = raw.get("allow", [])
    if not isinstance(entries, list):
        raise AllowListError(f"{where}: allow must be an array of tables ([[allow]])")
    out = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise AllowListError(f"{where}: [[allow]] entry {n} is not a table")
        extra = sorted(set(entry) - {"scenario", "field", "reason"})
        if extra:
            raise AllowListError(f"{where}: [[allow]] entry {n}: unknown key {extra[0]!r}")
        scenario, field, reason = entry.get("scenario"), entry.get("field", "*"), entry.get("reason")
        if not isinstance(scenario, str) or not isinstance(reason, str) or not reason.strip():
            raise AllowListError(f"{where}: [[allow]] entry {n} needs scenario and reason")
        head = field.split(".")[0].split("[")[0] if isinstance(field, str) else ""
        if not any(fnmatch.fnmatchcase(f, head) for f in FIELDS):
            raise AllowListError(f"{where}: [[allow]] entry {n}: unknown field {field!r} "
                                 f"(a path starting with {', '.join(FIELDS)}, or *)")
        if not any(fnmatch.fnmatchcase(s, scenario) for s in scenario_ids):
            raise AllowListError(f"{where}: [[allow]] entry {n}: scenario {scenario!r} matches no scenario "
                                 "(see python -m conformance diff --list)")
        out.append(Allowance(scenario, field, reason))
    return out


def _show(value: Any, width: int = 38) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def table(diffs: list[Difference]) -> str:
    """The differences as a terminal table (``allowed`` marks those the allow-list covers)."""
    if not diffs:
        return "no difference: both targets answered every scenario alike"
    rows = [("scenario", "field", "A", "B", "")]
    rows += [(d.scenario, d.field, _show(d.a), _show(d.b), _mark(d)) for d in diffs]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, [*widths, 0], strict=True)).rstrip() for r in rows)


def _mark(d: Difference) -> str:
    return "allowed" if d.allowed else "not mirrored" if d.not_mirrored else ""


def markdown(report: dict[str, Any]) -> str:
    """``diff.md``: the two targets, the counts and one table row per difference."""
    diffs = report["differences"]
    lines = [f"# diff: `{report['a']}` vs `{report['b']}`", "",
             f"{report['scenarios']} scenarios; requests A {report['requests']['a']}, B {report['requests']['b']}; "
             f"{len(diffs)} difference(s), "
             f"{sum(1 for d in diffs if d['not_mirrored'] and not d['allowed'])} not mirrored, "
             f"{sum(1 for d in diffs if not d['allowed'] and not d['not_mirrored'])} not allowed.", ""]
    if not diffs:
        return "\n".join([*lines, "No difference.", ""])
    lines += ["| scenario | request | field | A | B | allowed | not mirrored |", "|---|---|---|---|---|---|---|"]
    for d in diffs:
        cells = [d["scenario"], d["request"], d["field"], _show(d["a"], 60), _show(d["b"], 60), d["allowed"],
                 d["not_mirrored"]]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"

