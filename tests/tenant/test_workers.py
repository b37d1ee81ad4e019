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
