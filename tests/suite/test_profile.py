"""Target profiles: the default loads; each broken profile gets one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.errors import CredentialError, ProfileError
from conformance.target.profile import DEFAULT_PROFILE, load_profile, parse_profile


def test_default_profile_names_every_role_for_two_workers() -> None:
    profile = load_profile()
    assert profile.embedded and profile.edition == "seed" and profile.mode == "full"
    for role in ("caller", "ordinary_target", "privileged_target", "auth_admin", "privileged_auth_admin",
                 "global_admin", "policy_off_user"):
        assert profile.user_for(role, 0) != profile.user_for(role, 1), role
    assert profile.user_for("caller", 2) == profile.user_for("caller", 0)


U1 = "00000000-0000-4000-8000-000000000001"
U2 = "00000000-0000-4000-8000-000000000002"


def minimal(**overrides) -> dict:
    raw = {
        "target": {"kind": "emulator", "base_url": "http://127.0.0.1:9"},
        "auth": {"kind": "mint", "secret": "s", "tenant_id": "t"},
        "roles": {"caller": ["u"]},
        "users": [{"key": "u", "id": U1, "upn": "u@x.test"}],
    }
    for key, value in overrides.items():
        raw[key] = value
    return raw


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda r: r.pop("target"), "missing [target]"),
    (lambda r: r["target"].update(kind="cloud"), "kind must be one of"),
    (lambda r: r["target"].update(edition="2019"), "edition must be one of"),
    (lambda r: r["target"].update(base_url="ftp://x"), "base_url must start with"),
    (lambda r: r["target"].update(request_budget=-1), "request_budget"),
    (lambda r: r["auth"].update(kind="password"), "[auth] kind must be one of"),
    (lambda r: r["auth"].pop("tenant_id"), "tenant_id is required"),
    (lambda r: r["roles"].update(caller=["ghost"]), "unknown user(s) ghost"),
    (lambda r: r["roles"].update(boss=["u"]), "unknown role 'boss'"),
    (lambda r: r.update(users=[]), "no [[users]]"),
    (lambda r: r["users"].append({"key": "u", "id": U2, "upn": "v@x"}), "appears twice"),
    (lambda r: r["target"].update(kind="tenant", base_url="https://graph.microsoft.com/v1.0"),
     "secret may only be written in an emulator profile"),
])
def test_broken_profiles_get_one_line_errors(mutate, message) -> None:
    raw = minimal()
    mutate(raw)
    with pytest.raises(ProfileError) as err:
        parse_profile(raw, source=Path("p.toml"))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no such file"):
        load_profile(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[target\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(bad)


def test_secret_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = minimal(auth={"kind": "mint", "secret_env": "GPC_TEST_SECRET", "tenant_id": "t"})
    profile = parse_profile(raw)
    monkeypatch.delenv("GPC_TEST_SECRET", raising=False)
    with pytest.raises(CredentialError, match="GPC_TEST_SECRET"):
        profile.auth.resolved_secret()
    monkeypatch.setenv("GPC_TEST_SECRET", "abc")
    assert profile.auth.resolved_secret() == "abc"


def test_default_profile_file_is_the_packaged_one() -> None:
    assert DEFAULT_PROFILE.name == "emulator.toml" and DEFAULT_PROFILE.exists()


# -- anything the tools do not understand is an error (issue 18 item 10) --------------------------


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda r: r["target"].update(request_buget=100), "unknown key 'request_buget' in [target] (did you mean "
                                                      "request_budget?)"),
    (lambda r: r["target"].update(Mode="full"), "unknown key 'Mode' in [target] (did you mean mode?)"),
    (lambda r: r.update(taget={}), "unknown key 'taget' in the top level (did you mean target?)"),
    (lambda r: r["auth"].update(tenantid="t"), "unknown key 'tenantid' in [auth] (did you mean tenant_id?)"),
    (lambda r: r["auth"].update(static=[{"name": "a", "env": "E", "scope": []}]),
     "unknown key 'scope' in [[auth.static]] entry 1 (did you mean scopes?)"),
    (lambda r: r["auth"].update(msal={"client_id": "c", "delegated": [{"name": "a", "user": "u", "scopes": ["s"],
                                                                       "tokenenv": "X"}]}),
     "unknown key 'tokenenv' in [[auth.msal.delegated]] entry 1 (did you mean token_env?)"),
    (lambda r: r["users"][0].update(sms_signin=True), "unknown key 'sms_signin' in [[users]] entry 1 (did you "
                                                      "mean sms_sign_in?)"),
    (lambda r: r.update(emulator={"lag": 5}), "unknown key 'lag' in [emulator] (did you mean lag_ms?)"),
    (lambda r: r["target"].update(zzz=1), "unknown key 'zzz' in [target] (known: "),
    (lambda r: r["roles"].update(callers=["u"]), "unknown role 'callers' (did you mean caller?)"),
])
def test_unknown_keys_are_refused_naming_the_nearest_known_one(mutate, message) -> None:
    raw = minimal()
    mutate(raw)
    with pytest.raises(ProfileError) as err:
        parse_profile(raw, source=Path("p.toml"))
    assert message in str(err.value) and "\n" not in str(err.value), str(err.value)
    assert err.value.exit_code == 2


def test_a_misspelt_budget_in_a_file_is_exit_2_in_one_line_and_nothing_runs(tmp_path: Path) -> None:
    from tests.tenant.tenantkit import Recorder, as_tenant, cli, profile_dict, write_profile

    with Recorder() as nobody:
        raw = as_tenant(profile_dict(base_url=nobody.url + "/v1.0"))
        raw["target"].pop("request_budget", None)
        raw["target"]["request_buget"] = 100
        proc = cli("run", "--target", str(write_profile(tmp_path / "p.toml", raw)), "--results-dir",
                   str(tmp_path / "r"))
        assert nobody.seen == []
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: profile {tmp_path / 'p.toml'}: unknown key 'request_buget' in [target] "
        "(did you mean request_budget?)"]


@pytest.mark.parametrize("bad", ["1", "A", "00000000-0000-0000-0000-00000000000",
                                 "00000000-0000-0000-0000-0000000000001",
                                 "{00000000-0000-0000-0000-000000000001}", "00000000000000000000000000000001",
                                 "0000000g-0000-0000-0000-000000000001", " 00000000-0000-0000-0000-000000000001",
                                 "00000000-0000-0000-0000-000000000001\n"])
def test_user_ids_must_be_guids(bad: str) -> None:
    raw = minimal()
    raw["users"][0]["id"] = bad
    with pytest.raises(ProfileError, match="id must be the user's object id, a GUID"):
        parse_profile(raw)
    raw["users"][0]["id"] = "0A1B2C3D-0000-4000-8000-00000000000F"  # upper case is a GUID too
    parse_profile(raw)


@pytest.mark.parametrize("url", ["http://user:pw@127.0.0.1:9/v1.0", "https://someone:S3cret-Pa55@graph.microsoft.com/v1",
                                 "http://S3cret-Pa55@127.0.0.1/v1.0", "http://:S3cret-Pa55@127.0.0.1/v1.0",
                                 "htp://u:S3cret-Pa55@127.0.0.1/v1.0"])
@pytest.mark.parametrize("kind", ["emulator", "tenant"])
def test_a_base_url_with_a_password_is_refused_without_echoing_it(url: str, kind: str) -> None:
    raw = minimal()
    raw["target"].update(base_url=url, kind=kind)
    if kind == "tenant":
        raw["auth"] = {"kind": "mint", "secret_env": "X", "tenant_id": "t"}
    with pytest.raises(ProfileError) as err:
        parse_profile(raw, source=Path("p.toml"))
    text = str(err.value)
    assert "S3cret" not in text and "pw" not in text.replace("p.toml", "") and "\n" not in text, text
    assert err.value.exit_code == 2


def test_the_cli_refuses_a_base_url_with_a_password_in_one_line(tmp_path: Path) -> None:
    from tests.tenant.tenantkit import cli, profile_dict, write_profile

    raw = profile_dict(base_url="http://gpc:S3cret-Pa55@127.0.0.1:9/v1.0")
    proc = cli("run", "--target", str(write_profile(tmp_path / "p.toml", raw)), "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "user name or password" in proc.stderr and "S3cret" not in proc.stdout + proc.stderr


@pytest.mark.parametrize("url", ["http://graph%2emicrosoft.com/v1.0", "http://graph.microsoft.com%2e/v1.0",
                                 "http://graph.microsoft.com\\@127.0.0.1/v1.0", "http://GRAPH%2Emicrosoft%2Ecom/beta",
                                 "http://graph.microsoft.com\\@127.0.0.1:8080", "http://graph%2Emicrosoft.us/v1.0"])
def test_the_graph_host_check_reads_the_url_as_the_http_library_sends_it(url: str) -> None:
    import requests
    from urllib3.util import parse_url

    sent = parse_url(requests.Request("GET", url + "/x").prepare().url).host.rstrip(".").lower()
    assert sent.endswith(("graph.microsoft.com", "graph.microsoft.us")), sent  # what requests would connect to
    raw = minimal()
    raw["target"]["base_url"] = url
    with pytest.raises(ProfileError, match="is Microsoft Graph: that is a tenant"):
        parse_profile(raw)


# -- the emulator reads the same file, as strictly (it may not import the suite) -------------------


def test_the_emulator_refuses_unknown_keys_too(tmp_path: Path) -> None:
    from graph_phone_emulator.config import ConfigError, load_config
    from tests.tenant.tenantkit import profile_dict, write_profile

    for table, key, hint in [("emulator", "lag", "lag_ms"), ("target", "request_buget", "request_budget"),
                             ("auth", "secrett", "secret")]:
        raw = profile_dict()
        raw[table][key] = 1
        with pytest.raises(ConfigError, match=rf"unknown key '{key}' in \[{table}\] \(did you mean {hint}\?\)"):
            load_config(write_profile(tmp_path / "e.toml", raw))
    raw = profile_dict()
    raw["users"][0]["phone"] = {}
    with pytest.raises(ConfigError, match=r"unknown key 'phone' in \[\[users\]\] entry 1 \(did you mean phones\?\)"):
        load_config(write_profile(tmp_path / "e.toml", raw))
    raw = profile_dict()
    raw["extra"] = {}
    with pytest.raises(ConfigError, match="unknown key 'extra' in the top level"):
        load_config(write_profile(tmp_path / "e.toml", raw))
    raw = profile_dict()
    raw["users"][0]["id"] = "1"
    with pytest.raises(ConfigError, match="id must be the user's object id, a GUID"):
        load_config(write_profile(tmp_path / "e.toml", raw))


def test_the_emulator_and_the_suite_know_the_same_profile_keys() -> None:
    from conformance.target import profile
    from graph_phone_emulator import config

    assert set(config.PROFILE_KEYS["target"]) == set(profile.TARGET_KEYS)
    assert set(config.PROFILE_KEYS["emulator"]) == set(profile.EMULATOR_KEYS)
    assert set(config.PROFILE_KEYS["users"]) == set(profile.USER_KEYS)
    assert set(config.PROFILE_KEYS["auth"]) == set(profile.PROFILE_SCHEMA["auth"])
    assert set(config.PROFILE_KEYS) == set(profile.PROFILE_SCHEMA)
    assert set(config.ROLE_NAMES) == set(profile.ROLES)
