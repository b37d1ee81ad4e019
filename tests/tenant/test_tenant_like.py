"""A tenant-like end to end run (issue 10 item 9).

The standalone emulator with throttling, latency and replication lag; users that already hold phones;
a smoke run, then a full run killed with SIGKILL mid-way, then ``restore`` twice. Every user ends
exactly as before, and no request repeated a throttled one before its ``Retry-After`` (the emulator
counts early retries on its side).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.tenant.tenantkit import (
    PHONES,
    ROOT,
    admin_state,
    as_tenant,
    clean_env,
    cli,
    emulator_process,
    profile_dict,
    wait_for,
    write_profile,
)

LAG_MS = 300
SMOKE_LIMIT = 40


def emulator_stats(base_url: str) -> dict:
    with requests.Session() as s:
        s.trust_env = False
        return s.get(base_url.removesuffix("/v1.0") + "/_emulator/stats", timeout=10).json()


def settled_state(view: Path) -> dict:
    """Every user's phones once the replicas have caught up."""
    time.sleep(LAG_MS / 1000 + 0.1)
    return admin_state(view)


def test_smoke_then_a_killed_full_run_then_restore_twice(tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--throttle-per-second", "12", "--latency-ms", "3",
                          "--lag-ms", str(LAG_MS)) as base_url:
        view = write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES))
        before = settled_state(view)
        assert any(before.values()), "the users hold phones"
        raw = as_tenant(profile_dict(base_url=base_url, phones=PHONES, journal_dir=str(tmp_path / "journal"),
                                     settle_s=0, consistency_timeout_s=10, retry_attempts=8, retry_max_wait_s=5,
                                     mode="smoke"))
        tenant = write_profile(tmp_path / "tenant.toml", raw)

        # 1. the smoke plan, against throttling, latency and lag
        start, started = emulator_stats(base_url), time.monotonic()
        smoke = cli("run", "--target", str(tenant), "--results-dir", str(tmp_path / "smoke"), timeout=120)
        end = emulator_stats(base_url)
        sent, throttled = end["requests"] - start["requests"], end["throttled"] - start["throttled"]
        print(f"\nsmoke plan: {sent} requests ({throttled} of them answered 429 and retried; preflight, tests, "
              f"restore and re-reads under {LAG_MS} ms lag) in {time.monotonic() - started:.1f} s")
        assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
        assert sent - throttled <= SMOKE_LIMIT + 10, (sent, throttled)
        assert settled_state(view) == before

        # 2. a full run, killed with SIGKILL once it has journaled users
        raw["target"]["mode"] = "full"
        write_profile(tenant, raw)
        journal_dir = tmp_path / "journal"
        known = set(journal_dir.glob("*.jsonl"))
        run = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--target", str(tenant), "--quick",
                                "--i-understand-this-writes", "--results-dir", str(tmp_path / "full")],
                               cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def journaled() -> int:
                fresh = set(journal_dir.glob("*.jsonl")) - known
                return sum(f.read_text().count('"snapshot"') for f in fresh)

            assert wait_for(lambda: journaled() >= 2 or run.poll() is not None, timeout=60)
            assert run.poll() is None, "the full run ended before it could be killed"
            time.sleep(0.5)  # let it write a little more
            os.kill(run.pid, signal.SIGKILL)
            run.wait(30)
        finally:
            if run.poll() is None:
                run.kill()
        assert run.returncode == -signal.SIGKILL
        (journal,) = set(journal_dir.glob("*.jsonl")) - known
        assert settled_state(view) != before, "the killed run left nothing to restore"
        print(f"full run killed after {journaled()} snapshot(s) at {time.monotonic() - started:.1f} s")

        # 3. restore, twice: the second finds nothing to do
        first = cli("restore", str(journal), "--target", str(tenant), timeout=120)
        assert first.returncode == 0, first.stdout + first.stderr
        second = cli("restore", str(journal), "--target", str(tenant), timeout=120)
        assert second.returncode == 0 and "nothing to do" in second.stdout, second.stdout + second.stderr
        assert settled_state(view) == before

        counters = emulator_stats(base_url)
        print(f"emulator: {counters['throttled']} requests throttled, {counters['early_retries']} early retries, "
              f"{counters['server_errors']} server errors")
        assert counters["throttled"] > 0, "throttling was never exercised"
        assert counters["early_retries"] == 0, "a Retry-After was not honoured"
        assert counters["server_errors"] == 0


# -- issue 18: a lagging restore, and static tokens with --jobs 2 ------------------------------------

SLOW_LAG_MS = 4000


