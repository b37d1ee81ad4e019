"""Every output channel of a real session, as the masking rule says (issue 10 item 4, issue 18 item 7,
issue 20): mask what belongs to people, never what the suite made.

On a tenant, generated numbers (people's, as far as the session knows) and the run's tokens (any
8-character fragment, also echoed in 10-character chunks) leave no trace in any channel: the terminal
(failure text, captured output, Hypothesis's falsifying example), junit.xml (failures, system-out,
properties), Allure results and attachments, results.json, summary.md and index.html; the numbers the
suite itself sent stay in full there. A failing emulator run shows its generated inputs in full."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from leakkit import Number, chunked, in_context, number_leaks, numbers, slices_shown, token_forms, token_leaks, tokens

from graph_phone_emulator.faults import FaultName

ROOT = Path(__file__).resolve().parents[2]
STOP_HOOK = re.compile(r"\+[0-9]{1,3}[ -]?[0-9]{6,}")

MODULE = '''
import logging, sys
import allure, pytest
from hypothesis import given, settings, strategies as st

CASES = {cases!r}

@pytest.mark.rule("update-204")
@pytest.mark.parametrize("number, token", CASES)
def test_leak(number, token, request):
    print("stdout:", number, token)
    sys.stderr.write(f"stderr: {{number}} {{token}}\\\\n")
    logging.getLogger("suite").warning("log: %s %s", number, token)
    allure.attach(f"{{number}} {{token}}", name="echo")
    request.node.user_properties.append(("observation", {{"topic": "gray-zone", "input": number, "stored": number}}))
    request.node.user_properties.append(("curl", "curl --data-raw '" + number + "' -H 'Authorization: " + token + "'"))
    raise AssertionError(f"server said: {{number}} / {{token}}")

@pytest.mark.rule("number-valid-accepted")
@settings(max_examples=1, database=None)
@given(st.sampled_from([c[0] for c in CASES]))
def test_falsifying_example(number):
    assert False, number
'''


def tenant_profile(work: Path, tokens: list[str]) -> tuple[Path, dict[str, str]]:
    """A tenant profile (nothing listens at its URL; the module never calls it) whose static tokens are
    ``tokens`` (so the session knows them as the run's secrets); and the environment that holds them."""
    from tests.tenant.tenantkit import SECRET_ENV, as_tenant, profile_dict, write_profile

    raw = as_tenant(profile_dict(base_url="http://127.0.0.1:9/v1.0", mode="full"))
    raw["auth"]["static"] = [{"name": f"leak{i}", "env": f"GPC_LEAK_TOKEN_{i}"} for i in range(len(tokens))]
    env = {f"GPC_LEAK_TOKEN_{i}": t for i, t in enumerate(tokens)}
    env[SECRET_ENV] = os.environ[SECRET_ENV]
    return write_profile(work / "tenant.toml", raw), env


def session(work: Path, module: str, *extra: str, env_extra: dict[str, str] | None = None
            ) -> tuple[subprocess.CompletedProcess, Path]:
    """Run ``module`` as a pytest session with the suite's plugin and every report on; return it and its out dir."""
    (work / "test_leaky.py").write_text(module, encoding="utf-8")
    out = work / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, "-m", "pytest", str(work / "test_leaky.py"),
                           "-p", "conformance.pytest_plugin.plugin",
                           "-p", "no:cacheprovider", "-p", "no:randomly", f"--rootdir={work}", "-q", "--tb=short",
                           "-rA", "--results-dir", str(out), "--junitxml", str(out / "junit.xml"),
                           "--alluredir", str(out / "allure-results"), *extra],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120)
    return proc, out


def channels(out: Path, proc: subprocess.CompletedProcess) -> dict[str, str]:
    """Every text the session showed or wrote."""
    texts = {"terminal": proc.stdout + proc.stderr}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(out))] = path.read_text(encoding="utf-8", errors="replace")
    return texts


