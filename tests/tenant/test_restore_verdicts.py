"""A failed restore never hides a verdict (issue 10 item 3).

A rule fails against a target whose PATCH answers 204 but stores nothing; the end-of-run restore then
cannot put the user back either. The rule stays FAIL with its counterexample, the restore failure is
reported beside it (stderr, results.json, summary.md) with the command to run, and the run exits 5.
"""

from __future__ import annotations

import json
from pathlib import Path

from conformance.results.document import exit_code_for
from graph_phone_emulator.faults import FaultName
from tests.tenant.tenantkit import PHONES, cli, emulator_process, profile_dict, write_profile


def test_a_failed_rule_and_a_failed_restore_are_both_reported_and_the_restore_wins_the_exit_code(
        tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--fault", FaultName.UPDATE_NOT_STORED) as base_url:
        raw = profile_dict(base_url=base_url, phones=PHONES, journal=True, journal_dir=str(tmp_path / "journal"))
        profile = write_profile(tmp_path / "p.toml", raw)
        proc = cli("run", "--target", str(profile), "--rule", "update-204", "--quick", "--no-shrink",
                   "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 5, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    rule = data["rules"]["update-204"]
    assert rule["verdict"] == "fail" and rule["counterexample"], rule
    assert data["totals"]["failed"] == 1 and data["totals"]["broken"] == 0, data["totals"]
    (problem,) = data["restore_failures"]
    assert "python -m conformance restore" in problem and str(tmp_path / "journal") in problem
    assert "RESTORE FAILED" in proc.stderr and "python -m conformance restore" in proc.stderr.splitlines()[-1]
    summary = (tmp_path / "r" / "summary.md").read_text()
    assert "## RESTORE FAILED" in summary and "| FAIL | `update-204`" in summary


def test_exit_code_precedence() -> None:
    """5 (a restore failed) > 1 (a rule failed) > 4 (the environment broke) > 0."""
    def doc(*verdicts: str, restore: bool = False) -> dict:
        return {"rules": {f"r{i}": {"verdict": v} for i, v in enumerate(verdicts)},
                "restore_failures": ["restore failed for alex1: run ..."] if restore else []}

    assert exit_code_for(doc("pass", "fail", "broken", restore=True)) == 5
    assert exit_code_for(doc("pass", restore=True)) == 5
    assert exit_code_for(doc("pass", "fail", "broken")) == 1
    assert exit_code_for(doc("pass", "broken")) == 4
    assert exit_code_for(doc("pass", "skipped")) == 0


def test_a_restore_that_cannot_confirm_a_users_state_exits_5_says_so_and_writes_nothing(tmp_path: Path) -> None:
    """Every read of the user differs from the last (replication that never settles, or someone else writing):
    the restore never acts on a state it could not confirm over the consistency window (issue 18 item 2)."""
    import itertools

    from conformance.target.profile import load_profile
    from tests.tenant.tenantkit import Recorder

    counter = itertools.count()

    def restless(method: str, path: str, status: int):
        if method == "GET" and path.split("?")[0].endswith("/phoneMethods"):
            number = f"+1 20655{next(counter) % 100000:05d}"
            body = {"value": [{"id": "3179e48a-750b-4051-897c-87b9720928f7", "phoneType": "mobile",
                               "phoneNumber": number, "smsSignInState": "ready"}]}
            return 200, json.dumps(body)
        return None

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu) as base_url, Recorder(upstream=base_url.removesuffix("/v1.0"),
                                                     rewrite=restless) as proxy:
        path = write_profile(tmp_path / "p.toml", profile_dict(
            base_url=proxy.url + "/v1.0", phones=PHONES, journal=True, consistency_window_s=0.6,
            consistency_timeout_s=0.5))
        profile = load_profile(path)
        user = profile.user_for("ordinary_target")
        journal = tmp_path / "j.jsonl"
        journal.write_text("\n".join(json.dumps(r) for r in [
            {"event": "run", "version": 2, "run_id": "r", "profile": profile.name, "base_url": profile.base_url},
            {"event": "snapshot", "user": user.key, "id": user.id, "methods": {
                "mobile": {"phoneNumber": "+1 2065550111", "smsSignInState": "ready"}}}]) + "\n")
        proc = cli("restore", str(journal), "--target", str(path))
        assert proxy.writes() == [] and len(proxy.seen) >= 2
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "could not confirm what alex1 holds" in proc.stderr and "nothing was sent to this user" in proc.stderr
    assert "2065550111" not in proc.stdout + proc.stderr
