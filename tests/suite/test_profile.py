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


def minimal(**overrides) -> dict:
    raw = {
        "target": {"kind": "emulator", "base_url": "http://127.0.0.1:9"},
        "auth": {"kind": "mint", "secret": "s", "tenant_id": "t"},
        "roles": {"caller": ["u"]},
        "users": [{"key": "u", "id": "1", "upn": "u@x.test"}],
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
    (lambda r: r["users"].append({"key": "u", "id": "2", "upn": "v@x"}), "appears twice"),
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