@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # each example is a whole session: no shrinking
@given(st.data())
def test_generated_numbers_and_tokens_leave_no_trace_in_any_channel(tmp_path_factory, data: st.DataObject) -> None:
    pairs: list[tuple[Number, str, str, str]] = []
    for _ in range(6):
        number = data.draw(numbers(), label="number")
        token = data.draw(tokens(), label="token")
        form = data.draw(st.one_of(token_forms(token), st.builds(chunked, st.just(token), st.just(10),
                                                                 st.sampled_from([" ", "\n", "', '"]))))
        pairs.append((number, data.draw(in_context(number)), token, form))
    work = tmp_path_factory.mktemp("channels")
    profile, env = tenant_profile(work, [token for _, _, token, _ in pairs])
    module = MODULE.format(cases=[(text, form) for _, text, _, form in pairs])
    proc, out = session(work, module, "--target", str(profile), "--i-understand-this-writes", env_extra=env)
    texts = channels(out, proc)
    assert "junit.xml" in texts and "results.json" in texts and "summary.md" in texts, sorted(texts)
    assert any(name.startswith("allure-results/") for name in texts)
    assert json.loads(texts["results.json"])["rules"]["update-204"]["verdict"] == "fail"
    assert "server said" in texts["terminal"] and "test_falsifying_example(" in texts["terminal"]
    for name, text in texts.items():
        for number, _, token, _ in pairs:
            assert not number_leaks(text, number), f"{name} shows {number.written!r}"
            assert not token_leaks(text, token), f"{name} shows a piece of a token"
            assert slices_shown(text, token) == [], f"{name} shows an 8-character fragment of a token"
        assert not STOP_HOOK.search(text), name


def test_a_failing_emulator_run_shows_its_generated_inputs_in_full(tmp_path: Path) -> None:
    """Issue 20: on an emulator numbers are nobody's; the failing input reads as sent, so it can be replayed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--quick", "--rule", "number-valid-accepted",
                           "--emulator-fault", FaultName.REJECT_EXTENSION, "--results-dir", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = (tmp_path / "results.json").read_text()
    for name, text in (("terminal", proc.stdout + proc.stderr), ("junit.xml", (tmp_path / "junit.xml").read_text()),
                       ("results.json", results)):
        assert FULL_NUMBER.search(text), f"{name} shows no number in full"
        assert not MASKED_NUMBER.search(text), f"{name} masks a number: {MASKED_NUMBER.search(text)}"


FULL_NUMBER = re.compile(r"\+[0-9]{1,3} ?[0-9]{7,}")
MASKED_NUMBER = re.compile(r"\+[0-9]{1,3} ?\*{4,}")

OURS_MODULE = '''
import pytest
from conformance.target.client import GraphClient

@pytest.mark.rule("update-204")
def test_replayable():
    client = GraphClient({url!r})
    client.track_numbers = True  # as a tenant target's client does
    r = client.request("PATCH", "/users/x/authentication/phoneMethods/m", token=None, json={{"phoneNumber": {ours!r}}})
    print("read back", r.text)
    raise AssertionError(f"sent {{ {ours!r} }}, the target answered {{r.text}}")
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_on_a_tenant_the_suites_own_numbers_stay_and_the_targets_are_masked(tmp_path: Path, workers) -> None:
    """The number the suite sent (recorded at the transport) reads in full in every channel that shows the
    failure; the number the target answered with (a person's) shows in none. Under pytest-xdist the
    workers hand their record to the controller, whose last pass over the files keeps them."""
    from tests.tenant.tenantkit import Recorder

    ours, theirs = "+1 2065550142", "+44 7700900321"
    body = json.dumps({"phoneNumber": theirs, "alternate": f"tel{theirs[1:].replace(' ', '')}_mobile"})
    with Recorder(status=200, body=body) as echo:
        profile, env = tenant_profile(tmp_path, [])
        proc, out = session(tmp_path, OURS_MODULE.format(url=echo.url + "/v1.0", ours=ours),
                            "--target", str(profile), "--i-understand-this-writes", *workers, env_extra=env)
    texts = channels(out, proc)
    assert json.loads(texts["results.json"])["rules"]["update-204"]["verdict"] == "fail"
    person = Number("44", "7700900321", theirs)
    for name, text in texts.items():
        assert not number_leaks(text, person), f"{name} shows the target's number"
    for name in ("terminal", "junit.xml", "results.json"):
        assert ours in texts[name], f"{name} hides the suite's own number"
