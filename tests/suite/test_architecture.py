"""The design holds: generated docs match the catalogs, results.json matches its schema, imports flow one way."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import testing
from conformance.cli.rules import drifted_docs, regenerate
from conformance.results.document import exit_code_for, load_results, schema_errors
from conformance.spec.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "reports" / "baselines" / "embedded-emulator.json"


def test_generated_rule_and_fault_tables_are_current() -> None:
    """README's rule table and docs/rules-and-faults.md are what `rules --write-docs` would write."""
    assert drifted_docs(ROOT) == [], "run: python -m conformance rules --write-docs"


def test_a_stale_table_is_detected(tmp_path: Path) -> None:
    """The drift check can fail: a table missing a rule is regenerated with it."""
    stale = "<!-- generated:rules -->\n| rule |\n<!-- /generated:rules -->\n"
    fresh = regenerate(stale, "rules")
    assert fresh != stale and all(f"`{rid}`" in fresh for rid in RULES)


def _document() -> dict:
    doc = json.loads(BASELINE.read_text())
    doc.update({"started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:01:00+00:00",
                "duration_s": 60.0})
    for t in doc["tests"]:
        t.setdefault("duration_s", 0.1)
    return doc


def test_the_committed_baseline_follows_the_results_schema() -> None:
    """A written document (the baseline, volatile fields put back) validates against results.schema.json."""
    assert schema_errors(_document()) == []


@pytest.mark.parametrize("breakage", ["no-rules", "bad-verdict", "bad-outcome", "version-2"])
def test_the_schema_refuses_a_broken_document(breakage: str) -> None:
    """The schema is not vacuous: each kind of damage is named."""
    doc = _document()
    if breakage == "no-rules":
        del doc["rules"]
    elif breakage == "bad-verdict":
        next(iter(doc["rules"].values()))["verdict"] = "maybe"
    elif breakage == "bad-outcome":
        doc["tests"][0]["outcome"] = "green"
    else:
        doc["schema_version"] = 2
    assert schema_errors(doc)


def test_every_run_writes_a_document_that_follows_the_schema(tmp_path: Path) -> None:
    """A real run's results.json validates, and its exit code is the document's."""
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--quick", "--rule", "update-204",
                           "--rule", "number-invalid-rejected", "--results-dir", str(out)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    doc = load_results(out / "results.json")
    assert schema_errors(doc) == []
    assert proc.returncode == exit_code_for(doc) == 0, proc.stdout[-2000:] + proc.stderr


def test_imports_flow_one_way() -> None:
    """The import-linter contracts (.importlinter) are kept: layers, a lone emulator, lone strategies."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([exe, "--no-cache"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_every_budget_share_has_a_name() -> None:
    """Suite properties draw a named share of the example budget (conformance.testing), never a bare number."""
    bare = [f"{path.name}:{n}" for path in sorted((ROOT / "conformance" / "suite").glob("test_*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"suite_settings\(\s*[0-9.]", line)]
    assert bare == [], f"name the share in conformance/pytest_plugin/settings.py: {bare}"
    shares = {name: getattr(testing, name) for name in ("PER_CASE", "PER_SEQUENCE", "FEW_BEHAVIOURS",
                                                         "WIDENS_EXHAUSTIVE", "EXPENSIVE_EXAMPLE",
                                                         "PER_INVALID_LABEL", "PER_GRAY_LABEL")}
    assert all(0 < share < 1 for share in shares.values()), shares
