"""Render a run's ``results.json`` document as one self-contained ``index.html``.

No network, no JavaScript: inline CSS and SVG, every value HTML-escaped. Sections, most wanted first:
each failing rule (its failing request and answer, what failed, the commands that send it again, the
failing tests only), expected failures, the permission matrix (contexts × operations × addressees,
one coloured cell each), the gray-zone numbers (input, outcome, stored value), a compact grid of
every rule's verdict, the run's facts, skip reasons and the other observations.
"""

from __future__ import annotations

from collections.abc import Collection
from html import escape
from typing import Any

from conformance.results.matrix_svg import permission_matrix
from conformance.results.reproduce import reproduce_script, sent_headers
from conformance.results.summary import not_evaluated_groups

COLUMNS = (("pass", "pass"), ("fail", "fail"), ("expected-fail", "expected fail"), ("broken", "broken"),
           ("skipped", "skipped"), ("not-run", "not run"), ("stale", "STALE"))
_MORE_CSS = """
.grid{display:flex;flex-wrap:wrap;gap:.3rem}.chip{border:1px solid #e3e5ea;border-radius:.3rem;padding:.1rem .4rem;
font-size:12px}.chip a{color:inherit;text-decoration:none}.chip.unproven{outline:2px dashed #d08a2c}
.stale{background:#ffe9c7;color:#8a4b00;font-weight:600}section.failure{border-left:4px solid #d33;padding:.1rem .8rem;
margin:1rem 0;background:#fffafa}pre.exchange{background:#f7f9fc}pre.repro{background:#f4fbf5}
.none{color:#17642f;font-weight:600}svg text{font:11px system-ui,sans-serif}
"""

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
padding:0 1rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid #dde}
h3{font-size:1rem;margin:1.2rem 0 .3rem}code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f5f6f8;border:1px solid #e3e5ea;padding:.6rem .8rem;overflow:auto;white-space:pre-wrap;
word-break:break-word}table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #e3e5ea;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}td.m{text-align:center;width:5.5rem}
.pass{background:#e3f6e8;color:#17642f}.fail{background:#fde4e4;color:#9b1c1c;font-weight:600}
.expected-fail{background:#fff3d6;color:#7a5200}.broken{background:#f3e5f7;color:#6b2380}
.skipped{background:#eef1f5;color:#4a5565}.not-run{color:#8a93a3}.unproven{background:#fff0e0;color:#8a4b00}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;margin-right:.3rem}
.muted{color:#6b7280}.kv td:first-child{width:11rem;font-weight:600}
"""


def render_index(data: dict[str, Any], *, unproven: Collection[str] = (), results_dir: str = "reports/latest") -> str:
    """The whole page for a results document; ``unproven`` are rules no seeded fault breaks.

    Failures come first (each with its request and answer and the commands that send it again), then
    the permission matrix picture, the gray-zone table, and the compact grid of every rule's verdict.
    """
    rules: dict[str, dict[str, Any]] = data.get("rules", {})
    t = data.get("target") or {}
    title = f"Conformance run: {t.get('name', '?')} (edition {t.get('edition', '?')})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}{_MORE_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _counts(rules, unproven),
        _not_evaluated(data),
        _failures(rules, data, results_dir),
        _expected(rules, data.get("expectations")),
        permission_matrix(data.get("observations", [])),
        _gray(data.get("observations", [])),
        _grid(rules, unproven),
        _run_facts(data),
        _skipped(rules),
        _other_observations(data.get("observations", [])),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _not_evaluated(data: dict[str, Any]) -> str:
    """The causes that kept rules from being evaluated, one line each (a set-up defect is one cause, not
    a failure of every rule whose set-up it broke)."""
    groups = not_evaluated_groups(data)
    if not groups:
        return ""
    total = sum(len(g["rules"]) for g in groups)
    items = "".join(
        f'<li><b>{len(g["rules"])} rule{"s" if len(g["rules"]) != 1 else ""} not evaluated: {_e(g["cause"])}</b> '
        f'<span class="muted">({_e(", ".join(g["rules"]))})</span></li>' for g in groups)
    return (f'<h2 id="not-evaluated">{total} rule{"s" if total != 1 else ""} not evaluated '
            f'({len(groups)} cause{"s" if len(groups) != 1 else ""})</h2><ul class="causes">{items}</ul>')


def _run_facts(data: dict[str, Any]) -> str:
    t = data.get("target") or {}
    tot = data.get("totals") or {}
    rows = [
        ("target", f"{t.get('name', '?')} ({t.get('kind', '?')}, mode {t.get('mode', '?')}, "
                   f"{t.get('base_url', '?')})"),
        ("edition", t.get("edition", "?")),
        ("started / finished", f"{data.get('started', '?')} / {data.get('finished', '?')}"),
        ("duration", f"{float(data.get('duration_s') or 0):.1f} s"),
        ("requests", str(data.get("requests", 0))),
        ("tests", f"{tot.get('tests', 0)}: {tot.get('passed', 0)} passed, "
                  f"{tot.get('failed', 0) + tot.get('error', 0)} failed, {tot.get('skipped', 0)} skipped, "
                  f"{tot.get('broken', 0)} broken"),
    ]
    if t.get("emulator_faults"):
        rows.append(("seeded faults", ", ".join(t["emulator_faults"])))
    if t.get("emulator_gray"):
        rows.append(("emulator gray zone", t["emulator_gray"]))
    if t.get("emulator_choices"):
        rows.append(("emulator choices", ", ".join(t["emulator_choices"])))
    body = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _counts(rules: dict[str, dict[str, Any]], unproven: Collection[str]) -> str:
    counts: dict[str, int] = {}
    for r in rules.values():
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    badges = [f'<span class="badge {key}">{_e(label)}: {counts.get(key, 0)}</span>' for key, label in COLUMNS]
    if unproven:
        badges.append(f'<span class="badge unproven">unproven: {len(set(unproven) & set(rules))}</span>')
    return "<p>" + "".join(badges) + "</p>"


def _grid(rules: dict[str, dict[str, Any]], unproven: Collection[str]) -> str:
    """Every rule as one small coloured chip (its verdict), linked to its failure where it has one."""
    chips = []
    for rid, r in rules.items():
        verdict = "stale" if (r.get("expectation") or {}).get("status") == "stale" else r["verdict"]
        label = dict(COLUMNS).get(verdict, verdict)
        note = "; ".join(r.get("skip_reasons") or []) if verdict == "skipped" else r.get("statement", "")
        mark = " unproven" if rid in unproven else ""
        inner = f"<code>{_e(rid)}</code> <small>{_e(label)}{' · unproven' if mark else ''}</small>"
        if verdict in {"fail", "broken", "stale", "expected-fail"}:
            inner = f'<a href="#{_e(rid)}">{inner}</a>'
        chips.append(f'<span class="chip {_e(verdict)}{mark}" title="{_e(note)}">{inner}</span>')
    return f'<h2 id="rules">All rules</h2><div class="grid">{"".join(chips)}</div>'


def _failures(rules: dict[str, dict[str, Any]], data: dict[str, Any], results_dir: str) -> str:
    failing = {rid: r for rid, r in rules.items() if r["verdict"] in {"fail", "broken"}}
    if not failing:
        return '<h2 id="failures">Failures</h2><p class="none">None: every rule that ran passed.</p>'
    tests = {t["nodeid"]: t for t in data.get("tests", [])}
    out = [f'<h2 id="failures">Failures ({len(failing)})</h2>']
    for rid, r in failing.items():
        exp = r.get("expectation") or {}
        shown = "STALE" if exp.get("status") == "stale" else r["verdict"].upper()
        out.append(f'<section class="failure" id="{_e(rid)}"><h3><span class="badge {_e(r["verdict"])}">'
                   f"{_e(shown)}</span><code>{_e(rid)}</code> <span class=\"muted\">({_e(r.get('severity', ''))})"
                   "</span></h3>")
        out.append(f"<p>{_e(r.get('statement', ''))}<br>"
                   f"<span class=\"muted\">Source: {_e(r.get('source', ''))}</span></p>")
        if exp:
            out.append(f"<p>Expectation: {_e(exp.get('status', ''))} (owner {_e(exp.get('owner', ''))})</p>")
        replay = r.get("replay")
        if replay:
            out.append("<p>The failing request and its answer:</p>" + _exchange(replay))
        out.append(f"<p>What failed:</p><pre>{_e((r.get('counterexample') or '').strip())}</pre>")
        script = reproduce_script(replay, data.get("target") or {}, results_dir=results_dir, rule=rid)
        if script:
            out.append(f'<p>Send it again:</p><pre class="repro">{_e(script)}</pre>')
        elif r.get("reproduce"):
            out.append(f'<p>Send it again:</p><pre class="repro">{_e(r["reproduce"])}</pre>')
        bad = [n for n in r.get("tests", []) if (tests.get(n) or {}).get("outcome") in {"failed", "error", "broken"}]
        if bad:
            out.append('<p class="muted">Failing tests: ' + ", ".join(f"<code>{_e(n)}</code>" for n in bad)
                       + (f" ({len(r['tests']) - len(bad)} other test(s) of this rule passed or skipped)"
                          if len(r["tests"]) > len(bad) else "") + "</p>")
        out.append("</section>")
    return "\n".join(out)


def _exchange(replay: dict[str, Any]) -> str:
    """The recorded request (no token) and the answer it got, as a short transcript."""
    lines = [f"> {replay.get('method')} {replay.get('url') or replay.get('path')}"]
    lines += [f"> {k}: {v}" for k, v in sent_headers(replay).items()]
    if replay.get("authorization") == "token":
        who = f" as {replay['subject']}" if replay.get("subject") else ""
        lines.append(f"> Authorization: Bearer $TOKEN   [{replay.get('context') or 'token'}{who}]")
    elif replay.get("authorization") == "empty":
        lines.append("> Authorization: Bearer")
    if replay.get("body") is not None:
        lines.append(f"> {replay['body']}")
    lines.append(f"< {replay.get('status')}")
    answer = str(replay.get("answer") or "")
    if answer:
        lines.append("< " + (answer if len(answer) <= 1200 else answer[:1200] + " …"))
    return f'<pre class="exchange">{_e(chr(10).join(lines))}</pre>'


def _expected(rules: dict[str, dict[str, Any]], section: dict[str, Any] | None) -> str:
    expected = {rid: r for rid, r in rules.items() if r["verdict"] == "expected-fail"}
    out = []
    if expected:
        rows = []
        for rid, r in expected.items():
            e = r.get("expectation") or {}
            issue = e.get("issue") or ""
            rows.append(f'<tr><td id="{_e(rid)}"><code>{_e(rid)}</code></td>'
                        f"<td>{_e(e.get('reason', ''))}</td>"
                        f"<td>{_e(e.get('owner', ''))}</td><td>{_e(e.get('review_by', ''))}</td>"
                        f"<td>{_e(e.get('code', ''))}</td><td>{_e(issue)}</td></tr>")
        out.append("<h2>Expected failures</h2><table><tr><th>rule</th><th>reason</th><th>owner</th>"
                   "<th>review by</th><th>code</th><th>issue</th></tr>" + "".join(rows) + "</table>")
    if section and section.get("messages"):
        out.append(f"<h2>Expectations ({_e(section.get('file', ''))})</h2><ul>"
                   + "".join(f"<li>{_e(m)}</li>" for m in section["messages"]) + "</ul>")
    return "\n".join(out)


def _skipped(rules: dict[str, dict[str, Any]]) -> str:
    skipped = {rid: r for rid, r in rules.items() if r["verdict"] == "skipped"}
    if not skipped:
        return ""
    rows = "".join(f'<tr><td id="{_e(rid)}"><code>{_e(rid)}</code></td>'
                   f"<td>{_e('; '.join(r.get('skip_reasons') or []) or 'no reason recorded')}</td></tr>"
                   for rid, r in skipped.items())
    return f"<h2>Skipped</h2><table><tr><th>rule</th><th>reason</th></tr>{rows}</table>"


def _gray(observations: list[dict[str, Any]]) -> str:
    """Input, outcome and stored value of each gray-zone number; a rejected input stored nothing."""
    gray = [o for o in observations if o.get("topic") == "gray-zone"]
    if not gray:
        return ""
    rows = []
    for o in gray:
        status = o.get("status")
        accepted = isinstance(status, int) and 200 <= status < 300
        outcome = f"{'accepted' if accepted else 'rejected'} ({status}{' ' + o['code'] if o.get('code') else ''})"
        if accepted:
            stored = f"<code>{_e(o.get('stored'))}</code>"
        else:
            stored = '<span class="muted">nothing: the number held before is unchanged</span>'
        rows.append(f"<tr><td>{_e(o.get('label'))}</td><td><code>{_e(o.get('input'))}</code></td>"
                    f'<td class="{"pass" if accepted else "skipped"}">{_e(outcome)}</td><td>{stored}</td></tr>')
    return ('<h2 id="gray">Gray-zone numbers (recorded, not asserted)</h2><table><tr><th>label</th><th>input</th>'
            f"<th>outcome</th><th>stored value</th></tr>{''.join(rows)}</table>")


def _other_observations(observations: list[dict[str, Any]]) -> str:
    seen: dict[tuple[str, str], int] = {}
    for o in observations:
        if o.get("topic") == "gray-zone":
            continue
        rest = {k: v for k, v in o.items() if k not in {"topic", "test"}}
        key = (str(o.get("topic")), ", ".join(f"{k}={v!r}" for k, v in sorted(rest.items())))
        seen[key] = seen.get(key, 0) + 1
    if not seen:
        return ""
    rows = "".join(f"<tr><td>{_e(topic)}</td><td><code>{_e(text)}</code></td><td>{n}</td></tr>"
                   for (topic, text), n in sorted(seen.items()))
    return ("<h2>Other observations</h2><table><tr><th>topic</th><th>observed</th><th>times</th></tr>"
            f"{rows}</table>")


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)
