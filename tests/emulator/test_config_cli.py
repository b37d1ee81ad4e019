"""Configuration, the in-process API, throttling/latency and the command line."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from emukit import PROFILE, SECRET, TENANT

from graph_phone_emulator.app import create_app
from graph_phone_emulator.config import DEFAULT_PROFILE, ConfigError, load_config
from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.server import RunningEmulator, start_in_thread
from graph_phone_emulator.settings import Settings

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = requests.Session()
LOOPBACK.trust_env = False  # never through a proxy from the environment
MINIMAL = f'''
[auth]
secret = "{SECRET}"
tenant_id = "{TENANT}"
[[users]]
id = "148d9f37-1cfc-5db6-bddf-380d2fe4aae6"
upn = "Adele1@contoso.test"
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_profile_loads() -> None:
    config = load_config(None)
    assert DEFAULT_PROFILE == REPO / "conformance" / "targets" / "emulator.toml"
    assert (config.edition, config.gray, config.faults, config.throttle_per_second) == ("seed", "reject",
                                                                                         frozenset(), 0)
    assert len(config.users) == 16
    assert config.tenant_id == "5f1c6a47-2b1d-4e8e-9b0a-7c3f2e9d1a10"


def test_the_config_is_the_settings_the_request_modules_read() -> None:
    config = load_config(overrides={"gray": "accept", "edition": "current"})
    assert isinstance(config, Settings)
    assert (config.edition, config.gray, config.choice("gray")) == ("current", "accept", "accept")


def test_overrides_win() -> None:
    config = load_config(PROFILE, {"edition": "current", "gray": "accept", "faults": ["id-swap"],
                                   "throttle_per_second": 7, "latency_ms": 1.5, "secret": "s3cr3t"})
    assert (config.edition, config.gray, config.throttle_per_second, config.latency_ms, config.secret) == (
        "current", "accept", 7, 1.5, "s3cr3t")
    assert config.faults == {FaultName.ID_SWAP}  # a profile's string names the enum member
    assert (config.faulty(FaultName.ID_SWAP) and config.fault(FaultName.ID_SWAP)
            and not config.faulty(FaultName.CREATE_RETURNS_200))


def test_none_valued_overrides_are_ignored() -> None:
    config = load_config(PROFILE, {"edition": None, "faults": None, "secret": None})
    assert (config.edition, config.faults, config.secret) == ("seed", frozenset(), SECRET)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"faults": ["nope"]}, "unknown fault"),
    ({"faults": "id-swap"}, "list of fault names"),
    ({"edition": "beta"}, "edition"),
    ({"gray": "maybe"}, "gray"),
    ({"throttle_per_second": -1}, "throttle_per_second"),
    ({"throttle_per_second": 1.5}, "throttle_per_second"),
    ({"latency_ms": "slow"}, "latency_ms"),
    ({"colour": "blue"}, "unknown override"),
])
def test_bad_overrides_are_value_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_config(PROFILE, overrides)


@pytest.mark.parametrize(("text", "message"), [
    ("[auth\n", "not valid TOML"),
    ("[auth]\nsecret='x'\ntenant_id='t'\n", "no \\[\\[users\\]\\]"),
    (MINIMAL.replace("[auth]", "[other]"), "\\[auth\\] table is missing"),
    (MINIMAL.replace(f'tenant_id = "{TENANT}"', ""), "tenant_id"),
    (MINIMAL.replace(f'secret = "{SECRET}"', ""), "secret"),
    (MINIMAL.replace(f'secret = "{SECRET}"', 'secret_env = "EMULATOR_TEST_UNSET_SECRET"'), "not set"),
    (MINIMAL + MINIMAL[MINIMAL.index("[[users]]"):], "repeats"),
    (MINIMAL + 'phones = { mobile = "5555551234" }\n', "not valid"),
    (MINIMAL + 'phones = { alternateMobile = "+1 5555551234" }\n', "needs a mobile"),
    (MINIMAL + 'phones = { pager = "+1 5555551234" }\n', "unknown phoneType"),
    (MINIMAL + "roles = 'admin'\n", "roles"),
    (MINIMAL + "sms_sign_in = 'yes'\n", "sms_sign_in"),
    (MINIMAL + "[emulator]\nfaults = ['nope']\n", "unknown fault"),
])
def test_bad_profiles_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_missing_profile_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_secret_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMULATOR_TEST_SECRET", "from-the-environment")
    text = MINIMAL.replace(f'secret = "{SECRET}"', 'secret_env = "EMULATOR_TEST_SECRET"')
    assert load_config(write(tmp_path, text)).secret == "from-the-environment"


def test_start_in_thread_with_the_default_profile(mint_token: Any) -> None:
    with start_in_thread() as running:
        assert isinstance(running, RunningEmulator)
        assert running.base_url.startswith("http://127.0.0.1:") and running.base_url.endswith("/v1.0")
        token = mint_token("adele", scopes="UserAuthenticationMethod.Read",
                           secret=load_config(None).secret)
        r = LOOPBACK.get(running.base_url + "/me/authentication/phoneMethods",
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert r.status_code == 200 and r.json()["value"] == []
    with pytest.raises(requests.ConnectionError):
        LOOPBACK.get(running.base_url + "/me/authentication/phoneMethods", timeout=2)


def test_start_in_thread_on_a_chosen_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    running = start_in_thread(PROFILE, port=port, overrides={"edition": "current"})
    try:
        assert running.base_url == f"http://127.0.0.1:{port}/v1.0"
        assert running.config.edition == "current"
    finally:
        running.stop()
    running.stop()  # idempotent


def test_unknown_fault_raises_before_serving() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        start_in_thread(PROFILE, overrides={"faults": ["definitely-not-a-fault"]})


def test_create_app_in_process(mint_token: Any) -> None:
    app = create_app(load_config(PROFILE))

    async def list_carol() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.get("/v1.0/users/Carol@contoso.test/authentication/phoneMethods",
                                    headers={"Authorization": f"Bearer {mint_token()}"})

    r = asyncio.run(list_carol())
    assert r.status_code == 200 and len(r.json()["value"]) == 3
    assert r.headers["request-id"]


# -- throttling and latency ----------------------------------------------------------------------------


def test_throttling_per_token(start: Any, mint_token: Any) -> None:
    api = start(throttle_per_second=5)
    token, other = mint_token(), mint_token("grady")
    while time.time() % 1 > 0.5:  # keep the burst inside one wall-clock second
        time.sleep(0.05)
    statuses = [api.list("carol", token).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    r = api.list("carol", token)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"]["code"] == "TooManyRequests"
    assert api.list("carol", other).status_code == 200
    time.sleep(1.0)
    assert api.list("carol", token).status_code == 200


def test_added_latency(start: Any) -> None:
    api = start(latency_ms=120)
    began = time.perf_counter()
    assert api.list("carol").status_code == 200
    assert time.perf_counter() - began >= 0.12


# -- command line --------------------------------------------------------------------------------------


def run_cli(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graph_phone_emulator", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


@pytest.mark.parametrize("args", [
    ("--profile", "/definitely/not/here.toml"),
    ("--profile", str(PROFILE), "--fault", "nope"),
    ("--profile", str(REPO / "pyproject.toml")),
])
def test_cli_bad_profile_exits_2_with_one_line(args: tuple[str, ...]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("emulator: error:")
    assert "Traceback" not in result.stderr


def test_cli_serves_until_terminated(mint_token: Any) -> None:
    secret = "cli-secret-0123456789abcdef0123456789abcdef"
    args = ["--profile", str(PROFILE), "--port", "0", "--edition", "current", "--fault", FaultName.CREATE_RETURNS_200,
            "--secret", secret]
    proc = subprocess.Popen([sys.executable, "-m", "graph_phone_emulator", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:") and base.endswith("/v1.0")
        headers = {"Authorization": f"Bearer {mint_token(secret=secret)}"}
        r = LOOPBACK.post(base + "/users/Adele1@contoso.test/authentication/phoneMethods", headers=headers,
                          json={"phoneNumber": "+1 4255550100", "phoneType": "office"}, timeout=5)
        assert r.status_code == 200  # the fault answers 200 instead of 201
        self_token = mint_token("adele", scopes="UserAuthenticationMethod.ReadWrite", secret=secret)
        r = LOOPBACK.post(base + "/me/authentication/phoneMethods", timeout=5,
                          headers={"Authorization": f"Bearer {self_token}"},
                          json={"phoneNumber": "+1 4255550101", "phoneType": "mobile"})
        assert r.status_code == 403  # edition current: not self-service
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
