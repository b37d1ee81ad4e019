"""Render a run's ``results.json`` document as one self-contained ``index.html``.

No network, no JavaScript: inline CSS, every value HTML-escaped. Sections: the run, a matrix of
rules × verdict (pass, fail, expected fail, broken, skipped, not run, unproven), each failing rule
with its counterexample and reproduction, expected failures, skip reasons, the gray-zone
observations (input → status → stored value) and the other observations.
"""

from __future__ import annotations

from collections.abc import Collection
from html import escape
from typing import Any

COLUMNS = (("pass", "pass"), ("fail", "fail"), ("expected-fail", "expected fail"), ("broken", "broken"),
           ("skipped", "skipped"), ("not-run", "not run"))

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


def render_index(data: dict[str, Any], *, unproven: Collection[str] = ()) -> str:
    """The whole page for a results document; ``unproven`` are rules no seeded fault breaks."""
    rules: dict[str, dict[str, Any]] = data.get("rules", {})
    t = data.get("target") or {}
    title = f"Conformance run: {t.get('name', '?')} (edition {t.get('edition', '?')})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _run_facts(data),
        _counts(rules, unproven),
        _matrix(rules, unproven),
        _failures(rules),
        _expected(rules, data.get("expectations")),
        _skipped(rules),
        _gray(data.get("observations", [])),
        _other_observations(data.get("observations", [])),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


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


def _matrix(rules: dict[str, dict[str, Any]], unproven: Collection[str]) -> str:
    head = "".join(f"<th>{_e(label)}</th>" for _, label in COLUMNS) + "<th>unproven</th>"
    rows = []
    for rid, r in rules.items():
        cells = []
        for key, _label in COLUMNS:
            hit = r["verdict"] == key
            note = "; ".join(r.get("skip_reasons") or []) if key == "skipped" and hit else ""
            mark = "●" if hit else ""
            cells.append(f'<td class="m {key if hit else ""}" title="{_e(note)}">{mark}</td>')
        hit = rid in unproven
        cells.append(f'<td class="m {"unproven" if hit else ""}">{"●" if hit else ""}</td>')
        rows.append(f'<tr><td><a href="#{_e(rid)}"><code>{_e(rid)}</code></a></td>'
                    f"<td>{_e(r.get('severity', ''))}</td>{''.join(cells)}"
                    f"<td>{_e(r.get('statement', ''))}</td></tr>")
    return (f"<h2>Rules × verdict</h2><table><tr><th>rule</th><th>severity</th>{head}<th>statement</th></tr>"
            + "".join(rows) + "</table>")


def _failures(rules: dict[str, dict[str, Any]]) -> str:
    failing = {rid: r for rid, r in rules.items() if r["verdict"] in {"fail", "broken"}}
    if not failing:
        return "<h2>Failures</h2><p>None.</p>"
    out = ["<h2>Failures</h2>"]
    for rid, r in failing.items():
        out.append(f'<h3 id="{_e(rid)}"><span class="badge {_e(r["verdict"])}">{_e(r["verdict"])}</span>'
                   f"<code>{_e(rid)}</code> <span class=\"muted\">({_e(r.get('severity', ''))})</span></h3>")
        out.append(f"<p>{_e(r.get('statement', ''))}<br>"
                   f"<span class=\"muted\">Source: {_e(r.get('source', ''))}</span></p>")
        exp = r.get("expectation")
        if exp:
            out.append(f"<p>Expectation: {_e(exp.get('status', ''))} (owner {_e(exp.get('owner', ''))})</p>")
        out.append(f"<p>Counterexample:</p><pre>{_e((r.get('counterexample') or '').strip())}</pre>")
        if r.get("reproduce"):
            out.append(f"<p>Reproduce:</p><pre>{_e(r['reproduce'])}</pre>")
        if r.get("tests"):
            out.append("<p class=\"muted\">Tests: " + ", ".join(f"<code>{_e(n)}</code>" for n in r["tests"])
                       + "</p>")
    return "\n".join(out)


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
    gray = [o for o in observations if o.get("topic") == "gray-zone"]
    if not gray:
        return ""
    rows = "".join(f"<tr><td>{_e(o.get('label'))}</td><td><code>{_e(repr(o.get('input')))}</code></td>"
                   f"<td>{_e(o.get('status'))}</td><td><code>{_e(repr(o.get('stored')))}</code></td>"
                   f"<td>{_e(o.get('code') or '')}</td></tr>" for o in gray)
    return ("<h2>Gray-zone observations (recorded, not asserted)</h2><table><tr><th>label</th><th>input</th>"
            f"<th>status</th><th>stored value</th><th>error code</th></tr>{rows}</table>")


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
