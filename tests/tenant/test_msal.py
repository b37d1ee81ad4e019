"""MSAL tokens (``[auth] kind = "msal"``), with MSAL replaced by a loopback-only stand-in.

No Microsoft endpoint is contacted: ``tests/tenant/fake_msal`` implements the few MSAL calls the
provider makes and signs tokens with the emulator's secret, so a whole run can use "real" tokens.
"""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from conformance.core.errors import CredentialError, ProfileError, ToolError
from conformance.target.auth.claims import decode
from conformance.target.auth.msal_tokens import MISSING_MSAL, MsalProvider
from conformance.target.auth.providers import ADMIN_CONTEXT, SELF_CONTEXT
from conformance.target.profile import parse_profile
from strategies.permissions import PermissionContext
from tests.tenant.tenantkit import (
    PHONES,
    ROOT,
    Recorder,
    admin_state,
    cli,
    emulator_process,
    profile_dict,
    write_profile,
)

HERE = Path(__file__).resolve().parent
FAKE = HERE / "fake_msal"
UAM = "UserAuthenticationMethod"
SECRET = "loopback-hs256-9f3c1a7e5b2d4f60a8c3e1b7d5f9a2c4"


def msal_profile(tmp_path: Path, base_url: str = "https://graph.example.invalid/v1.0", **msal) -> dict:
    """A tenant profile with MSAL tokens: an app with a secret, an administrator and a self-service user."""
    raw = profile_dict(base_url=base_url, phones=PHONES, journal_dir=str(tmp_path / "journal"), settle_s=0,
                       consistency_timeout_s=0)
    raw["target"].update(kind="tenant")
    raw["target"].pop("mode")
    raw["target"].pop("request_budget")
    raw["auth"] = {"kind": "msal", "tenant_id": raw["auth"]["tenant_id"], "app_id": raw["auth"]["app_id"],
                   "msal": {"client_id": "11111111-2222-3333-4444-555555555555",
                            "client_secret_env": "GPC_TEST_CLIENT_SECRET",
                            "app_roles": [f"{UAM}.ReadWrite.All"],
                            "token_cache": str(tmp_path / "cache" / "msal.json"),
                            "delegated": [
                                {"name": "admin", "user": "patti1", "scopes": [f"{UAM}.ReadWrite.All"]},
                                {"name": "self", "user": "adele1", "scopes": [f"{UAM}.ReadWrite"]},
                            ], **msal}}
    return raw


def fake_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The stand-in's configuration: who can sign in, what is consented, the secret."""
    raw = profile_dict()
    users = {u["upn"].lower(): {"oid": u["id"], "wids": u.get("roles", [])} for u in raw["users"]}
    env = {"FAKE_MSAL_SECRET": SECRET, "FAKE_MSAL_TENANT": raw["auth"]["tenant_id"],
           "FAKE_MSAL_USERS": json.dumps(users), "FAKE_MSAL_DEVICE_USERS": "patti1@contoso.test,adele1@contoso.test",
           "FAKE_MSAL_CONSENTED": f"{UAM}.ReadWrite.All,{UAM}.ReadWrite",
           "FAKE_MSAL_APP_ROLES": f"{UAM}.ReadWrite.All", "FAKE_MSAL_CLIENT_SECRET": "s3cr3t-value",
           "GPC_TEST_CLIENT_SECRET": "s3cr3t-value", "FAKE_MSAL_LOG": str(tmp_path / "msal.log")}
    env.update(extra)
    return env


@pytest.fixture
def fake(monkeypatch, tmp_path: Path):
    """Install the stand-in as ``msal`` for this process."""
    spec = importlib.util.spec_from_file_location("msal", FAKE / "msal" / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "msal", module)
    for k, v in fake_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    return module


# -- profile validation ---------------------------------------------------------------------------


def test_a_token_cache_inside_the_repository_is_refused(tmp_path: Path) -> None:
    for inside in (ROOT / "msal-cache.json", ROOT / "reports" / "cache.json"):
        with pytest.raises(ProfileError, match="is inside a repository"):
            parse_profile(msal_profile(tmp_path, token_cache=str(inside)))


