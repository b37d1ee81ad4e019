"""End to end: real suite runs against the embedded emulator, clean and with a seeded fault.

One clean run and one run with ``--emulator-fault update-not-stored`` (both ``--quick --rule
update-204``), each with a token spy loaded through ``PYTEST_PLUGINS`` that records every
Authorization header actually sent. Then: no token in any file under the results directory or in the
captured output; the fault shows up in ``compare`` as a regression (against the clean run and against
the committed baseline); Allure results carry the labels and, for the failure, the reproduction
attachments; the expectations gate and its template work on the real failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.results.compare import compare_files
from conformance.results.document import exit_code_for
from conformance.results.expectations import apply_expectations, write_template
from graph_phone_emulator.faults import FaultName

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "reports" / "baselines" / "embedded-emulator.json"
EXAMPLE = ROOT / "expectations" / "example-emulator.toml"
FAULT = FaultName.UPDATE_NOT_STORED
SPY = '''"""Records every Authorization header the suite sends, into a file outside the reports."""
import os

import requests

_send = requests.Session.send


def _spy(self, request, **kw):
    auth = request.headers.get("Authorization")
    if auth:
        with open(os.environ["GPC_TOKEN_SPY_FILE"], "a", encoding="utf-8") as fh:
            fh.write(auth + "\\n")
    return _send(self, request, **kw)


requests.Session.send = _spy
'''


@dataclass
class Run:
    """One suite run: its results directory, the CLI's answer and the tokens it really sent."""

    out: Path
    proc: subprocess.CompletedProcess
    tokens: set[str]

    @property
    def results(self) -> dict:
        return json.loads((self.out / "results.json").read_text())


def run_suite(base: Path, name: str, *extra: str, rules: tuple[str, ...] = ("update-204",),
              env: dict[str, str] | None = None) -> Run:
    spy_dir, out, spied = base / "spy", base / name, base / f"{name}.tokens"
    spy_dir.mkdir(exist_ok=True)
    (spy_dir / "gpc_token_spy.py").write_text(SPY)
    env = {**os.environ, "PYTEST_PLUGINS": "gpc_token_spy", "GPC_TOKEN_SPY_FILE": str(spied),
           "PYTHONPATH": os.pathsep.join([str(spy_dir), str(ROOT), os.environ.get("PYTHONPATH", "")]),
           **(env or {})}
    selected = [arg for rule in rules for arg in ("--rule", rule)]
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--quick", *selected,
                           "--results-dir", str(out), *extra], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=900, check=False)
    lines = spied.read_text().splitlines() if spied.exists() else []
    tokens = {ln.split(" ", 1)[1] for ln in lines if ln.startswith("Bearer ") and len(ln) > 20}
    return Run(out, proc, tokens)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = run_suite(tmp_path_factory.mktemp("e2e"), "clean")
    assert run.proc.returncode == 0, f"the suite fails on the clean emulator:\n{run.proc.stdout[-3000:]}"
    return run


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # --no-shrink: what these tests read (reports, attachments, tokens, the compare) is there either way;
    # shrinking costs 900 requests here, and a shrinking failed run is test_masking_channels' stop-hook run
    run = run_suite(tmp_path_factory.mktemp("e2e"), "fault", "--emulator-fault", FAULT, "--no-shrink")
    assert run.proc.returncode == 1, f"the seeded fault was not caught:\n{run.proc.stdout[-3000:]}"
    return run


