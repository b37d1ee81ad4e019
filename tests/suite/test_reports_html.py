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


def test_index_html_has_the_matrix_failures_and_gray_zone() -> None:
    page = render_index(sample(), unproven={"delete-order"})
    for column in ("pass", "fail", "expected fail", "broken", "skipped", "not run", "unproven"):
        assert f"<th>{column}</th>" in page
    assert 'id="update-204"' in page and "Counterexample:" in page and "Reproduce:" in page
    assert "curl -i -X PATCH" in page
    assert "not in this profile" in page, "skip reasons are shown"
    assert "emu-team" in page, "expected failures show their owner"
    assert "Gray-zone observations" in page and "&#x27;+15555551234&#x27;" in page
    assert "<td>requests</td>" in page and "60.0 s" in page
    assert 'class="badge unproven">unproven: 1<' in page


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