@pytest.mark.parametrize(("change", "message"), [
    ({"client_secret": "x"}, "secrets never go in a profile"),
    ({"certificate_path_env": "X"}, "go together"),
    ({"delegated": [{"name": "x", "user": "ghost", "scopes": ["a"]}]}, "unknown user 'ghost'"),
    ({"delegated": [{"name": "x", "user": "adele1", "scopes": []}]}, "non-empty list"),
    ({"authority": "http://login.example"}, "must be an https:// URL"),
])
def test_broken_msal_tables_get_one_line_errors(tmp_path: Path, change, message) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(msal_profile(tmp_path, **change))


def test_defaults_authority_from_the_tenant_and_a_cache_outside_the_repository(tmp_path: Path) -> None:
    raw = msal_profile(tmp_path)
    raw["auth"]["msal"].pop("token_cache")
    cfg = parse_profile(raw).auth.msal
    assert cfg["authority"] == f"https://login.microsoftonline.com/{raw['auth']['tenant_id']}"
    assert not cfg["token_cache"].startswith(str(ROOT)) and cfg["token_cache"].endswith(".json")


# -- msal itself ----------------------------------------------------------------------------------


def test_missing_msal_is_a_one_line_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "msal", None)
    with pytest.raises(ToolError) as err:
        MsalProvider(parse_profile(msal_profile(tmp_path)))
    assert str(err.value) == MISSING_MSAL == "msal is not installed: pip install '.[tenant]'"
    assert err.value.exit_code == 2


def test_pre_acquired_tokens_need_no_msal(monkeypatch, tmp_path: Path, fake) -> None:
    token = fake._user_token("adele1@contoso.test", [f"{UAM}.ReadWrite"])["access_token"]
    monkeypatch.setitem(sys.modules, "msal", None)
    monkeypatch.setenv("GPC_SELF_TOKEN", token)
    raw = msal_profile(tmp_path, delegated=[{"name": "self", "user": "adele1", "scopes": [f"{UAM}.ReadWrite"],
                                             "token_env": "GPC_SELF_TOKEN"}])
    del raw["auth"]["msal"]["client_secret_env"]
    provider = MsalProvider(parse_profile(raw))
    assert provider.supports(SELF_CONTEXT)
    assert provider.token(SELF_CONTEXT, None) == token


def test_the_cli_says_how_to_install_msal(tmp_path: Path) -> None:
    path = write_profile(tmp_path / "p.toml", msal_profile(tmp_path))
    proc = cli("run", "--target", str(path), env={"PYTHONPATH": str(HERE / "no_msal")})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == "error: msal is not installed: pip install '.[tenant]'"


def test_application_token_through_the_client_secret(fake, tmp_path: Path) -> None:
    provider = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=False)
    ctx = PermissionContext(token_kind="application", app_roles=(f"{UAM}.ReadWrite.All",), addressee="ordinary_target")
    assert provider.supports(ctx)
    assert decode(provider.token(ctx, None))["roles"] == [f"{UAM}.ReadWrite.All"]
    other = PermissionContext(token_kind="application", app_roles=(f"{UAM}.Read.All",), addressee="ordinary_target")
    assert not provider.supports(other)


def test_application_token_through_a_certificate(fake, monkeypatch, tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("GPC_CERT", str(pem))
    monkeypatch.setenv("GPC_THUMB", "AB:CD:EF")
    raw = msal_profile(tmp_path, certificate_path_env="GPC_CERT", certificate_thumbprint_env="GPC_THUMB")
    del raw["auth"]["msal"]["client_secret_env"]
    provider = MsalProvider(parse_profile(raw), interactive=False)
    ctx = provider.configured()[0].ctx
    assert decode(provider.token(ctx, None))["idtyp"] == "app"
    assert "cert" in (tmp_path / "msal.log").read_text()


def test_a_wrong_client_secret_is_a_one_line_credential_error_without_secrets(fake, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GPC_TEST_CLIENT_SECRET", "wrong")
    provider = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=False)
    with pytest.raises(CredentialError) as err:
        provider.token(provider.configured()[0].ctx, None)
    assert str(err.value) == ("msal: no token for application: invalid_client: "
                              "AADSTS7000215: Invalid client secret provided.")
    monkeypatch.delenv("GPC_TEST_CLIENT_SECRET")
    with pytest.raises(CredentialError, match=r"GPC_TEST_CLIENT_SECRET .* is not set"):
        fresh = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=False)
        fresh.token(fresh.configured()[0].ctx, None)


