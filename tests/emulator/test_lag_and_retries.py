"""Replication lag (``--lag-ms``) and the early-retry counter (issue 10 item 9)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from conftest import ADMIN_TOKEN

MOBILE_ID = "3179e48a-750b-4051-897c-87b9720928f7"
ROOT = Path(__file__).resolve().parents[2]


def stats(api) -> dict:
    r = api.session.get(api.base.removesuffix("/v1.0") + "/_emulator/stats")
    assert r.status_code == 200
    return r.json()


def test_reads_lag_behind_writes_then_converge(start) -> None:
    api = start(lag_ms=300)
    assert api.create("adele", {"phoneNumber": "+1 2065550170", "phoneType": "mobile"}).status_code == 201
    assert api.list("adele").json()["value"] == []  # the replica has not caught up
    assert api.get("adele", MOBILE_ID).status_code == 404
    # writes act on the current state: a second mobile is still a conflict
    assert api.create("adele", {"phoneNumber": "+1 2065550171", "phoneType": "mobile"}).status_code == 409
    time.sleep(0.35)
    assert [p["phoneNumber"] for p in api.list("adele").json()["value"]] == ["+1 2065550170"]
    assert api.patch("adele", MOBILE_ID, {"phoneNumber": "+1 2065550172"}).status_code == 204
    assert api.get("adele", MOBILE_ID).json()["phoneNumber"] == "+1 2065550170"
    time.sleep(0.35)
    assert api.get("adele", MOBILE_ID).json()["phoneNumber"] == "+1 2065550172"
    assert stats(api)["lag_ms"] == 300


def test_without_lag_reads_are_current(start) -> None:
    api = start()
    api.create("adele", {"phoneNumber": "+1 2065550170", "phoneType": "mobile"})
    assert len(api.list("adele").json()["value"]) == 1


def test_a_retry_before_the_retry_after_is_counted_early(start) -> None:
    api = start(throttle_per_second=1)
    while True:  # spend this second's allowance, then be throttled
        r = api.list("adele")
        if r.status_code == 429:
            break
    wait = float(r.headers["Retry-After"])
    assert api.list("adele").status_code in (200, 429)  # retried at once: early
    assert stats(api)["early_retries"] == 1
    time.sleep(1.1)
    while (r := api.list("adele")).status_code != 429:
        pass
    time.sleep(float(r.headers["Retry-After"]) + 0.05)
    assert api.list("adele").status_code == 200  # retried when asked: not early
    counters = stats(api)
    assert counters["early_retries"] == 1 and counters["throttled"] >= 2 and wait >= 1


def test_other_requests_of_the_same_token_are_not_retries(start) -> None:
    api = start(throttle_per_second=1)
    while api.list("adele").status_code != 429:
        pass
    api.list("alex")  # another path: a different request, not a retry
    assert stats(api)["early_retries"] == 0


def test_the_command_line_takes_lag_ms(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "graph_phone_emulator", "--port", "0", "--lag-ms", "250"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip()
        with requests.Session() as s:
            s.trust_env = False
            assert s.get(base.removesuffix("/v1.0") + "/_emulator/stats").json()["lag_ms"] == 250
            assert s.get(base + "/me/authentication/phoneMethods",
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code in (200, 401, 404)
    finally:
        proc.terminate()
        proc.wait(10)
    bad = subprocess.run([sys.executable, "-m", "graph_phone_emulator", "--lag-ms", "-1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "lag_ms must be a non-negative number" in bad.stderr
