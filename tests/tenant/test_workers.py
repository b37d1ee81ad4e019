"""No two pytest-xdist workers share a test user, and no user stands in two written roles (issue 10 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import ProfileError
from conformance.target.profile import parse_profile
from tests.tenant.tenantkit import Recorder, as_tenant, cli, profile_dict, write_profile


def one_user_per_role(raw: dict) -> dict:
    """Keep only the first user of every role (as the example tenant profile does)."""
    raw["roles"] = {role: keys[:1] for role, keys in raw["roles"].items()}
    return raw


@pytest.mark.parametrize("flag", ["--jobs", "-n"])
def test_more_workers_than_users_of_a_role_is_refused_before_anything_is_sent(tmp_path: Path, flag: str) -> None:
    with Recorder() as nobody:
        raw = as_tenant(one_user_per_role(profile_dict(base_url=nobody.url + "/v1.0",
                                                       journal_dir=str(tmp_path / "j"))))
        path = write_profile(tmp_path / "t.toml", raw)
        proc = cli("run", "--target", str(path), flag, "2", "--results-dir", str(tmp_path / "r"))
        assert nobody.seen == []
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --jobs 2: role caller has 1 distinct user"), lines
    assert not (tmp_path / "j").exists()


def test_a_role_listing_the_same_user_twice_counts_it_once() -> None:
    raw = profile_dict(base_url="http://127.0.0.1:9/v1.0")
    raw["roles"]["ordinary_target"] = ["alex1", "alex1"]
    profile = parse_profile(raw)
    with pytest.raises(ProfileError, match="role ordinary_target has 1 distinct user"):
        profile.check_workers(2)
    profile.check_workers(1)


def test_enough_users_per_role_pass_and_the_embedded_emulator_is_exempt() -> None:
    parse_profile(profile_dict(base_url="http://127.0.0.1:9/v1.0")).check_workers(2)
    embedded = parse_profile(one_user_per_role(profile_dict()))
    embedded.check_workers(4)  # each worker starts its own emulator: nothing is shared


@pytest.mark.parametrize(("first", "second"), [("caller", "ordinary_target"), ("ordinary_target", "policy_off_user"),
                                               ("privileged_target", "caller")])
def test_one_user_in_two_written_roles_is_refused(tmp_path: Path, first: str, second: str) -> None:
    raw = profile_dict(base_url="http://127.0.0.1:9/v1.0")
    raw["roles"][second] = list(raw["roles"][first])
    with pytest.raises(ProfileError, match=r"stands in both .* and .*; both are written to"):
        parse_profile(raw)
    with Recorder() as nobody:
        raw["target"]["base_url"] = nobody.url + "/v1.0"
        proc = cli("run", "--target", str(write_profile(tmp_path / "p.toml", raw)))
        assert nobody.seen == []
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_reader_role_may_share_its_user() -> None:
    """Global reader and an administrator are never written to: sharing a user there is harmless."""
    raw = profile_dict(base_url="http://127.0.0.1:9/v1.0")
    raw["roles"]["global_reader"] = list(raw["roles"]["auth_admin"])
    parse_profile(raw)


def test_pytest_n_is_checked_too(tmp_path: Path) -> None:
    """``pytest conformance -n 2 --target ...`` refuses the same profile (a usage error)."""
    import subprocess
    import sys

    from tests.tenant.tenantkit import ROOT, clean_env

    with Recorder() as nobody:
        raw = as_tenant(one_user_per_role(profile_dict(base_url=nobody.url + "/v1.0")))
        path = write_profile(tmp_path / "t.toml", raw)
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/suite", "-p", "no:cacheprovider",
                               "-n", "2", "--target", str(path), "-q"], cwd=ROOT, capture_output=True, text=True,
                              env=clean_env(), timeout=120)
        assert nobody.seen == []
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "role caller has 1 distinct user" in proc.stderr


# -- one identity per worker: a token is signed in as one user, whatever the worker (issue 18 item 1) --

UAM = "UserAuthenticationMethod"


def static_two_workers(raw: dict, *, per_worker: bool) -> tuple[dict, dict[str, str]]:
    """Static tokens as in the README's CI set-up: an admin and a self token, shared or one per worker."""
    from tests.tenant.test_preflight import PAA, token

    users = {"admin": ("patti1", "patti2"), "self": ("adele1", "adele2")}
    scopes = {"admin": f"{UAM}.ReadWrite.All", "self": f"{UAM}.ReadWrite"}
    entries, env = [], {}
    for name in ("admin", "self"):
        for worker in (0, 1) if per_worker else (None,):
            user = users[name][worker or 0]
            var = f"GPC_{name.upper()}_TOKEN" + (f"_{worker}" if worker is not None else "")
            env[var] = token(raw, user, scopes[name], [PAA] if name == "admin" else [])
            entry = {"name": name if worker is None else f"{name}-{worker}", "env": var, "kind": "delegated",
                     "user": user, "scopes": [scopes[name]]}
            if name == "admin":
                entry["directory_roles"] = ["privileged_authentication_administrator"]
            if worker is not None:
                entry["worker"] = worker
            entries.append(entry)
    raw["auth"] = {"kind": "static", "tenant_id": raw["auth"]["tenant_id"], "static": entries}
    return raw, env


