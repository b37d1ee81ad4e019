"""The CLI: one-line errors with distinct exit codes, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "conformance", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=env)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(err.splitlines()) == 1, proc.stderr
    return err


def test_rules_lists_the_catalog() -> None:
    proc = cli("rules")
    assert proc.returncode == 0 and "update-204" in proc.stdout and "type-immutable" in proc.stdout


def test_missing_profile_is_exit_2(tmp_path: Path) -> None:
    proc = cli("run", "--target", str(tmp_path / "missing.toml"))
    assert proc.returncode == 2
    assert "no such file" in one_line_error(proc)


def test_broken_profile_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[target]\nkind = "emulator"\nedition = "1999"\n')
    proc = cli("run", "--target", str(bad))
    assert proc.returncode == 2
    assert "edition must be one of" in one_line_error(proc)


def test_unknown_rule_is_exit_2() -> None:
    proc = cli("run", "--rule", "no-such-rule")
    assert proc.returncode == 2
    assert "unknown rule" in one_line_error(proc)


def test_bad_usage_is_exit_2() -> None:
    proc = cli("run", "--edition", "beta")
    assert proc.returncode == 2
    assert "invalid choice" in one_line_error(proc)


@pytest.mark.parametrize(("choice", "message"), [("oops", "is not key=value"),
                                                ("bad_body_status=418", "bad_body_status must be one of"),
                                                ("nope=1", "unknown choice")])
def test_bad_emulator_choice_is_exit_2(choice: str, message: str) -> None:
    proc = cli("run", "--emulator-choice", choice)
    assert proc.returncode == 2
    assert message in one_line_error(proc)


def test_emulator_choice_needs_the_embedded_emulator(tmp_path: Path) -> None:
    profile = tmp_path / "remote.toml"
    text = (ROOT / "conformance" / "targets" / "emulator.toml").read_text()
    profile.write_text(text.replace('base_url = ""', 'base_url = "http://127.0.0.1:9/v1.0"', 1))
    proc = cli("run", "--target", str(profile), "--emulator-choice", "gray=accept")
    assert proc.returncode == 2
    assert "embedded emulator only" in one_line_error(proc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_target_is_exit_3(tmp_path: Path) -> None:
    profile = (ROOT / "conformance" / "targets" / "emulator.toml").read_text()
    profile = profile.replace('base_url = ""', f'base_url = "http://127.0.0.1:{_free_port()}/v1.0"')
    path = tmp_path / "down.toml"
    path.write_text(profile)
    proc = cli("run", "--target", str(path))
    assert proc.returncode == 3
    assert "unreachable" in one_line_error(proc)


def test_missing_token_is_exit_2(tmp_path: Path) -> None:
    profile = (ROOT / "conformance" / "targets" / "emulator.toml").read_text()
    profile = profile.replace('base_url = ""', 'base_url = "http://127.0.0.1:9/v1.0"')
    static = ('kind = "static"\nstatic = [{name = "admin", env = "GPC_NO_SUCH_TOKEN", kind = "delegated", '
              'user = "patti1", scopes = ["UserAuthenticationMethod.ReadWrite.All"], '
              'directory_roles = ["privileged_authentication_administrator"]}]')
    profile = profile.replace('kind = "mint"', static)
    path = tmp_path / "static.toml"
    path.write_text(profile)
    proc = cli("run", "--target", str(path), env={k: v for k, v in __import__("os").environ.items()
                                                  if k != "GPC_NO_SUCH_TOKEN"})
    assert proc.returncode == 2
    assert "GPC_NO_SUCH_TOKEN" in one_line_error(proc)


@pytest.mark.parametrize("count", ["0", "-3"])
def test_samples_rejects_impossible_counts(count: str) -> None:
    proc = cli("samples", "--count", count)
    assert proc.returncode == 2
    one_line_error(proc)
