"""The project's own summary: a self-contained index.html and summary.md, and ``report --html``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.core.errors import ToolError
from conformance.pytest_plugin.collector import write_results
from conformance.results import report
from conformance.results.html import render_index
from conformance.results.summary import render_summary

sys.path.insert(0, str(Path(__file__).parent))  # pytest 9 may import this directory as a namespace package
from reports_synthetic import gray, make_results, write

HOSTILE = "<script>alert('x')</script>"


def sample() -> dict:
    data = make_results({"update-204": "failed", "type-immutable": "skipped", "list-200": "broken"},
                        observations=[gray("no_space", "+15555551234", 400, "+1 5555550000"),
                                      gray("html", HOSTILE, 400, None)],
                        messages={"update-204": f"expected 204, got 400 {HOSTILE}"})
    data["rules"]["create-201"]["verdict"] = "expected-fail"
    data["rules"]["create-201"]["expectation"] = {"reason": "known", "owner": "emu-team",
                                                  "review_by": "2025-12-31", "status": "matched"}
    return data


def test_index_html_is_self_contained_and_escaped() -> None:
    page = render_index(sample())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower(), "no JavaScript at all"
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page), "no external resources"
    assert "@import" not in page and "url(" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


PERMISSIONS = [
    {"test": "t", "topic": "permission", "rule": "perm-other-needs-role", "operation": "update",
     "context": "delegated scp=UserAuthenticationMethod.ReadWrite.All addressee=ordinary_target",
     "expected": [403], "status": 204, "open": False},
    {"test": "t", "topic": "permission", "rule": "perm-self-read", "operation": "list",
     "context": "delegated scp=UserAuthenticationMethod.Read addressee=me", "expected": [200], "status": 200,
     "open": False},
    {"test": "t", "topic": "permission", "rule": "auth-missing-401", "operation": "get",
     "context": "none addressee=me", "expected": [401], "status": 401, "open": False},
]
REPLAY = {"method": "PATCH", "path": "/v1.0/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
          "url": "http://127.0.0.1:8089/v1.0/me/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7",
          "headers": {"Accept": "application/json", "Content-Type": "application/json", "Content-Length": "30"},
          "body": '{"phoneNumber": "+1 2065550123"}', "authorization": "token",
          "context": "delegated scp=UserAuthenticationMethod.ReadWrite", "subject": "adele1",
          "status": 200, "answer": '{"id": "3179e48a-750b-4051-897c-87b9720928f7"}',
          "setup": {"adele1": {"mobile": "+1 2065550100"}}, "admin_subject": "patti1",
          "users": {"adele1": "148d9f37-1cfc-5db6-bddf-380d2fe4aae6"}}


def failing_sample() -> dict:
    data = sample()
    data["observations"] += PERMISSIONS
    data["rules"]["update-204"]["replay"] = REPLAY
    data["tests"].append({"nodeid": "conformance/suite/test_synthetic.py::test_passing_update_204",
                          "rules": ["update-204"], "outcome": "passed", "duration_s": 0.1, "requests": 1,
                          "message": None})
    data["rules"]["update-204"]["tests"].append("conformance/suite/test_synthetic.py::test_passing_update_204")
    data["target"]["emulator_faults"] = ["update-returns-200-body"]
    return data


def test_failures_come_first_then_the_matrix_the_gray_zone_and_the_rule_grid() -> None:
    page = render_index(failing_sample(), unproven={"delete-order"})
    order = [page.index(marker) for marker in ('id="failures"', 'id="permissions"', 'id="gray"', 'id="rules"')]
    assert order == sorted(order), "failures, permission matrix, gray zone, rule grid"
    assert page.index('id="failures"') < page.index("<table"), "nothing tabular before the failures"
    assert 'id="update-204"' in page and "The failing request and its answer:" in page
    assert "&gt; PATCH http://127.0.0.1:8089/v1.0/me/" in page and "&lt; 200" in page
    assert "Content-Length" not in page, "headers the client derives are not shown"
    assert "python -m conformance replay reports/latest update-204" in page
    assert "python -m graph_phone_emulator --port 8089 --edition seed --fault update-returns-200-body" in page
    assert "-H &quot;Authorization: Bearer $TOKEN&quot;" in page, "the token is expanded by the shell"
    assert "test_passing_update_204" not in page, "only failing tests are listed"
    assert "not in this profile" in page, "skip reasons are shown"
    assert "emu-team" in page, "expected failures show their owner"
    assert 'class="chip unproven' not in page and "· unproven" in page


def test_the_permission_matrix_has_one_coloured_cell_per_context_operation_and_addressee() -> None:
    page = render_index(failing_sample())
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<rect ") == 3 * 7 * 5, "3 contexts x 7 operations x 5 addressees"
    assert svg.count('class="cell mismatch"') == 1 and svg.count('class="cell allowed"') == 1
    assert svg.count('class="cell refused"') == 1
    assert "update on ordinary_target: mismatch" in svg


def test_a_rejected_gray_input_shows_no_stored_value() -> None:
    page = render_index(sample())
    gray_section = page[page.index('id="gray"'):page.index('id="rules"')]
    assert "rejected (400" in gray_section and "nothing: the number held before is unchanged" in gray_section
    assert "+1 5555550000" not in gray_section, "the number held before must not read as the stored input"


def test_summary_md_shows_unproven_and_expected_failures() -> None:
    md = render_summary(sample(), unproven={"delete-order"})
    assert "| PASS · UNPROVEN | `delete-order` |" in md
    assert "| XFAIL | `create-201` |" in md
    assert "## Expected failures" in md and "owner emu-team" in md
    assert "## Failures" in md and "### `update-204` (fail)" in md


def test_write_results_writes_all_three_files(tmp_path: Path) -> None:
    (tmp_path / "faults.json").write_text(json.dumps({"unproven_rules": ["delete-order"]}))
    write_results(tmp_path, sample())
    assert json.loads((tmp_path / "results.json").read_text())["schema_version"] == 1
    assert "UNPROVEN" in (tmp_path / "summary.md").read_text()
    assert "unproven: 1" in (tmp_path / "index.html").read_text()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium (Debian package chromium) is not installed")
def test_the_page_renders_in_a_browser_failures_first_and_the_matrix_drawn(tmp_path: Path) -> None:
    """Headless Chromium opens index.html; in the DOM it built, failures come first and the SVG has its cells."""
    import subprocess

    write_results(tmp_path, failing_sample())
    profile_dir = tmp_path / "chromium-profile"
    proc = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", f"--user-data-dir={profile_dir}", "--dump-dom",
                           (tmp_path / "index.html").as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    dom = proc.stdout
    assert proc.returncode == 0 and "<body>" in dom, proc.stderr[-2000:]
    headings = re.findall(r'<h2 id="([a-z]+)"', dom)
    assert headings[:1] == ["failures"], headings
    assert headings.index("permissions") < headings.index("gray") < headings.index("rules")
    svg = dom[dom.index("<svg"):dom.index("</svg>")]
    assert len(re.findall(r"<rect ", svg)) == 3 * 7 * 5 and 'fill="#d42a2a"' in svg


def test_report_without_node_says_so_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "results.json", sample())
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "0-result.json").write_text("{}")
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    assert main(["report", "--html", "--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    allure_lines = [ln for ln in out if ln.startswith("allure:")]
    assert len(allure_lines) == 1 and "Node.js" in allure_lines[0]
    assert (tmp_path / "index.html").exists() and (tmp_path / "summary.md").exists()


def test_report_when_allure_fails_still_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "results.json", sample())
    results = tmp_path / "allure-results"
    results.mkdir()
    (results / "0-result.json").write_text("{}")
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("node", "npx"):
        (fake / name).write_text("#!/bin/sh\necho 'npm ERR! network unreachable' >&2\nexit 7\n")
        (fake / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    assert report.build_report(tmp_path, html=True) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("allure:")]
    assert line == [f"allure: `npx allure@3 generate` failed (exit 7: npm ERR! network unreachable); "
                    f"the project's own summary is {tmp_path / 'index.html'}"]


def test_report_without_results_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="run `python -m conformance run` first"):
        report.build_report(tmp_path, html=False)


def test_allure_config_keeps_history_beside_the_results_dir(tmp_path: Path) -> None:
    latest = tmp_path / "reports" / "latest"
    path = report.write_allure_config(latest)
    text = path.read_text()
    assert path == latest.resolve() / "allurerc.mjs"
    assert "import" not in text.split("\n", 1)[1], "no import: npx's allure is not resolvable from here"
    config = json.loads(text.split("export default ", 1)[1].rstrip().rstrip(";"))
    assert config["historyPath"] == str((tmp_path / "reports" / "history.jsonl").resolve())
    assert config["plugins"]["awesome"]["options"]["singleFile"] is True
    assert any(c["matchers"].get("transitions") == ["regressed"] for c in config["categories"])


def test_rules_one_set_up_cause_kept_from_evaluation_are_one_line_above_the_failures() -> None:
    """Issue 25: a set-up defect is named once, as a cause, before the failures (not as 12 failures)."""
    data = sample()
    data["not_evaluated"] = [{"cause": "DELETE of a mobile left it in place", "rules": ["list-200", "update-204"]}]
    page = render_index(data)
    assert "2 rules not evaluated (1 cause)" in page
    assert "DELETE of a mobile left it in place" in page
    assert page.index('id="not-evaluated"') < page.index('id="failures"')
    data["not_evaluated"] = []
    assert 'id="not-evaluated"' not in render_index(data)