def test_jobs_2_with_one_self_token_is_refused_before_any_request(tmp_path: Path) -> None:
    """Every role has two users, but the one ``self`` token signs in as adele1 for both workers."""
    with Recorder() as nobody:
        raw, env = static_two_workers(profile_dict(base_url=nobody.url + "/v1.0", mode="smoke", journal=True,
                                                   journal_dir=str(tmp_path / "j")), per_worker=False)
        path = write_profile(tmp_path / "t.toml", raw)
        proc = cli("run", "--target", str(path), "--jobs", "2", "--results-dir", str(tmp_path / "r"), env=env)
        assert nobody.seen == []
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --jobs 2: workers 0 and 1 would both write"), lines
    assert "worker = 0" in lines[0] and "eyJ" not in proc.stderr
    assert not (tmp_path / "j").exists()


def test_per_worker_tokens_give_each_worker_its_own_identities(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, env = static_two_workers(profile_dict(base_url="http://127.0.0.1:9/v1.0"), per_worker=True)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    profile = parse_profile(raw)
    profile.check_workers(2)
    mine = [set(profile.writable(w)) for w in (0, 1)]
    assert not mine[0] & mine[1]
    assert profile.users["adele1"].id.lower() in mine[0] and profile.users["adele2"].id.lower() in mine[1]
    with pytest.raises(ProfileError, match="role caller has 2 distinct user"):
        profile.check_workers(3)

    from conformance.target.auth.providers import SELF_CONTEXT, make_provider

    for worker, who in ((0, "adele1"), (1, "adele2")):
        provider = make_provider(profile, worker)
        assert provider.subject(SELF_CONTEXT, profile.users["alex1"]).key == who
        assert provider.token(SELF_CONTEXT, None) == env[f"GPC_SELF_TOKEN_{worker}"]


def test_a_token_signed_in_as_another_user_than_declared_counts_as_that_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker 1's entry says adele2, but its token's oid is adele1's: both workers could write adele1."""
    from tests.tenant.test_preflight import token

    raw, env = static_two_workers(profile_dict(base_url="http://127.0.0.1:9/v1.0"), per_worker=True)
    env["GPC_SELF_TOKEN_1"] = token(raw, "adele1", f"{UAM}.ReadWrite", [])
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ProfileError, match="workers 0 and 1 would both write adele1"):
        parse_profile(raw).check_workers(2)


def test_a_token_that_names_nobody_is_refused_for_parallel_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, env = static_two_workers(profile_dict(base_url="http://127.0.0.1:9/v1.0"), per_worker=True)
    entry = next(e for e in raw["auth"]["static"] if e["name"] == "self-1")
    entry.pop("user")
    env[entry["env"]] = "an-opaque-token"
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ProfileError, match="token 'self-1' names no user"):
        parse_profile(raw).check_workers(2)
    parse_profile(raw).check_workers(1)


def test_msal_delegated_entries_need_a_worker_each_too() -> None:
    raw = profile_dict(base_url="http://127.0.0.1:9/v1.0")
    raw["auth"] = {"kind": "msal", "tenant_id": raw["auth"]["tenant_id"], "msal": {
        "client_id": "00000000-0000-4000-8000-0000000000c1", "token_cache": "/tmp/gpc-never-written.json",
        "device_code": False, "delegated": [
            {"name": "admin", "user": "patti1", "scopes": [f"{UAM}.ReadWrite.All"], "token_env": "A"},
            {"name": "self", "user": "adele1", "scopes": [f"{UAM}.ReadWrite"], "token_env": "S"}]}}
    with pytest.raises(ProfileError, match="would both write"):
        parse_profile(raw).check_workers(2)
    delegated = raw["auth"]["msal"]["delegated"]
    raw["auth"]["msal"]["delegated"] = [
        {**e, "name": f"{e['name']}-{w}", "worker": w, "user": e["user"][:-1] + str(w + 1)}
        for e in delegated for w in (0, 1)]
    parse_profile(raw).check_workers(2)
    raw["auth"]["msal"]["delegated"][0]["worker"] = -1
    with pytest.raises(ProfileError, match="worker must be a worker number"):
        parse_profile(raw)


def test_the_preflight_checks_every_workers_own_tokens(tmp_path: Path) -> None:
    """Worker 1's tokens are decoded and offered to the target too, each as itself (no false 'signed in as')."""
    from tests.tenant.tenantkit import PHONES, emulator_process

    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu) as base_url, Recorder(upstream=base_url.removesuffix("/v1.0")) as proxy:
        raw, env = static_two_workers(profile_dict(base_url=proxy.url + "/v1.0", mode="smoke", journal=True,
                                                   journal_dir=str(tmp_path / "j")), per_worker=True)
        env["GPC_SELF_TOKEN_1"] = env["GPC_SELF_TOKEN_1"][:-4] + "AAAA"  # a signature the target refuses
        path = write_profile(tmp_path / "t.toml", raw)
        proc = cli("run", "--target", str(path), "--jobs", "2", "--results-dir", str(tmp_path / "r"), env=env)
        assert proxy.writes() == []
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr
    assert proc.stderr.strip().splitlines()[-1].endswith("rejected the credentials of self-1 (401)"), proc.stderr
    assert "signed in as" not in proc.stderr