def test_device_code_prints_the_message_caches_outside_the_repo_and_never_shows_a_token(fake, tmp_path, capsys) -> None:
    profile = parse_profile(msal_profile(tmp_path))
    provider = MsalProvider(profile, interactive=True)
    admin = provider.subject(ADMIN_CONTEXT, profile.user_for("caller"))
    assert admin.key == "patti1"
    token = provider.token(ADMIN_CONTEXT, admin)
    claims = decode(token)
    assert claims["oid"] == admin.id and claims["scp"] == f"User.Read {UAM}.ReadWrite.All"
    out = capsys.readouterr()
    assert "[admin] sign in as Patti1@contoso.test: To sign in, use a web browser" in out.err
    assert token not in out.out + out.err
    cache = Path(profile.auth.msal["token_cache"])
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600 and token not in cache.read_text()
    again = MsalProvider(profile, interactive=False)  # a later run (or a pytest-xdist worker): silent
    assert decode(again.token(ADMIN_CONTEXT, admin))["oid"] == admin.id
    assert "silent patti1@contoso.test" in (tmp_path / "msal.log").read_text()


def test_scopes_are_requested_per_context(fake, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKE_MSAL_DEVICE_USERS", "adele1@contoso.test")
    provider = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=True)
    provider.token(SELF_CONTEXT, None)
    log = (tmp_path / "msal.log").read_text()
    assert f"device https://graph.microsoft.com/{UAM}.ReadWrite" in log


def test_a_token_that_stands_for_more_than_the_context_is_not_used_for_it(fake, tmp_path: Path) -> None:
    """Real tokens carry every consented scope: a ReadWrite.All token cannot stand for a Read-only caller."""
    raw = msal_profile(tmp_path)
    raw["auth"]["msal"]["delegated"][1]["scopes"] = [f"{UAM}.Read", f"{UAM}.ReadWrite.All"]
    provider = MsalProvider(parse_profile(raw), interactive=True)
    read_only = PermissionContext(token_kind="delegated", scopes=(f"{UAM}.Read",), addressee="me")
    assert not provider.supports(read_only)  # the granted ReadWrite.All would allow writes the model refuses


def test_signing_in_as_another_user_is_refused(fake, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKE_MSAL_DEVICE_USERS", "alex1@contoso.test")
    provider = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=True)
    with pytest.raises(CredentialError, match=r"admin: signed in as alex1@contoso\.test, but the entry is for"):
        provider.token(ADMIN_CONTEXT, None)


def test_without_a_cached_sign_in_a_non_interactive_run_says_what_to_do(fake, tmp_path: Path) -> None:
    provider = MsalProvider(parse_profile(msal_profile(tmp_path)), interactive=False)
    with pytest.raises(CredentialError, match=r"no cached sign-in for Patti1@contoso\.test .*token_env"):
        provider.token(ADMIN_CONTEXT, None)


def test_a_whole_smoke_run_with_msal_tokens_against_the_emulator(tmp_path: Path) -> None:
    """Device-code sign-ins, the preflight's one line, the smoke plan and the restore, end to end."""
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    env = {**fake_env(tmp_path), "PYTHONPATH": f"{FAKE}{os.pathsep}{ROOT}"}
    with emulator_process(emu) as base_url, Recorder(upstream=base_url.removesuffix("/v1.0")) as proxy:
        raw = msal_profile(tmp_path, base_url=proxy.url + "/v1.0")
        raw["auth"]["msal"]["delegated"].append(
            {"name": "reader", "user": "gina1", "scopes": [f"{UAM}.Read.All"]})
        env["FAKE_MSAL_DEVICE_USERS"] += ",gina1@contoso.test"
        path = write_profile(tmp_path / "tenant.toml", raw)
        before = admin_state(emu_view(tmp_path, base_url))
        proxy.seen.clear()
        proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"), env=env)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        assert len(proxy.seen) <= 40, f"{len(proxy.seen)} requests (preflight, smoke plan and restore)"
        assert admin_state(emu_view(tmp_path, base_url)) == before
    err = proc.stderr
    assert err.count("sign in as") == 3 and "FAKE-CODE" in err
    assert f"preflight: reader (gina1) lacks scope {UAM}.Read.All" in err
    assert "restored and verified" in err
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert data["target"]["kind"] == "tenant" and data["totals"]["passed"] == 4
    assert "eyJ" not in proc.stdout + err


def emu_view(tmp_path: Path, base_url: str) -> Path:
    """A mint profile of the same emulator, to read every user's state as the administrator."""
    return write_profile(tmp_path / "view.toml", profile_dict(base_url=base_url, phones=PHONES))