def test_a_killed_full_run_restored_twice_at_once_under_4_s_lag_leaves_every_user_exact(tmp_path: Path) -> None:
    """SIGKILL a full run while its writes are still replicating, then ``restore`` at once, twice.

    The first reads of the restore show the users as they were before the run's last writes; a restore
    that trusted them would send nothing and "verify" against a stale read (issue 18 item 2).
    """
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--lag-ms", str(SLOW_LAG_MS)) as base_url:
        view = write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES))
        time.sleep(SLOW_LAG_MS / 1000 + 0.1)
        before = admin_state(view)
        journal_dir = tmp_path / "journal"
        raw = as_tenant(profile_dict(base_url=base_url, phones=PHONES, journal_dir=str(journal_dir), settle_s=0,
                                     consistency_timeout_s=6, consistency_window_s=SLOW_LAG_MS / 1000 + 1,
                                     mode="full"))
        tenant = write_profile(tmp_path / "tenant.toml", raw)
        run = subprocess.Popen([sys.executable, "-m", "conformance", "run", "--target", str(tenant), "--quick",
                                "--i-understand-this-writes", "--results-dir", str(tmp_path / "full")],
                               cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            def written() -> int:
                return sum(f.read_text().count('"outcome"') for f in journal_dir.glob("*.jsonl"))

            assert wait_for(lambda: written() >= 2 or run.poll() is not None, timeout=120)
            assert run.poll() is None, "the full run ended before it could be killed"
            os.kill(run.pid, signal.SIGKILL)  # its last write is under a second old: reads still lag behind it
            run.wait(30)
        finally:
            if run.poll() is None:
                run.kill()
        (journal,) = journal_dir.glob("*.jsonl")
        started = time.monotonic()
        first = cli("restore", str(journal), "--target", str(tenant), timeout=180)
        second = cli("restore", str(journal), "--target", str(tenant), timeout=180)
        print(f"\ntwo restores under {SLOW_LAG_MS} ms lag took {time.monotonic() - started:.1f} s")
        assert first.returncode == 0, first.stdout + first.stderr
        assert any(w in first.stdout for w in ("deleted", "updated", "recreated")), first.stdout
        assert second.returncode == 0 and "nothing to do" in second.stdout, second.stdout + second.stderr
        assert settled_state_after(view, SLOW_LAG_MS) == before


def settled_state_after(view: Path, lag_ms: int) -> dict:
    time.sleep(lag_ms / 1000 + 0.1)
    return admin_state(view)


def test_static_tokens_with_jobs_2_refused_when_shared_and_disjoint_when_per_worker(tmp_path: Path) -> None:
    """The README's CI set-up (static tokens) with ``--jobs 2``: one ``self`` token for both workers is
    refused before any request; one token per worker runs, no user is written by two workers, and every
    user ends exact (issue 18 item 1)."""
    from tests.tenant.test_workers import static_two_workers

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--lag-ms", str(LAG_MS)) as base_url:
        view = write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES))
        before = settled_state(view)
        journal_dir = tmp_path / "journal"
        for per_worker in (False, True):
            raw, env = static_two_workers(profile_dict(
                base_url=base_url, phones=PHONES, mode="smoke", journal=True, journal_dir=str(journal_dir),
                settle_s=0, consistency_timeout_s=5, consistency_window_s=LAG_MS / 1000 + 0.5), per_worker=per_worker)
            raw["target"]["kind"] = "tenant"
            tenant = write_profile(tmp_path / f"static-{per_worker}.toml", raw)
            start = emulator_stats(base_url)["requests"]
            proc = cli("run", "--target", str(tenant), "--jobs", "2", "--results-dir", str(tmp_path / f"r{per_worker}"),
                       env=env, timeout=300)
            if not per_worker:
                assert proc.returncode == 2 and "would both write" in proc.stderr, proc.stdout[-2000:] + proc.stderr
                assert emulator_stats(base_url)["requests"] == start, "a request was sent before the refusal"
                assert not journal_dir.exists()
                continue
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        journals = sorted(journal_dir.glob("*.jsonl"))
        assert len(journals) == 2, journals
        written = [{json.loads(x)["id"].lower() for x in j.read_text().splitlines() if '"snapshot"' in x}
                   for j in journals]
        assert all(written) and not written[0] & written[1], written
        assert settled_state(view) == before


def test_a_paged_list_is_journaled_whole_and_restored_exactly(tmp_path: Path) -> None:
    """Issue 18 item 4: the target answers one method a page (``@odata.nextLink``, legal OData). A smoke run's
    journal holds every page of every user it wrote, and the users end exactly as before."""
    import json

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--page-size", "1") as base_url:
        view = write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES))
        before = admin_state(view)
        assert sum(len(v) for v in before.values()) >= 5
        raw = as_tenant(profile_dict(base_url=base_url, phones=PHONES, journal_dir=str(tmp_path / "journal"),
                                     settle_s=0, consistency_timeout_s=2, mode="smoke"))
        tenant = write_profile(tmp_path / "tenant.toml", raw)
        smoke = cli("run", "--target", str(tenant), "--results-dir", str(tmp_path / "smoke"), timeout=180)
        assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
        snapshots = [json.loads(line) for f in (tmp_path / "journal").glob("*.jsonl")
                     for line in f.read_text().splitlines() if '"snapshot"' in line]
        assert snapshots, "the smoke run wrote to nobody"
        for snap in snapshots:
            held = before[snap["user"]]
            assert {k: v["phoneNumber"] for k, v in snap["methods"].items()} == {
                k: v["phoneNumber"] for k, v in held.items()}, f"{snap['user']}: the journal lacks a page"
        assert any(len(before[s["user"]]) > 1 for s in snapshots), "no journaled user held more than one page"
        assert admin_state(view) == before
