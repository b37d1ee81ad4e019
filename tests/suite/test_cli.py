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


# -- token and replay ------------------------------------------------------------------------------
def test_token_mints_a_token_for_a_named_context_the_emulator_accepts() -> None:
    import jwt

    from conformance.target.profile import load_profile

    proc = cli("token", "--context", "admin")
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip()
    secret = load_profile(None).auth.resolved_secret()
    claims = jwt.decode(token, secret, algorithms=["HS256"], audience="https://graph.microsoft.com")
    assert claims["scp"] == "UserAuthenticationMethod.ReadWrite.All" and claims["upn"].startswith("Patti")


def test_token_takes_the_context_a_failure_prints_and_a_user() -> None:
    import jwt

    proc = cli("token", "--context", "delegated scp=UserAuthenticationMethod.ReadWrite wids=global_reader",
               "--user", "adele1")
    assert proc.returncode == 0, proc.stderr
    claims = jwt.decode(proc.stdout.strip(), options={"verify_signature": False})
    assert claims["upn"] == "Adele1@contoso.test" and claims["scp"] == "UserAuthenticationMethod.ReadWrite"
    assert claims["wids"] == ["f2ef992c-3afb-46b9-b7cf-a126ee74c451"]


@pytest.mark.parametrize(("args", "message"), [
    (("--context", "root"), "unknown context 'root'"),
    (("--context", "delegated wids=emperor"), "unknown directory role"),
    (("--context", "self", "--user", "nobody"), "unknown user 'nobody'"),
])
def test_token_bad_input_is_one_line_exit_2(args: tuple[str, ...], message: str) -> None:
    proc = cli("token", *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert message in one_line_error(proc)


def test_token_for_a_tenant_says_how_to_get_one_in_one_line() -> None:
    proc = cli("token", "--target", str(ROOT / "conformance" / "targets" / "tenant.example.toml"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert "cannot mint tokens" in one_line_error(proc) and "export TOKEN" in proc.stderr


def test_replay_of_a_rule_that_passed_or_a_missing_run_is_one_line(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from reports_synthetic import make_results, write

    write(tmp_path / "results.json", make_results())
    proc = cli("replay", str(tmp_path), "update-204")
    assert proc.returncode == 2 and "did not fail" in one_line_error(proc)
    proc = cli("replay", str(tmp_path), "no-such-rule")
    assert proc.returncode == 2 and "is not a rule of this run" in one_line_error(proc)
    proc = cli("replay", str(tmp_path / "nothing-here"), "update-204")
    assert proc.returncode == 2 and "no such file" in one_line_error(proc)


def test_curl_lines_are_shell_safe_and_expand_the_token() -> None:
    import shlex

    from conformance.target.client import Exchange

    ex = Exchange("PATCH", "http://127.0.0.1:1/v1.0/users/O'Brien@x.test/authentication/phoneMethods/m",
                  {"Accept": "application/json", "Authorization": "Bearer MASKED"}, '{"phoneNumber": "+1 $(rm -rf)"}',
                  204, {}, "", 1.0)
    line = ex.curl()
    assert '-H "Authorization: Bearer $TOKEN"' in line
    words = shlex.split(line.replace("$TOKEN", "t0k"))
    assert words[words.index("--data-raw") + 1] == '{"phoneNumber": "+1 $(rm -rf)"}'
    assert "http://127.0.0.1:1/v1.0/users/O'Brien@x.test/authentication/phoneMethods/m" in words
    assert "Authorization: Bearer t0k" in words


def test_the_kill_matrix_prints_a_line_per_run_and_a_summary() -> None:
    import io

    from conformance.cli.kill_matrix.matrix import Outcome, build_report
    from conformance.cli.kill_matrix.progress import Progress, summary

    out = io.StringIO()
    progress = Progress(3, clean={"clean-1"}, stream=out)
    progress.start(2, ["--quick"])
    outcomes = [Outcome("accept-letters", [], 1, 4.2, ["number-invalid-rejected"]),
                Outcome("no-token-accepted", [], 0, 3.0), Outcome("clean-1", [], 0, 60.0)]
    for o in outcomes:
        progress.finished(o)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("kill matrix: 1 clean configuration(s) and 2 fault(s), 2 worker(s), --quick")
    assert lines[1].startswith("[1/3] killed ") and "by number-invalid-rejected" in lines[1] and "left" in lines[1]
    assert lines[2].startswith("[2/3] SURVIVED ") and "no-token-accepted" in lines[2]
    assert lines[3].startswith("[3/3] pass ") and "left" not in lines[3]
    from conformance.cli.kill_matrix.portability import clean_configurations

    first = clean_configurations()[0]
    outcomes[2].name = first.name
    report = build_report(outcomes, all_faults=False, seconds=70.0, clean_runs={first.name: first}, attribute=False)
    text = summary(report, "reports/latest/faults.md")
    assert "faults: 1/2 killed, 1 survived (no-token-accepted)" in text and "reports/latest/faults.md" in text
    assert "|" not in text, "no markdown on the terminal"


def test_a_smoke_run_counts_its_checks_instead_of_listing_skips() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from reports_synthetic import make_results

    from conformance.cli.terminal import SMOKE_SKIP, final_report
    from conformance.pytest_plugin.collector import rule_verdicts

    data = make_results()
    for t in data["tests"]:
        if not t["rules"][0].startswith(("update-204", "error-envelope")):
            t["outcome"], t["message"] = "skipped", SMOKE_SKIP
    data["rules"] = rule_verdicts(data["tests"], "seed")
    data["totals"].update(passed=sum(t["outcome"] == "passed" for t in data["tests"]),
                          skipped=sum(t["outcome"] == "skipped" for t in data["tests"]))
    data["target"]["mode"] = "smoke"
    text = final_report(data, "reports/latest")
    ran = sum(t["outcome"] == "passed" for t in data["tests"])
    hidden = sum(r["verdict"] == "skipped" for r in data["rules"].values())
    assert f"smoke: {ran} checks; {hidden} rules not in smoke" in text
    assert "SKIP" not in text and "skipped" not in text.splitlines()[-1]
    assert [ln.split()[1] for ln in text.splitlines() if ln.startswith("  PASS")] == ["update-204", "error-envelope"]


def test_replay_refuses_to_send_a_write_to_a_tenant(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from reports_synthetic import make_results, write

    data = make_results({"update-204": "failed"}, kind="tenant")
    data["rules"]["update-204"]["replay"] = {"method": "PATCH", "path": "/me/authentication/phoneMethods/x",
                                             "headers": {}, "status": 200, "authorization": "token"}
    write(tmp_path / "results.json", data)
    proc = cli("replay", str(tmp_path), "update-204", "--target",
               str(ROOT / "conformance" / "targets" / "tenant.example.toml"))
    assert proc.returncode == 2 and "replay sends only reads to a tenant" in one_line_error(proc)


def test_replay_sends_a_tenant_token_nowhere_but_its_profile_and_reads_no_host_from_an_edited_results_file(
        tmp_path: Path) -> None:
    """A results file is data anyone may edit: its recorded URL must be a loopback emulator's; and a tenant
    profile's token never goes to a --base-url."""
    sys.path.insert(0, str(Path(__file__).parent))
    from reports_synthetic import make_results, write

    data = make_results()
    rule = data["rules"]["update-204"]
    rule["verdict"] = "fail"
    rule["replay"] = {"method": "GET", "path": "/users/x/authentication/phoneMethods", "headers": {},
                      "url": "http://evil.example.test/v1.0/users/x/authentication/phoneMethods",
                      "authorization": "token", "context": "admin", "subject": None, "status": 200, "answer": ""}
    data["target"]["profile"] = None
    write(tmp_path / "results.json", data)
    proc = cli("replay", str(tmp_path), "update-204")
    assert proc.returncode == 2 and "non-loopback" in one_line_error(proc), proc.stdout + proc.stderr
    tenant = ROOT / "conformance" / "targets" / "tenant.example.toml"
    proc = cli("replay", str(tmp_path), "update-204", "--target", str(tenant), "--base-url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "refused for a tenant" in one_line_error(proc), proc.stdout + proc.stderr
