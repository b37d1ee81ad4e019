"""Expectations: known failures per target are strict (stale and unexpected fail the run, overdue warns)."""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from conformance.core.errors import ToolError
from conformance.results.document import exit_code_for
from conformance.results.expectations import apply_expectations, load_expectations, write_template

sys.path.insert(0, str(Path(__file__).parent))  # pytest 9 may import this directory as a namespace package
from reports_synthetic import make_results

TODAY = date(2025, 6, 1)


def expectations(tmp_path: Path, body: str, target: str | None = "embedded-emulator") -> Path:
    path = tmp_path / "target.toml"
    path.write_text((f'target = "{target}"\n' if target else "") + body)
    return path


def entry(rule: str, *, review_by: str = "2025-12-31", code: str | None = None) -> str:
    extra = f'code = "{code}"\n' if code else ""
    return (f'\n[[expected]]\nrule = "{rule}"\nreason = "emulator stores nothing yet"\n'
            f'owner = "emulator-team"\nreview_by = {review_by}\n{extra}')


def test_a_pinned_failure_becomes_expected_fail_and_the_run_passes(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed"})
    out = apply_expectations(data, expectations(tmp_path, entry("update-204")), today=TODAY)
    r = out["rules"]["update-204"]
    assert r["verdict"] == "expected-fail"
    assert r["expectation"] == {"reason": "emulator stores nothing yet", "owner": "emulator-team",
                                "review_by": "2025-12-31", "status": "matched"}
    assert out["expectations"]["matched"] == ["update-204"]
    assert out["expectations"]["unexpected"] == [] and out["expectations"]["stale"] == []
    assert exit_code_for(out) == 0
    assert data["rules"]["update-204"]["verdict"] == "fail", "the input document must not change"


def test_an_unexpected_failure_fails_the_run(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed", "type-immutable": "failed"})
    out = apply_expectations(data, expectations(tmp_path, entry("update-204")), today=TODAY)
    assert out["rules"]["type-immutable"]["verdict"] == "fail"
    assert out["expectations"]["unexpected"] == ["type-immutable"]
    assert exit_code_for(out) == 1


def test_a_stale_expectation_fails_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_results()  # update-204 passes
    out = apply_expectations(data, expectations(tmp_path, entry("update-204")), today=TODAY)
    r = out["rules"]["update-204"]
    assert r["verdict"] == "fail"
    assert r["expectation"]["status"] == "stale"
    assert "stale expectation" in r["counterexample"] and "remove the entry" in r["counterexample"]
    assert out["expectations"]["stale"] == ["update-204"]
    assert exit_code_for(out) == 1
    assert "stale expectation" in capsys.readouterr().err


def test_an_overdue_entry_warns_but_does_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_results({"update-204": "failed"})
    out = apply_expectations(data, expectations(tmp_path, entry("update-204", review_by="2025-05-31")),
                             today=TODAY)
    assert out["rules"]["update-204"]["verdict"] == "expected-fail"
    assert out["expectations"]["overdue"] == [{"rule": "update-204", "owner": "emulator-team",
                                               "review_by": "2025-05-31"}]
    assert exit_code_for(out) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "2025-05-31" in err and "update-204" in err


def test_an_entry_due_today_is_not_overdue(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed"})
    out = apply_expectations(data, expectations(tmp_path, entry("update-204", review_by="2025-06-01")),
                             today=TODAY)
    assert out["expectations"]["overdue"] == []


def test_a_code_pin_matches_only_that_error_code(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed"})  # the failure text shows code invalidPhoneNumber
    hit = apply_expectations(data, expectations(tmp_path, entry("update-204", code="invalidPhoneNumber")),
                             today=TODAY)
    assert hit["rules"]["update-204"]["verdict"] == "expected-fail"
    miss = apply_expectations(data, expectations(tmp_path, entry("update-204", code="accessDenied")),
                              today=TODAY)
    r = miss["rules"]["update-204"]
    assert r["verdict"] == "fail" and r["expectation"]["status"] == "code-mismatch"
    assert "invalidPhoneNumber" in r["counterexample"]
    assert miss["expectations"]["unexpected"] == ["update-204"]
    assert exit_code_for(miss) == 1


def test_an_entry_for_a_rule_that_did_not_run_is_not_checked(tmp_path: Path) -> None:
    data = make_results({"type-immutable": "skipped"})
    out = apply_expectations(data, expectations(tmp_path, entry("type-immutable")), today=TODAY)
    assert out["rules"]["type-immutable"]["verdict"] == "skipped"
    assert out["expectations"]["not_checked"] == ["type-immutable"]
    assert exit_code_for(out) == 0


def test_a_file_for_another_target_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = expectations(tmp_path, entry("update-204"), target="contoso-tenant")
    out = apply_expectations(make_results({"update-204": "failed"}), path, today=TODAY)
    assert "contoso-tenant" in capsys.readouterr().err
    assert any("contoso-tenant" in m for m in out["expectations"]["messages"])


@pytest.mark.parametrize(("body", "message"), [
    (entry("no-such-rule"), "unknown rule id"),
    ('\n[[expected]]\nrule = "update-204"\nreason = "x"\nreview_by = 2025-01-01\n', "'owner' is required"),
    ('\n[[expected]]\nrule = "update-204"\nreason = "x"\nowner = "o"\nreview_by = "soon"\n',
     "must be a date"),
    ('\n[[expected]]\nrule = "update-204"\nreason = "x"\nowner = "o"\nreview_by = 2025-01-01\n'
     "ticket = 1\n", "unknown key"),
    (entry("update-204") + entry("update-204"), "duplicate expectation"),
    ("expected = [", "not valid TOML"),
])
def test_a_broken_file_is_a_one_line_tool_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ToolError, match=message):
        load_expectations(expectations(tmp_path, body))


def test_a_missing_file_is_a_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="no such expectations file"):
        apply_expectations(make_results(), tmp_path / "missing.toml")


def test_write_template_round_trips(tmp_path: Path) -> None:
    data = make_results({"update-204": "failed", "type-immutable": "failed", "list-200": "skipped"})
    path = tmp_path / "out" / "embedded-emulator.toml"
    write_template(data, path, today=TODAY)
    doc = tomllib.loads(path.read_text())
    assert doc["target"] == "embedded-emulator"
    assert [e["rule"] for e in doc["expected"]] == ["update-204", "type-immutable"]
    assert all(e["owner"] == "TODO" and e["review_by"] == date(2025, 7, 1) for e in doc["expected"])
    assert "expected 204" in doc["expected"][0]["reason"]
    assert '# code = "invalidPhoneNumber"' in path.read_text()
    out = apply_expectations(data, path, today=TODAY)
    assert {rid for rid, r in out["rules"].items() if r["verdict"] == "expected-fail"} == {"update-204",
                                                                                          "type-immutable"}
    assert out["expectations"]["unexpected"] == [] and exit_code_for(out) == 0
    # burning down: once a rule is fixed its entry is stale and must be removed
    fixed = make_results({"type-immutable": "failed"})
    assert exit_code_for(apply_expectations(fixed, path, today=TODAY)) == 1


def test_write_template_with_no_failures_writes_a_valid_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    write_template(make_results(), path, today=TODAY)
    assert load_expectations(path) == ("embedded-emulator", [])


def test_the_example_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "expectations" / "example-emulator.toml"
    target, entries = load_expectations(example)
    assert target == "embedded-emulator" and entries


def _with_answers(data: dict, rid: str, *answers: tuple[int, str]) -> dict:
    """Give rule ``rid``'s failing test(s) recorded failing answers (status, error code)."""
    failing = [t for t in data["tests"] if rid in t["rules"] and t["outcome"] == "failed"]
    base = failing[0]
    data["tests"] = [t for t in data["tests"] if t is not base]
    for n, (status, code) in enumerate(answers):
        answer = json.dumps({"error": {"code": code, "message": "x"}}) if code else "{}"
        data["tests"].append({**base, "nodeid": f"{base['nodeid']}[{n}]",
                              "replay": {"method": "PATCH", "path": "/me", "headers": {}, "status": status,
                                         "answer": answer}})
    return data


def test_a_pinned_signature_matches_the_same_failure(tmp_path: Path) -> None:
    data = _with_answers(make_results({"update-204": "failed"}), "update-204", (200, None))
    out = apply_expectations(data, expectations(tmp_path, entry("update-204") + "status = 200\n"), today=TODAY)
    assert out["rules"]["update-204"]["verdict"] == "expected-fail"
    assert out["rules"]["update-204"]["expectation"]["status_code"] == 200
    assert exit_code_for(out) == 0


def test_a_different_failure_under_an_expected_rule_is_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _with_answers(make_results({"update-204": "failed"}), "update-204", (200, None), (500, "boom"))
    out = apply_expectations(data, expectations(tmp_path, entry("update-204") + "status = 200\n"), today=TODAY)
    r = out["rules"]["update-204"]
    assert r["verdict"] == "fail" and r["expectation"]["status"] == "new-failure"
    assert "500 boom" in r["counterexample"]
    assert out["expectations"]["new_failures"] == ["update-204"]
    assert exit_code_for(out) == 1
    assert "fails in a new way" in capsys.readouterr().err


def test_a_placeholder_owner_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = make_results({"update-204": "failed"})
    body = entry("update-204").replace('owner = "emulator-team"', 'owner = "TODO"')
    out = apply_expectations(data, expectations(tmp_path, body), today=TODAY)
    assert out["rules"]["update-204"]["verdict"] == "expected-fail", "a placeholder warns, it does not fail"
    assert out["expectations"]["placeholders"] == [{"rule": "update-204", "key": "owner"}]
    assert "placeholder owner" in capsys.readouterr().err


def test_a_status_must_be_an_http_status(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="'status' must be an HTTP status code"):
        load_expectations(expectations(tmp_path, entry("update-204") + 'status = "200"\n'))


def test_the_template_pins_the_signature(tmp_path: Path) -> None:
    data = _with_answers(make_results({"update-204": "failed"}), "update-204", (200, None))
    path = tmp_path / "written.toml"
    write_template(data, path, today=TODAY)
    doc = tomllib.loads(path.read_text())
    assert doc["expected"][0]["status"] == 200
    out = apply_expectations(data, path, today=TODAY)
    assert out["rules"]["update-204"]["verdict"] == "expected-fail"


def test_a_stale_expectation_shows_as_stale_in_the_terminal(tmp_path: Path) -> None:
    from conformance.cli.terminal import final_report

    out = apply_expectations(make_results(), expectations(tmp_path, entry("update-204")), today=TODAY)
    text = final_report(out, "reports/latest")
    assert any(line.split()[:2] == ["STALE", "update-204"] for line in text.splitlines())


def test_an_exit_0_run_never_says_failed(tmp_path: Path) -> None:
    from conformance.cli.terminal import final_report

    out = apply_expectations(make_results({"update-204": "failed"}), expectations(tmp_path, entry("update-204")),
                             today=TODAY)
    assert exit_code_for(out) == 0
    text = final_report(out, "reports/latest")
    assert "1 expected failure" in text and " failed" not in text.splitlines()[-1]
