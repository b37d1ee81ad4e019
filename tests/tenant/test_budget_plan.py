"""The budget plan: a full tenant run sends at most 500 requests and still exercises every rule."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.spec.rules import rules_for
from conformance.target.profile import load_profile
from tests.tenant.tenantkit import Recorder, as_tenant, cli, profile_dict, write_profile
from tests.tenant.test_runs import profile_at, standalone  # noqa: F401 - the fixture

TENANT_LIMIT = 500


def test_full_tenant_run_stays_within_500_requests_and_exercises_every_rule(tmp_path: Path,
                                                                           standalone: Recorder) -> None:  # noqa: F811
    """Preflight, every test and the restore together: at most 500 requests; no rule left unexercised."""
    profile = profile_at(tmp_path, standalone, tenant=True, mode="full")
    proc = cli("run", "--target", str(profile), "--i-understand-this-writes", "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    sent = len(standalone.seen)
    assert 0 < sent <= TENANT_LIMIT, f"{sent} requests"
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert data["requests"] <= TENANT_LIMIT
    verdicts = {rid: r["verdict"] for rid, r in data["rules"].items()}
    for rule in rules_for("seed"):
        assert verdicts.get(rule.id) in ("pass", "skipped"), (rule.id, verdicts.get(rule.id))
    exercised = {rid for rid, v in verdicts.items() if v == "pass"}
    skipped = {rid for rid, v in verdicts.items() if v == "skipped"}
    assert len(exercised) >= len(rules_for("seed")) - len(skipped)
    assert "restored and verified" in proc.stderr


def test_a_full_tenant_profile_gets_a_500_request_budget(tmp_path: Path) -> None:
    """Unless the profile says otherwise: smoke and readonly keep 300."""
    budgets = {}
    for mode in ("full", "smoke", "readonly"):
        raw = as_tenant(profile_dict(base_url="https://graph.example.test/v1.0", mode=mode))
        raw["target"].pop("request_budget", None)
        budgets[mode] = load_profile(write_profile(tmp_path / f"{mode}.toml", raw)).request_budget
    assert budgets == {"full": TENANT_LIMIT, "smoke": 300, "readonly": 300}


def test_plan_prints_the_planned_examples_per_rule(tmp_path: Path) -> None:
    """--plan of a full tenant run lists every rule with its planned examples, and sends nothing."""
    with Recorder() as nobody:
        profile = profile_at(tmp_path, nobody, tenant=True, mode="full")
        proc = cli("run", "--target", str(profile), "--plan")
        assert proc.returncode == 0 and nobody.seen == []
    out = proc.stdout
    assert "budget plan:" in out
    per_rule = dict(line.split() for line in out.split("budget plan:", 1)[1].splitlines()[1:] if line.strip())
    assert set(per_rule) == {r.id for r in rules_for("seed")}
    assert all(int(n) >= 1 for n in per_rule.values()), per_rule
    assert int(per_rule["number-invalid-rejected"]) == 9  # every invalid-number label once
    # every boundary of the rule once (five), and the one addressing row whose read it decides
    assert int(per_rule["perm-other-needs-role"]) == 6
