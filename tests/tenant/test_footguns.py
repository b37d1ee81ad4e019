"""Operator footguns refused (issue 10 item 7): a Graph host called an emulator, an env override of
base_url, a list answer that is not {"value": [...]}, a world-readable journal folder, a garbled token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from conformance.core.errors import ProfileError
from conformance.safety.guarded import GuardedTarget
from conformance.safety.journal import Journal
from conformance.target.client import TargetBroken
from conformance.target.profile import load_profile, parse_profile
from tests.tenant.tenantkit import Recorder, cli, profile_dict, write_profile
from tests.tenant.test_preflight import static_profile

GRAPH_URLS = ["https://graph.microsoft.com/v1.0", "https://GRAPH.Microsoft.com./beta", "https://graph.microsoft.us/v1.0",
              "https://dod-graph.microsoft.us/v1.0", "https://microsoftgraph.chinacloudapi.cn/v1.0",
              "https://canary.graph.microsoft.com:443/v1.0", "http://graph%2emicrosoft.com/v1.0",
              "http://graph.microsoft.com%2e/v1.0", "http://graph.microsoft.com\\@127.0.0.1/v1.0"]


@pytest.mark.parametrize("url", GRAPH_URLS)
def test_an_emulator_profile_pointing_at_microsoft_graph_is_refused(url: str) -> None:
    raw = profile_dict(base_url=url)
    with pytest.raises(ProfileError, match=r'kind = "emulator" but base_url\'s host .* is Microsoft Graph'):
        parse_profile(raw)
    raw["target"]["kind"] = "tenant"
    raw["auth"] = {**raw["auth"], "secret_env": "X"}
    raw["auth"].pop("secret")
    if "@" in url:  # two parsers, two hosts: refused for a tenant too (and never echoed)
        with pytest.raises(ProfileError, match="user name or password"):
            parse_profile(raw)
        return
    assert parse_profile(raw).kind == "tenant"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1.0", "https://graph.microsoft.com.example.test/v1.0",
                                 "https://notgraph.microsoft.community/v1.0", "https://mygraph.microsoft.company/v1"])
def test_other_hosts_stay_emulators(url: str) -> None:
    assert parse_profile(profile_dict(base_url=url)).base_url == url


def test_the_cli_refuses_it_in_one_line_exit_2(tmp_path: Path) -> None:
    path = write_profile(tmp_path / "p.toml", profile_dict(base_url=GRAPH_URLS[0]))
    proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "is Microsoft Graph" in proc.stderr


def test_no_environment_variable_overrides_the_profiles_base_url(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GRAPHCONF_BASE_URL", "https://graph.microsoft.com/v1.0")
    path = write_profile(tmp_path / "p.toml", profile_dict(base_url="http://127.0.0.1:9/v1.0"))
    assert load_profile(path).base_url == "http://127.0.0.1:9/v1.0"
    assert load_profile(None).embedded


@pytest.mark.parametrize("body", ['[]', '{"value": {}}', '{"value": "abc"}', '{"value": [1, 2]}', '{"values": []}',
                                  'not json', '{"value": null}'])
def test_a_list_answer_that_is_not_a_value_list_stops_every_write_to_that_user(tmp_path: Path, body: str) -> None:
    with Recorder(status=200, body=body) as odd:
        raw = profile_dict(base_url=odd.url + "/v1.0", journal=True, journal_dir=str(tmp_path / "j"))
        profile = parse_profile(raw)
        target = GuardedTarget(profile=profile, base_url=profile.base_url, edition="seed")
        target.client.session.trust_env = False
        user = target.user("ordinary_target")
        with pytest.raises(TargetBroken, match=r"is not \{\"value\": \[ \{\.\.\.\} \]\}"):
            target.client.update(f"/users/{user.id}", "3179e48a-750b-4051-897c-87b9720928f7",
                                 {"phoneNumber": "+1 2065550100"}, target.admin_token(user))
        with pytest.raises(TargetBroken):
            target.reset(user, {"mobile": "+1 2065550100"})
        assert odd.writes() == [] and len(odd.seen) == 2


def test_a_run_against_such_a_target_is_broken_exit_4_and_writes_nothing(tmp_path: Path) -> None:
    with Recorder(status=200, body='{"value": {"mobile": "+1 2065550100"}}') as odd:
        raw = profile_dict(base_url=odd.url + "/v1.0", journal=True, journal_dir=str(tmp_path / "j"))
        path = write_profile(tmp_path / "p.toml", raw)
        proc = cli("run", "--target", str(path), "--rule", "update-204", "--quick", "--no-shrink",
                   "--results-dir", str(tmp_path / "r"))
        assert odd.writes() == []
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr


def test_the_journal_folder_is_made_private_even_when_it_existed(tmp_path: Path) -> None:
    folder = tmp_path / "journal"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    profile = parse_profile(profile_dict(base_url="http://127.0.0.1:9/v1.0", journal=True, journal_dir=str(folder)))
    journal = Journal.open(profile, lambda user: {})
    journal.before_write(profile.user_for("ordinary_target"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["eyJ0eXAi.e30.sig ", " eyJ0eXAi.e30.sig", "eyJ0eXAi.e30.sig\n", "eyJ0eX\tAi.e30.sig",
                                 "eyJ0eXAi.e30\x7f.sig", "eyJ0eXAi.e30\u00a0.sig", "eyJ0eXAi.e30\u200b.sig",
                                 "Bearer eyJ0eXAi.e30.sig"])
def test_a_token_with_whitespace_or_control_characters_is_a_one_line_error_exit_2(tmp_path: Path, bad: str) -> None:
    with Recorder() as nobody:
        path, env = static_profile(tmp_path, nobody.url + "/v1.0")
        env["GPC_SELF_TOKEN"] = bad
        proc = cli("run", "--target", str(path), "--results-dir", str(tmp_path / "r"), env=env)
        assert nobody.seen == []
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "GPC_SELF_TOKEN" in lines[0] and "whitespace or a control character" in lines[0]
    assert "eyJ0eX" not in proc.stderr
