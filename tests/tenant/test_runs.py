"""Whole runs against a standalone emulator: smoke, readonly, --plan, the full-mode switch, SIGKILL + restore."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.safety.plan import SMOKE_PLAN, collect
from conformance.target.profile import load_profile
from tests.tenant.tenantkit import (
    PHONES,
    ROOT,
    Recorder,
    admin_state,
    as_tenant,
    clean_env,
    cli,
    emulator_process,
    profile_dict,
    wait_for,
    write_profile,
)

SMOKE_LIMIT = 40


@pytest.fixture
def standalone(tmp_path: Path):
    """A standalone emulator process whose users hold phones, behind a recording proxy."""
    path = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(path) as base_url, Recorder(upstream=base_url.removesuffix("/v1.0")) as proxy:
        yield proxy


def profile_at(tmp_path: Path, proxy: Recorder, name: str = "p.toml", tenant: bool = False, **target) -> Path:
    raw = profile_dict(base_url=proxy.url + "/v1.0", phones=PHONES, journal_dir=str(tmp_path / "journal"),
                       **target)
    if tenant:
        raw = as_tenant(raw)
        raw["target"].update(settle_s=0, consistency_timeout_s=0)
    return write_profile(tmp_path / name, raw)


def results(path: Path) -> dict:
    return json.loads((path / "results.json").read_text())


def test_smoke_plan_stays_within_40_requests_and_restores_everyone(tmp_path: Path, standalone: Recorder) -> None:
    """Preflight, the smoke tests and the restore, counted at the target: at most 40 requests."""
    profile = profile_at(tmp_path, standalone, tenant=True, mode="smoke")
    before = admin_state(profile)
    standalone.seen.clear()
    proc = cli("run", "--target", str(profile), "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    sent = len(standalone.seen)
    data = results(tmp_path / "r")
    assert data["totals"]["passed"] == len(SMOKE_PLAN), data["totals"]
    assert sent <= SMOKE_LIMIT, f"the smoke run sent {sent} requests"
    assert "restored and verified" in proc.stderr
    assert admin_state(profile) == before
    # tenant reports mask numbers: none of the users' numbers appear in results.json
    text = (tmp_path / "r" / "results.json").read_text()
    assert all(n not in text for phones in PHONES.values() for n in phones.values())


def test_plan_names_exactly_the_smoke_tests() -> None:
    profile = load_profile(ROOT / "conformance" / "targets" / "emulator.toml")
    smoke = sorted(nodeid for nodeid, _, is_smoke in collect(profile, "seed") if is_smoke)
    assert smoke == sorted(t.nodeid for t in SMOKE_PLAN)


def test_plan_prints_the_requests_and_users_and_sends_nothing(tmp_path: Path) -> None:
    with Recorder() as nobody:
        profile = profile_at(tmp_path, nobody, tenant=True, mode="smoke")
        proc = cli("run", "--target", str(profile), "--plan")
        assert proc.returncode == 0, proc.stderr
        assert nobody.seen == []
    out = proc.stdout
    assert "nothing is sent by --plan" in out and "smoke plan" in out
    assert "PATCH" in out and "Alex1@contoso.test" in out and "Adele1@contoso.test" in out
    assert "restore (session end)" in out and "requests, by what the users hold" in out
    for test in SMOKE_PLAN:
        assert test.nodeid.split("::")[1] in out


def test_plan_in_full_mode_lists_the_tests_and_users(tmp_path: Path) -> None:
    with Recorder() as nobody:
        profile = profile_at(tmp_path, nobody, tenant=True, mode="full")
        proc = cli("run", "--target", str(profile), "--plan")
        assert proc.returncode == 0 and nobody.seen == []
    assert "test_update.py::test_valid_update_answers_204_and_reads_back" in proc.stdout
    assert "Pradeep1@contoso.test" in proc.stdout


def test_full_mode_against_a_tenant_needs_the_flag(tmp_path: Path) -> None:
    with Recorder() as nobody:
        profile = profile_at(tmp_path, nobody, tenant=True, mode="full")
        proc = cli("run", "--target", str(profile))
        assert nobody.seen == []
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: mode = full against a tenant needs --i-understand-this-writes "
                                   "on the command line")


def test_readonly_mode_sends_no_write(tmp_path: Path, standalone: Recorder) -> None:
    profile = profile_at(tmp_path, standalone, tenant=True, mode="readonly")
    proc = cli("run", "--target", str(profile), "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert standalone.seen and standalone.writes() == []
    assert results(tmp_path / "r")["totals"]["passed"] >= 2
    assert not (tmp_path / "journal").exists() or not list((tmp_path / "journal").iterdir())


def test_sigkill_mid_run_then_restore_leaves_every_user_as_before(tmp_path: Path, standalone: Recorder) -> None:
    """Kill a writing run with SIGKILL once it has journaled users; ``restore`` brings them all back."""
    profile = profile_at(tmp_path, standalone, journal=True)
    before = admin_state(profile)
    journal_dir = tmp_path / "journal"
    env = clean_env()
    run = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--target", str(profile), "--quick",
                            "--results-dir", str(tmp_path / "r")], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def journaled() -> int:
            files = list(journal_dir.glob("*.jsonl")) if journal_dir.exists() else []
            return sum(line.count('"snapshot"') for f in files for line in f.read_text().splitlines())

        assert wait_for(lambda: journaled() >= 2 or run.poll() is not None, timeout=120)
        assert run.poll() is None, "the run ended before it could be killed"
        run.send_signal(signal.SIGKILL)
        run.wait(30)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == -signal.SIGKILL
    (journal,) = journal_dir.glob("*.jsonl")
    assert '"restored"' not in journal.read_text()
    assert admin_state(profile) != before, "the killed run left nothing to restore"
    proc = cli("restore", str(journal), "--target", str(profile))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert admin_state(profile) == before


def test_the_example_tenant_profile_loads_and_defaults_to_safety() -> None:
    profile = load_profile(ROOT / "conformance" / "targets" / "tenant.example.toml")
    assert profile.kind == "tenant" and profile.mode == "smoke" and profile.journal
    assert profile.request_budget == 300 and profile.auth.kind == "msal"
    assert profile.auth.secret is None and profile.auth.msal["client_secret_env"] == "GRAPHCONF_CLIENT_SECRET"
    assert not profile.auth.msal["token_cache"].startswith(str(ROOT))
