"""Property: generated numbers and tokens pushed through every output channel of a real session leave
no trace (issue 10 item 4): the terminal (failure text, captured output, Hypothesis's falsifying
example), junit.xml (failures, system-out, properties), Allure results and attachments, results.json,
summary.md and index.html."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from leakkit import Number, in_context, number_leaks, numbers, token_forms, token_leaks, tokens

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
        pairs.append((number, data.draw(in_context(number)), token, data.draw(token_forms(token))))
    work = tmp_path_factory.mktemp("channels")
    (work / "test_leaky.py").write_text(MODULE.format(cases=[(text, form) for _, text, _, form in pairs]),
                                        encoding="utf-8")
    out = work / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "pytest", str(work / "test_leaky.py"),
                           "-p", "conformance.pytest_plugin.plugin",
                           "-p", "no:cacheprovider", "-p", "no:randomly", f"--rootdir={work}", "-q", "--tb=short",
                           "-rA", "--results-dir", str(out), "--junitxml", str(out / "junit.xml"),
                           "--alluredir", str(out / "allure-results")],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120)
    texts = channels(out, proc)
    assert "junit.xml" in texts and "results.json" in texts and "summary.md" in texts, sorted(texts)
    assert any(name.startswith("allure-results/") for name in texts)
    assert json.loads(texts["results.json"])["rules"]["update-204"]["verdict"] == "fail"
    assert "server said" in texts["terminal"] and "test_falsifying_example(" in texts["terminal"]
    for name, text in texts.items():
        for number, _, token, _ in pairs:
            assert not number_leaks(text, number), f"{name} shows {number.written!r}"
            assert not token_leaks(text, token), f"{name} shows a piece of a token"
        assert not STOP_HOOK.search(text), name


def test_the_stop_hook_run_shows_no_number(tmp_path: Path) -> None:
    """The repository's stop hook: a failing run's terminal and junit.xml show no phone number."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--quick", "--rule", "number-valid-accepted",
                           "--emulator-fault", FaultName.REJECT_EXTENSION, "--results-dir", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    for text in (proc.stdout + proc.stderr, (tmp_path / "junit.xml").read_text()):
        assert not STOP_HOOK.search(text), STOP_HOOK.search(text)
    assert "+1 *" in proc.stdout  # masked, still recognisable
