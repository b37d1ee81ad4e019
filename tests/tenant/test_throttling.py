"""Throttling and consistency: Retry-After honoured, bounded retries, broken (not failed) when exhausted."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests

from conformance.safety.guarded import GuardedTarget
from conformance.target.client import GraphClient, RetryPolicy, TargetBroken, retry_after_seconds
from conformance.target.numbers import fresh_number
from conformance.target.profile import load_profile
from tests.tenant.tenantkit import PHONES, Recorder, admin_state, cli, emulator_process, profile_dict, write_profile


def response(status: int, retry_after: str | None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    if retry_after is not None:
        r.headers["Retry-After"] = retry_after
    return r


@pytest.mark.parametrize("header", ["0", "0.25", "1", "2.128", " 3 "])
def test_retry_after_in_seconds_is_honoured_with_a_little_jitter(header: str) -> None:
    policy = RetryPolicy(max_wait_s=10)
    for attempt in range(3):
        wait = policy.delay(response(429, header), attempt)
        assert float(header) <= wait <= float(header) + 0.25


def test_retry_after_as_an_http_date_is_honoured() -> None:
    when = datetime.now(UTC) + timedelta(seconds=3)
    assert 1.5 <= retry_after_seconds(format_datetime(when, usegmt=True)) <= 3.5
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_retry_after_longer_than_the_bound_is_not_cut_short() -> None:
    """Waiting less than asked would not honour it: such a request is not retried."""
    assert RetryPolicy(max_wait_s=5).delay(response(429, "30"), 0) is None


def test_without_retry_after_the_backoff_is_jittered_and_bounded() -> None:
    policy = RetryPolicy(max_wait_s=1.0)
    waits = [policy.delay(response(503, None), a) for a in range(8) for _ in range(5)]
    assert all(0 < w <= 1.0 for w in waits) and len(set(waits)) > 10


def test_retries_are_bounded_per_request_and_per_run() -> None:
    with Recorder(status=503, headers={"Retry-After": "0.01"}, body='{"error": {}}') as server:
        client = GraphClient(server.url, retry=RetryPolicy(attempts=3, run_retry_budget=4))
        client.session.trust_env = False
        with pytest.raises(TargetBroken, match="still 503 after 3 tries"):
            client.list("/users/x", None)
        assert len(server.seen) == 3
        with pytest.raises(TargetBroken, match="after 3 tries"):
            client.list("/users/x", None)
        with pytest.raises(TargetBroken, match="after 1 tries"):
            client.list("/users/x", None)
        assert client.retry.retries_used == 4 and len(server.seen) == 3 + 3 + 1


def test_every_retry_after_of_a_throttling_emulator_is_honoured(tmp_path: Path) -> None:
    """Against the emulator throttling at 3 requests a second per token (and 20 ms latency)."""
    from graph_phone_emulator.server import start_in_thread

    path = write_profile(tmp_path / "p.toml", profile_dict(phones=PHONES))
    running = start_in_thread(path, overrides={"throttle_per_second": 3, "latency_ms": 20})
    try:
        write_profile(path, profile_dict(base_url=running.base_url, phones=PHONES))
        profile = load_profile(path)
        target = GuardedTarget(profile=profile, base_url=profile.base_url, edition="seed", record=False)
        target.client.session.trust_env = False
        seen: list[tuple[int, str | None, float]] = []
        target.client.listeners.append(lambda ex: seen.append(
            (ex.status, ex.response_headers.get("retry-after"), time.monotonic())))
        user = target.user("ordinary_target")
        for _ in range(4):
            number = fresh_number()
            target.reset(user, {"mobile": number})
            assert target.numbers(user) == {"mobile": number}
    finally:
        running.stop()
    throttled = [s for s in seen if s[0] == 429]
    assert len(throttled) >= 2, "the emulator never throttled"
    log = target.client.retry.log
    assert len(log) == len(throttled)
    for (status, header, wait), (seen_status, seen_header, _) in zip(log, throttled, strict=True):
        assert status == seen_status == 429 and header == seen_header
        assert wait >= float(header), f"waited {wait} s, Retry-After said {header}"
    for i, (status, header, at) in enumerate(seen[:-1]):
        if status == 429:
            started_next = seen[i + 1][2] - 0.02  # the next exchange's latency at most moves it later
            assert started_next - at >= float(header) - 0.05


WRITTEN = ("alex1", "adele1", "patti1")
"""The users a smoke run writes to (worker 0's ordinary target and caller) and its administrator."""


def _smoke(tmp_path: Path, name: str, *extra: str) -> tuple[dict, str]:
    emu = write_profile(tmp_path / f"{name}-emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, *extra) as base_url:
        profile = write_profile(tmp_path / f"{name}.toml", profile_dict(
            base_url=base_url, phones=PHONES, mode="smoke", journal=True, journal_dir=str(tmp_path / name)))
        before = admin_state(profile, WRITTEN)
        proc = cli("run", "--target", str(profile), "--results-dir", str(tmp_path / name / "r"))
        assert admin_state(profile, WRITTEN) == before, proc.stderr
    data = json.loads((tmp_path / name / "r" / "results.json").read_text())
    return data, proc.stderr


def test_throttling_and_latency_do_not_change_the_verdicts(tmp_path: Path) -> None:
    calm, _ = _smoke(tmp_path, "calm")
    busy, _ = _smoke(tmp_path, "busy", "--throttle-per-second", "4", "--latency-ms", "30")
    verdicts = {rid: r["verdict"] for rid, r in calm["rules"].items()}
    assert verdicts == {rid: r["verdict"] for rid, r in busy["rules"].items()}
    assert sum(v == "pass" for v in verdicts.values()) >= 4


def test_exhausted_retries_are_broken_not_failed_and_exit_4(tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu, "--throttle-per-second", "2") as base_url:
        profile = write_profile(tmp_path / "p.toml", profile_dict(
            base_url=base_url, phones=PHONES, mode="smoke", journal=True, journal_dir=str(tmp_path / "j"),
            retry_attempts=1))
        before = admin_state(profile, WRITTEN)
        time.sleep(1.1)
        proc = cli("run", "--target", str(profile), "--results-dir", str(tmp_path / "r"))
        assert admin_state(profile, WRITTEN) == before, "the restore must still bring everyone back"
    assert proc.returncode == 4, proc.stdout[-2000:] + proc.stderr
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    verdicts = [r["verdict"] for r in data["rules"].values()]
    assert "broken" in verdicts and "fail" not in verdicts
    assert data["totals"]["broken"] >= 1 and data["totals"]["failed"] == 0


# -- issue 10 item 5: odd Retry-After values, a throttled preflight ----------------------------------
ODD_RETRY_AFTER = ["NaN", "nan", "inf", "-inf", "Infinity", "-1", "-0.5", "1e400", "garbage", "", "12s",
                   "Mon, 99 Foo 2024 25:61:61 GMT"]


@pytest.mark.parametrize("header", ODD_RETRY_AFTER)
def test_an_unusable_retry_after_is_treated_as_absent(header: str) -> None:
    assert retry_after_seconds(header) is None
    policy = RetryPolicy(max_wait_s=1.0)
    for attempt in range(3):
        wait = policy.delay(response(429, header), attempt)
        assert wait is not None and 0 < wait <= min(1.0, 0.2 * 2**attempt)


@pytest.mark.parametrize("header", ["NaN", "inf", "-1", "garbage"])
def test_an_unusable_retry_after_never_crashes_a_request(header: str) -> None:
    with Recorder(status=429, headers={"Retry-After": header}, body='{"error": {}}') as server:
        client = GraphClient(server.url, retry=RetryPolicy(attempts=2, max_wait_s=0.05))
        client.session.trust_env = False
        with pytest.raises(TargetBroken, match="still 429 after 2 tries"):
            client.list("/users/x", None)
        assert len(server.seen) == 2


def test_a_throttled_preflight_is_the_environment_exit_4(tmp_path: Path) -> None:
    """A target that answers 429 to the preflight is reachable: the run is broken (4), not unreachable (3)."""
    with Recorder(status=429, headers={"Retry-After": "0"}, body='{"error": {"code": "TooManyRequests"}}') as busy:
        raw = profile_dict(base_url=busy.url + "/v1.0", retry_attempts=2)
        path = write_profile(tmp_path / "p.toml", raw)
        proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"))
        assert len(busy.seen) == 2 and busy.writes() == []
    assert proc.returncode == 4, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "still 429 after 2 tries" in lines[0], lines
