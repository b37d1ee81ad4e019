"""The whole suite against a stateless stand-in (fixed examples, as an API mock answers): blame.

Nothing the suite arranges can be read back from such a target, so no rule that needs state may pass,
no rule may fail because a set-up could not arrange its state (those rules are not evaluated), and the
report must say why on its first screen: a few causes, not forty failures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest 9 may import this directory as a namespace package
from stateless_target import serving

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STATELESS_RULES = frozenset({"user-unknown-404"})
"""Rules a stateless target can honestly pass or fail on its own answers (no arranged state involved)."""
SETUP_OWNERS = frozenset({"delete-204", "create-201", "list-200"})
"""Rules whose claims a set-up step relies on (its DELETE removes, its POST creates, its list reads)."""
FIRST_SCREEN = 12
"""Lines of summary.md that fit a first screen."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, int]:
    """One ``conformance run --quick --no-shrink`` against the stand-in: (results.json, summary.md, exit code)."""
    out = tmp_path_factory.mktemp("stateless")
    with serving() as url:
        profile = (ROOT / "conformance" / "targets" / "emulator.toml").read_text(encoding="utf-8")
        profile = profile.replace('base_url = ""', f'base_url = "{url}/v1.0"', 1)
        profile = profile.replace('name = "embedded-emulator"', 'name = "stateless-stand-in"', 1)
        (out / "stand-in.toml").write_text(profile, encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--target", str(out / "stand-in.toml"),
                               "--quick", "--no-shrink", "--results-dir", str(out / "results")],
                              capture_output=True, text=True, cwd=ROOT, timeout=900, check=False)
    results = json.loads((out / "results" / "results.json").read_text(encoding="utf-8"))
    return results, (out / "results" / "summary.md").read_text(encoding="utf-8"), proc.returncode


def test_no_rule_that_needs_state_passes(run) -> None:
    results, _, _ = run
    passed = {rid for rid, r in results["rules"].items() if r["verdict"] == "pass"}
    assert passed <= STATELESS_RULES, f"passed on a target that stores nothing: {sorted(passed - STATELESS_RULES)}"


def test_no_rule_fails_for_a_set_up_step_but_the_one_that_owns_it(run) -> None:
    """A DELETE that leaves the method fails delete-204 (its claim, seen in a set-up); nothing else fails for it."""
    results, _, code = run
    for rid, r in results["rules"].items():
        if r["verdict"] == "fail" and (r["counterexample"] or "").startswith("set-up:"):
            assert rid in SETUP_OWNERS, f"{rid} failed for a set-up step it does not own"
    assert results["rules"]["delete-204"]["verdict"] == "fail"
    broken = [t for t in results["tests"] if t["outcome"] == "broken"]
    assert broken and all(t.get("cause") for t in broken)
    assert code == 1  # user-unknown-404 fails: the stand-in answers 200 for anyone


def test_not_evaluated_rules_are_grouped_under_few_causes(run) -> None:
    results, _, _ = run
    groups = results["not_evaluated"]
    assert 1 <= len(groups) <= 3, groups
    assert groups[0]["cause"] == "set-up: DELETE of a mobile left it in place"
    assert len(groups[0]["rules"]) >= 30
    grouped = [rid for g in groups for rid in g["rules"]]
    assert sorted(grouped) == sorted(rid for rid, r in results["rules"].items() if r["verdict"] == "broken")
    assert "DELETE /v1.0/users/" in groups[0]["example"], "the example shows the set-up's requests"


def test_the_first_screen_names_the_causes(run) -> None:
    results, summary, _ = run
    first = "\n".join(summary.splitlines()[:FIRST_SCREEN])
    for g in results["not_evaluated"]:
        assert f"{len(g['rules'])} rules not evaluated: {g['cause']}" in first
    assert "`user-unknown-404`" in first and "`delete-204`" in first