@pytest.fixture(params=["clean", "faulty"])
def any_run(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue(request.param)


def test_no_token_appears_in_any_report_or_output(any_run: Run) -> None:
    assert any_run.tokens, "the spy saw no Authorization header: the check would prove nothing"
    signatures = {t.rsplit(".", 1)[-1] for t in any_run.tokens if t.count(".") == 2}
    needles = set(any_run.tokens) | signatures
    needles = {n for n in needles if len(n) >= 16}
    files = [p for p in any_run.out.rglob("*") if p.is_file()]
    assert any(p.name == "results.json" for p in files) and any("allure-results" in p.parts for p in files)
    leaks = [f"{p.relative_to(any_run.out)}" for p in files for n in needles if n.encode() in p.read_bytes()]
    assert leaks == []
    output = any_run.proc.stdout + any_run.proc.stderr
    assert not [n for n in needles if n in output], "a token was printed"


def test_the_seeded_fault_is_a_regression_against_the_clean_run(
        clean: Run, faulty: Run, capsys: pytest.CaptureFixture[str]) -> None:
    assert clean.results["rules"]["update-204"]["verdict"] == "pass"
    base, new = str(clean.out / "results.json"), str(faulty.out / "results.json")
    code = compare_files(base, new, markdown=False)
    text = capsys.readouterr().out
    assert code == 1
    regressions = text.split("Regressions (pass → fail):", 1)[1].split("\n\n", 1)[0]
    assert "update-204" in regressions and "pass -> fail" in regressions
    assert compare_files(base, new, markdown=True) == 1
    assert "| `update-204` | blocker | pass | **fail** |" in capsys.readouterr().out


def test_the_seeded_fault_is_a_regression_against_the_committed_baseline(
        clean: Run, faulty: Run, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = json.loads(BASELINE.read_text())
    assert "started" not in baseline and baseline["target"]["name"] == "embedded-emulator"
    assert {r["verdict"] for r in baseline["rules"].values()} <= {"pass", "skipped", "not-run"}
    assert compare_files(str(BASELINE), str(clean.out / "results.json"), markdown=False) == 0
    capsys.readouterr()
    assert compare_files(str(BASELINE), str(faulty.out / "results.json"), markdown=False) == 1
    assert "update-204" in capsys.readouterr().out.split("Regressions", 1)[1].split("\n\n", 1)[0]


def _allure_results(run: Run) -> list[dict]:
    return [json.loads(p.read_text()) for p in (run.out / "allure-results").glob("*-result.json")]


def test_allure_results_carry_labels_links_and_parameters(clean: Run) -> None:
    results = [r for r in _allure_results(clean) if "answers_204" in r["name"]]
    assert results
    labels = {(lb["name"], lb["value"]) for lb in results[0]["labels"]}
    assert {("epic", "update"), ("feature", "update"), ("story", "update-204"), ("rule", "number-valid-accepted"),
            ("severity", "blocker")} <= labels
    assert sum(name == "story" for name, _ in labels) == 1, "one story: the test shows once in Allure's tree"
    assert any("phoneauthenticationmethod-update" in link["url"] for link in results[0]["links"])
    params = {p["name"]: p for p in results[0]["parameters"]}
    assert params["token"]["mode"] == "masked"
    assert "permission context" in params and params["permission context"].get("excluded") is True


def test_allure_has_one_result_per_suite_test(any_run: Run) -> None:
    """Allure counts what the run counted: one result per test, each with its own history id."""
    results = _allure_results(any_run)
    tests = any_run.results["tests"]
    assert len(results) == len(tests)
    assert len({r["historyId"] for r in results}) == len(results), "no two results merge into one test"
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    totals = any_run.results["totals"]
    assert by_status.get("passed", 0) == totals["passed"] and by_status.get("skipped", 0) == totals["skipped"]


def test_a_failure_carries_exchanges_counterexample_seed_and_curl(faulty: Run) -> None:
    failed = [r for r in _allure_results(faulty) if r["status"] == "failed"]
    assert failed
    attachments = {a["name"]: a["source"] for a in failed[0]["attachments"]}
    names = " | ".join(attachments)
    for wanted in ("counterexample", "seed and rerun", "exchanges", "curl"):
        assert wanted in names, names
    files = faulty.out / "allure-results"
    seed = next((files / src).read_text() for name, src in attachments.items() if name == "seed and rerun")
    assert "seed: " in seed and f"--emulator-fault {FAULT}" in seed and "--rule update-204" in seed
    curl = next((files / src).read_text() for name, src in attachments.items() if name.startswith("curl"))
    assert "\ncurl -sS -i -X " in curl and '"Authorization: Bearer $TOKEN"' in curl
    exchanges = next(json.loads((files / src).read_text()) for name, src in attachments.items()
                     if "exchanges" in name)
    assert exchanges and all(ex["request_headers"].get("Authorization", "Bearer MASKED") == "Bearer MASKED"
                             for ex in exchanges)
    params = {p["name"] for p in failed[0]["parameters"]}
    assert any(p.startswith("input: ") for p in params), params


def test_own_summary_is_written_by_every_run(faulty: Run) -> None:
    page = (faulty.out / "index.html").read_text()
    assert "<script" not in page and "update-204" in page and "What failed:" in page and "Send it again:" in page
    summary = (faulty.out / "summary.md").read_text()
    assert "### `update-204` (fail)" in summary and "Reproduce:" in summary
    assert (faulty.out / "junit.xml").exists()


def test_expectations_gate_the_real_failure(faulty: Run, tmp_path: Path) -> None:
    data = faulty.results
    assert exit_code_for(data) == 1
    assert exit_code_for(apply_expectations(data, EXAMPLE)) == 0, "the example pins this fault's failures"
    template = tmp_path / "embedded-emulator.toml"
    write_template(data, template)
    out = apply_expectations(data, template)
    assert out["expectations"]["unexpected"] == [] and exit_code_for(out) == 0
    assert "update-204" in out["expectations"]["matched"]


def test_the_cli_gate_passes_with_expectations_and_writes_a_template(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("gate")
    template = base / "written.toml"
    # --no-shrink: the gate judges the verdicts, not the counterexample
    run = run_suite(base, "gated", "--emulator-fault", FAULT, "--no-shrink", "--expectations", str(EXAMPLE),
                    "--write-expectations", str(template))
    assert run.proc.returncode == 0, run.proc.stdout[-2000:] + run.proc.stderr[-2000:]
    data = run.results
    assert data["rules"]["update-204"]["verdict"] == "expected-fail"
    assert data["expectations"]["matched"] and data["expectations"]["unexpected"] == []
    assert "## Expected failures" in (run.out / "summary.md").read_text()
    assert "Expected failures" in (run.out / "index.html").read_text()
    assert 'rule = "update-204"' in template.read_text() and "wrote 2 expectation(s)" in run.proc.stderr


def test_tenant_reports_mask_the_tenants_numbers_and_keep_the_suites_own(tmp_path: Path) -> None:
    """A 'tenant' (the emulator on loopback, profile kind = tenant, users holding phones): no number a user
    held shows in any report file, in any written form; the numbers the suite generated (and sent first)
    stay in full, so the failure can be replayed (issue 18 item 7, issue 20)."""
    from graph_phone_emulator.server import start_in_thread
    from tests.suite.leakkit import Number, number_leaks
    from tests.tenant.tenantkit import PHONES, profile_dict, write_profile

    source = (ROOT / "conformance" / "targets" / "emulator.toml").read_text()
    secret = re.search(r'^secret = "([^"]+)"', source, re.MULTILINE).group(1)  # type: ignore[union-attr]
    emulator = start_in_thread(write_profile(tmp_path / "emulator.toml", profile_dict(phones=PHONES)),
                               overrides={"faults": [FaultName.SAME_TYPE_REJECTED]})  # the restore still works
    try:
        profile = (source.replace('kind = "emulator"', 'kind = "tenant"', 1)
                   .replace('base_url = ""', f'base_url = "{emulator.base_url}"')
                   .replace(f'secret = "{secret}"', 'secret_env = "GPC_TEST_TENANT_SECRET"')
                   .replace('name = "embedded-emulator"', 'name = "loopback-tenant"')
                   .replace("[target]\n", "[target]\nsettle_s = 0  # loopback: no replication delay to wait for\n", 1))
        (tmp_path / "tenant.toml").write_text(profile)
        run = run_suite(tmp_path, "tenant", "--target", str(tmp_path / "tenant.toml"), "--i-understand-this-writes",
                        rules=("gray-zone-consistent", "update-same-type-accepted"),
                        env={"GPC_TEST_TENANT_SECRET": secret})
    finally:
        emulator.stop()
    assert run.proc.returncode == 1, run.proc.stdout[-2000:] + run.proc.stderr[-2000:]
    data = run.results
    assert data["target"]["kind"] == "tenant" and data["rules"]["update-same-type-accepted"]["verdict"] == "fail"
    files = [p for p in run.out.rglob("*") if p.is_file()]
    assert any("allure-results" in p.parts and p.name.endswith("-attachment.json") for p in files)
    people = [Number(n[1:].split(" ")[0], n.split(" ")[1].split("x")[0], n) for phones in PHONES.values()
              for n in phones.values()]
    texts = {str(p.relative_to(run.out)): p.read_text(errors="replace") for p in files}
    leaks = {name: person.written for name, text in texts.items() for person in people if number_leaks(text, person)}
    assert leaks == {}
    full_number = re.compile(r"\+\d{1,3} ?\d{7,}")
    assert full_number.search(texts["results.json"]), "the suite's own inputs stay in full (replayable)"
    assert secret not in "".join(texts.values())


REPLAY_FAULT = FaultName.UPDATE_RETURNS_200_BODY


@pytest.fixture(scope="module")
def replayable(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A failing run whose first failure is a wrong answer to one request (200 instead of 204)."""
    run = run_suite(tmp_path_factory.mktemp("e2e"), "replayable", "--emulator-fault", REPLAY_FAULT,
                    rules=("update-204", "schema-conformance"))
    assert run.proc.returncode == 1, run.proc.stdout[-3000:] + run.proc.stderr[-2000:]
    return run


def test_schemathesis_cases_are_separate_allure_results_and_their_request_is_the_reproduce_line(
        replayable: Run) -> None:
    results = _allure_results(replayable)
    assert len(results) == len(replayable.results["tests"])
    assert len({r["historyId"] for r in results}) == len(results)
    schema = replayable.results["rules"]["schema-conformance"]
    assert schema["verdict"] == "fail"
    replay = schema["replay"]
    assert replay["status"] == 200 and replay["method"] in {"PATCH", "POST", "PUT", "DELETE"}, (
        "the reproduce line is the failing schemathesis request, not a GET of another list")
    assert schema["reproduce"].startswith(f"curl -sS -i -X {replay['method']} ")


def test_the_reproduce_commands_and_replay_get_the_same_failing_answer(replayable: Run, tmp_path: Path) -> None:
    """Done when of issue 20: the first failure's reproduce script, with a token from `token`, gets the run's answer."""
    import shlex
    import socket
    import time
    from urllib.parse import urlsplit

    from conformance.results.reproduce import reproduce_script

    data = replayable.results
    rule = data["rules"]["update-204"]
    replay = rule["replay"]
    assert '-H "Authorization: Bearer $TOKEN"' in rule["reproduce"]
    port = urlsplit(replay["url"]).port
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "conformance", "replay", str(replayable.out), "update-204"]
    missing = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert missing.returncode == 3, missing.stdout + missing.stderr
    assert f"python -m graph_phone_emulator --port {port}" in missing.stderr and "Traceback" not in missing.stderr
    if any("*" in number for want in replay.get("setup", {}).values() for number in want.values()):
        pytest.skip("numbers are masked on emulator runs until the masking rule (tenant numbers only) lands")
    emulator = subprocess.Popen([sys.executable, "-m", "graph_phone_emulator", "--port", str(port),
                                 "--edition", "seed", "--fault", REPLAY_FAULT], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        script = reproduce_script(replay, data["target"], results_dir=str(replayable.out), rule="update-204")
        assert script and "TOKEN=$(python -m conformance token" in script
        by_hand = subprocess.run(["bash", "-c", f"cd {shlex.quote(str(ROOT))}\n{script}"], capture_output=True,
                                 text=True, env=env, timeout=120, check=False)
        assert "HTTP/1.1 200" in by_hand.stdout, by_hand.stdout[-2000:] + by_hand.stderr[-2000:]
        again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False)
        assert again.returncode == 0 and "reproduced: 200" in again.stdout, again.stdout + again.stderr
        assert "< 200" in again.stdout and "> PATCH " in again.stdout
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
