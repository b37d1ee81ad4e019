"""Preflight with pre-acquired tokens: one line naming what each role lacks; exit 3 on rejected credentials."""

from __future__ import annotations

import time
from pathlib import Path

import jwt

from tests.tenant.tenantkit import PHONES, cli, emulator_process, profile_dict, write_profile

SECRET = "loopback-hs256-9f3c1a7e5b2d4f60a8c3e1b7d5f9a2c4"
UAM = "UserAuthenticationMethod"
PAA = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"


def token(raw: dict, user_key: str, scp: str, wids: list[str], secret: str = SECRET) -> str:
    user = next(u for u in raw["users"] if u["key"] == user_key)
    tid, now = raw["auth"]["tenant_id"], int(time.time())
    return jwt.encode({"aud": "https://graph.microsoft.com", "iss": f"https://sts.windows.net/{tid}/", "tid": tid,
                       "oid": user["id"], "upn": user["upn"], "idtyp": "user", "scp": scp, "wids": wids,
                       "iat": now - 10, "nbf": now - 10, "exp": now + 600}, secret, algorithm="HS256")


def static_profile(tmp_path: Path, base_url: str, reader_secret: str = SECRET) -> tuple[Path, dict[str, str]]:
    raw = profile_dict(base_url=base_url, phones=PHONES, mode="smoke", journal=True,
                       journal_dir=str(tmp_path / "journal"))
    env = {"GPC_ADMIN_TOKEN": token(raw, "patti1", f"{UAM}.ReadWrite.All", [PAA]),
           "GPC_SELF_TOKEN": token(raw, "adele1", f"{UAM}.ReadWrite", []),
           "GPC_READER_TOKEN": token(raw, "gina1", f"{UAM}.Read", [], secret=reader_secret)}
    raw["auth"] = {"kind": "static", "tenant_id": raw["auth"]["tenant_id"], "static": [
        {"name": "admin", "env": "GPC_ADMIN_TOKEN", "kind": "delegated", "user": "patti1",
         "scopes": [f"{UAM}.ReadWrite.All"], "directory_roles": ["privileged_authentication_administrator"]},
        {"name": "self", "env": "GPC_SELF_TOKEN", "kind": "delegated", "user": "adele1",
         "scopes": [f"{UAM}.ReadWrite"]},
        {"name": "reader", "env": "GPC_READER_TOKEN", "kind": "delegated", "user": "gina1",
         "scopes": [f"{UAM}.Read.All"], "directory_roles": ["global_reader"]},
    ]}
    return write_profile(tmp_path / "static.toml", raw), env


def test_preflight_says_in_one_line_which_role_lacks_what(tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu) as base_url:
        path, env = static_profile(tmp_path, base_url)
        proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"), env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("preflight:")]
    assert lines == [f"preflight: reader (gina1) lacks scope {UAM}.Read.All; lacks directory role global_reader"]
    assert "eyJ" not in proc.stdout + proc.stderr


def test_credentials_the_target_rejects_exit_3_before_any_test(tmp_path: Path) -> None:
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu) as base_url:
        path, env = static_profile(tmp_path, base_url, reader_secret="another-secret-0123456789abcdef-xyz")
        proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"), env=env)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: target {base_url} rejected the credentials of reader (401)")
    assert not (tmp_path / "r" / "results.json").exists() and not (tmp_path / "journal").exists()
