"""``python -m conformance report``: the project's own summary, and the Allure 3 report with ``--html``.

Always (re)writes ``summary.md`` and a self-contained ``index.html`` from ``results.json`` (plus
``faults.json`` from the kill matrix, when present, for the unproven rules). With ``--html`` it also
runs Allure 3 (``npx --yes allure@3 generate``) on ``allure-results`` into a single-file report,
keeping history in ``history.jsonl`` beside the results directory (``reports/history.jsonl``) so
that trends and new / fixed / regressed tests show up. Without Node, or when Allure fails, it says
so in one line and still exits 0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conformance.core.errors import EXIT_CONFORMS, ToolError
from conformance.core.privacy import redact_document, redact_tree
from conformance.results.document import load_results
from conformance.results.html import render_index
from conformance.results.summary import render_summary

ALLURE_PACKAGE = "allure@3"
ALLURE_TIMEOUT_S = 600
ALLURE_CATEGORIES = [
    {"name": "Regressed (passed in the previous run)", "matchers": {"transitions": ["regressed"]},
     "groupBy": ["severity"], "expand": True},
    {"name": "Environment broke the test (throttling, budget, no answer)",
     "matchers": {"statuses": ["broken"]}},
    {"name": "Conformance failures", "matchers": {"statuses": ["failed"]}, "groupBy": [{"label": "story"}]},
    {"name": "Fixed since the previous run", "matchers": {"transitions": ["fixed"]}},
]


def build_report(results_dir: Path, *, html: bool) -> int:
    """Write ``index.html`` and ``summary.md`` for ``results_dir``; with ``html``, the Allure report too."""
    results_file = results_dir / "results.json"
    if not results_file.exists():
        raise ToolError(f"{results_file}: no such file (run `python -m conformance run` first)")

    data = load_results(results_file)
    write_own_summary(results_dir, data)
    print(f"report: wrote {results_dir / 'index.html'} and {results_dir / 'summary.md'}")
    if html:
        print(run_allure(results_dir, tenant=(data.get("target") or {}).get("kind") == "tenant"))
    return EXIT_CONFORMS


def write_own_summary(results_dir: Path, data: dict[str, Any]) -> None:
    """Write ``summary.md`` and ``index.html`` for a results document into ``results_dir``."""

    unproven = load_unproven(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "summary.md").write_text(render_summary(data, unproven), encoding="utf-8")
    (results_dir / "index.html").write_text(render_index(data, unproven=unproven, results_dir=str(results_dir)),
                                             encoding="utf-8")


def load_unproven(results_dir: Path) -> frozenset[str]:
    """The rules the kill matrix's ``faults.json`` (if any) found no fault to break."""
    path = results_dir / "faults.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    rules = doc.get("unproven_rules") if isinstance(doc, dict) else None
    return frozenset(r for r in rules if isinstance(r, str)) if isinstance(rules, list) else frozenset()


def run_allure(results_dir: Path, *, tenant: bool = False) -> str:
    """Generate the Allure 3 single-file report; return the one line that says what happened."""
    own = f"the project's own summary is {results_dir / 'index.html'}"
    allure_results = results_dir / "allure-results"
    if not allure_results.is_dir() or not any(allure_results.glob("*-result.json")):
        return f"allure: no test results in {allure_results}; skipped the Allure report ({own})"
    npx = shutil.which("npx")
    if npx is None or shutil.which("node") is None:
        return f"allure: Node.js (node/npx) not found; skipped the Allure report ({own})"

    redact_tree(allure_results, numbers=tenant)
    config = write_allure_config(results_dir)
    output = results_dir.resolve() / "allure-report"
    cmd = [npx, "--yes", ALLURE_PACKAGE, "generate", str(allure_results.resolve()), "--config", str(config),
           "--output", str(output)]
    try:
        proc = subprocess.run(cmd, cwd=results_dir, capture_output=True, text=True, timeout=ALLURE_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"allure: `npx allure@3 generate` did not complete ({type(exc).__name__}); {own}"
    if proc.returncode != 0 or not (output / "index.html").exists():
        last = ((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1][:200]
        return f"allure: `npx allure@3 generate` failed (exit {proc.returncode}: {last}); {own}"
    return f"allure: wrote {output / 'index.html'} (history in {history_path(results_dir)})"


def history_path(results_dir: Path) -> Path:
    """Where Allure keeps the run history: ``history.jsonl`` beside the results directory."""
    return results_dir.resolve().parent / "history.jsonl"


def write_allure_config(results_dir: Path) -> Path:
    """Write ``allurerc.mjs`` (single file, history, regression categories) into ``results_dir``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "name": "Graph phoneMethods conformance",
        "output": str(results_dir.resolve() / "allure-report"),
        "historyPath": str(history_path(results_dir)),
        "categories": ALLURE_CATEGORIES,
        "plugins": {"awesome": {"options": {"singleFile": True, "reportLanguage": "en",
                                            "reportName": "Graph phoneMethods conformance",
                                            "groupBy": ["epic", "feature", "story"]}}},
    }
    path = results_dir.resolve() / "allurerc.mjs"
    path.write_text("// written by `python -m conformance report --html`; plain object, no imports\n"
                    f"export default {json.dumps(config, indent=2)};\n", encoding="utf-8")
    return path


def write_results(out: Path, data: dict[str, Any]) -> None:
    """Write ``results.json``, ``summary.md`` and ``index.html`` under ``out``, tokens masked."""
    data = redact_document(data)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    write_own_summary(out, data)
