"""``compare``: regressions, fixes, catalog changes and gray-zone changes between two results.json files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.core.errors import ToolError
from conformance.results.compare import compare_files, diff_results, render_markdown, render_text, strip_volatile

sys.path.insert(0, str(Path(__file__).parent))  # pytest 9 may import this directory as a namespace package
from reports_synthetic import gray, make_results, write


def test_a_pass_to_fail_regression_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path / "base.json", make_results())
    new = write(tmp_path / "new.json", make_results({"update-204": "failed"}))
    assert compare_files(str(base), str(new), markdown=False) == 1
    out = capsys.readouterr().out
    assert "1 regression(s)" in out
    assert "update-204" in out and "pass -> fail" in out
    assert "expected 204" in out, "the counterexample is shown"
    assert "reproduce: curl" in out


def test_a_fix_is_listed_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path / "base.json", make_results({"type-immutable": "failed"}))
    new = write(tmp_path / "new.json", make_results())
    assert compare_files(str(base), str(new), markdown=False) == 0
    out = capsys.readouterr().out
    assert "1 fix(es)" in out and "type-immutable" in out and "fail -> pass" in out


def test_a_rule_that_was_not_run_and_now_fails_is_a_new_failure() -> None:
    diff = diff_results(make_results({"update-204": "skipped"}), make_results({"update-204": "failed"}))
    assert [c.rule for c in diff.new_failures] == ["update-204"] and diff.failed


def test_pass_to_expected_fail_is_still_a_regression() -> None:
    new = make_results({"update-204": "failed"})
    new["rules"]["update-204"]["verdict"] = "expected-fail"
    diff = diff_results(make_results(), new)
    assert [c.rule for c in diff.regressions] == ["update-204"]


def test_loss_of_coverage_is_reported_without_failing() -> None:
    diff = diff_results(make_results(), make_results({"update-204": "skipped"}))
    assert [(c.rule, c.before, c.after) for c in diff.other] == [("update-204", "pass", "skipped")]
    assert not diff.failed


def test_new_and_removed_rules() -> None:
    base, new = make_results(), make_results()
    base["rules"]["retired-rule"] = dict(base["rules"]["update-204"])
    new["rules"]["brand-new-rule"] = dict(new["rules"]["update-204"])
    diff = diff_results(base, new)
    assert diff.added_rules == ["brand-new-rule"] and diff.removed_rules == ["retired-rule"]
    text = render_text(diff)
    assert "new rules: brand-new-rule" in text and "removed rules: retired-rule" in text


def test_changed_gray_zone_observations() -> None:
    base = make_results(observations=[gray("no_space", "+15555551234", 400, "+1 5555550000"),
                                      gray("dashes", "+1 555-555-1234", 400, "+1 5555550000")])
    new = make_results(observations=[gray("no_space", "+15555551234", 204, "+1 5555551234"),
                                     gray("dashes", "+1 555-555-1234", 400, "+1 5555550000"),
                                     gray("dots", "+1 555.555.1234", 400, "+1 5555550000")])
    diff = diff_results(base, new)
    assert [(g.label, g.input) for g in diff.gray_changed] == [("no_space", "'+15555551234'")]
    assert diff.gray_changed[0].before.startswith("400") and diff.gray_changed[0].after.startswith("204")
    assert diff.gray_only_new == 1 and diff.gray_only_baseline == 0
    assert not diff.failed, "gray-zone outcomes are recorded, never a regression"
    assert "| no_space |" in render_markdown(diff)


def test_timings_are_ignored(tmp_path: Path) -> None:
    base, new = make_results(), make_results()
    new.update(started="2030-01-01T00:00:00+00:00", finished="2030-01-01T01:00:00+00:00", duration_s=3600.0)
    stripped = strip_volatile(base)
    assert "started" not in stripped and all("duration_s" not in t for t in stripped["tests"])
    diff = diff_results(stripped, new)
    assert not (diff.regressions or diff.new_failures or diff.fixes or diff.other or diff.gray_changed)


def test_markdown_for_a_pull_request_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = write(tmp_path / "base.json", make_results())
    new = write(tmp_path / "new.json", make_results({"update-204": "failed"}))
    assert compare_files(str(base), str(new), markdown=True) == 1
    md = capsys.readouterr().out
    assert md.startswith("### ❌ Conformance: 1 regression(s)")
    assert "#### Regressions (pass → fail)" in md
    assert "| `update-204` | blocker | pass | **fail** |" in md
    assert "<details><summary><code>update-204</code>: counterexample</summary>" in md
    assert "```sh\ncurl -i -X PATCH" in md


def test_markdown_when_nothing_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "same.json", make_results())
    assert compare_files(str(path), str(path), markdown=True) == 0
    assert capsys.readouterr().out.startswith("### ✅ Conformance: 0 regression(s)")


def test_the_cli_reports_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "good.json", make_results())
    assert main(["compare", str(good), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err
    old = make_results()
    old["schema_version"] = 99
    assert main(["compare", str(write(tmp_path / "old.json", old)), str(good)]) == 2
    assert "schema_version 99" in capsys.readouterr().err


def test_a_document_without_rules_is_refused() -> None:
    with pytest.raises(ToolError, match=r"not a results\.json"):
        diff_results({"schema_version": 1}, make_results())


def test_rules_left_out_of_a_partial_run_are_summarised_not_listed() -> None:
    new = make_results({"update-204": "failed"})
    for rid, r in new["rules"].items():
        if rid != "update-204":
            r["verdict"] = "not-run"
    diff = diff_results(make_results(), new)
    assert [c.rule for c in diff.regressions] == ["update-204"] and diff.other == []
    assert len(diff.not_run) == len(new["rules"]) - 2  # update-204, and perm-current-no-self-service was not run
    md = render_markdown(diff)
    assert f"{len(diff.not_run)} rule(s) not run in the new run" in md and "#### Other verdict changes" not in md


def test_a_stale_expectation_shows_as_stale_not_as_a_failure(tmp_path: Path) -> None:
    from datetime import date

    from conformance.results.expectations import apply_expectations

    baseline = make_results({"update-204": "failed"})
    baseline["rules"]["update-204"]["verdict"] = "expected-fail"
    entry = tmp_path / "e.toml"
    entry.write_text('[[expected]]\nrule = "update-204"\nreason = "r"\nowner = "o"\nreview_by = 2030-01-01\n')
    new = apply_expectations(make_results(), entry, today=date(2025, 1, 1))
    diff = diff_results(baseline, new)
    assert [c.rule for c in diff.fixes] == ["update-204"] and not diff.failed
    assert "expected-fail -> STALE expectation" in render_text(diff)
