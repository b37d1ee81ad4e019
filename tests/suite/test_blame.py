"""Blame: set-up judged by state, failed vs not evaluated, counterexamples, grouping in the reports."""

from __future__ import annotations

import json

import pytest
import requests

from conformance.cli.kill_matrix.matrix import Outcome, build_report, render_markdown
from conformance.cli.kill_matrix.portability import clean_configurations
from conformance.pytest_plugin.checks import describe_statuses, state_difference
from conformance.pytest_plugin.collector import not_evaluated, rule_verdicts
from conformance.pytest_plugin.verdicts import judge
from conformance.results.document import schema_errors
from conformance.results.summary import render_summary
from conformance.target.client import Exchange, TargetBroken
from conformance.target.tape import Tape, brief_body
from conformance.target.target import SetupFailed, _setup_miss

URL = "http://127.0.0.1:1/v1.0/users/u1/authentication/phoneMethods"


def exchange(method: str = "GET", status: int = 200, body: str = "", sent: str | None = None) -> Exchange:
    return Exchange(method, URL, {"Authorization": "Bearer MASKED"}, sent, status, {}, body, 1.0)


# -- set-up judged by the state it reads back ---------------------------------------------------------
def test_a_delete_that_left_the_method_names_delete_not_its_status() -> None:
    cause, detail = _setup_miss({"mobile": "+1 5550001"}, {}, {"mobile": "+1 5550001"}, {"DELETE mobile": 200})
    assert cause == "DELETE of a mobile left it in place"
    assert "'+1 5550001'" in detail and "DELETE mobile answered 200" in detail


def test_a_missing_create_and_a_wrong_number_are_told_apart() -> None:
    cause, _ = _setup_miss({}, {"office": "+1 5550002"}, {}, {"POST office": 201})
    assert cause == "POST of an office did not create it"
    cause, detail = _setup_miss({}, {"mobile": "+1 5550003x12"}, {"mobile": "+1 5550003"}, {"POST mobile": 201})
    assert cause == "POST of a mobile stored another number than the one sent"
    assert "'+1 5550003'" in detail and "'+1 5550003x12'" in detail  # values, not only the type names


def test_setup_failed_keeps_a_cause_that_names_no_user() -> None:
    exc = SetupFailed("DELETE of a mobile left it in place", "alex1: mobile still reads back '+1 5550001'")
    assert exc.cause == "DELETE of a mobile left it in place"
    assert "alex1" in str(exc) and "alex1" not in exc.cause


# -- failed or not evaluated ----------------------------------------------------------------------------
@pytest.mark.parametrize("exc", [SetupFailed("DELETE of a mobile left it in place", "alex1"),
                                 requests.ReadTimeout("read timed out"), requests.ConnectionError("refused"),
                                 TargetBroken("GET x: no answer", unanswered=True)])
def test_environment_and_setup_are_broken_with_a_cause(exc: BaseException) -> None:
    judged = judge(exc, None)
    assert judged.verdict == "broken" and judged.cause
    assert judged.message.startswith(f"not evaluated: {judged.cause}")


def test_a_set_up_that_saw_a_rules_own_claim_broken_fails_that_rule_only() -> None:
    exc = SetupFailed("DELETE of a mobile left it in place", "alex1", owner="delete-204")
    judged = judge(exc, None, ["delete-204"])
    assert judged.verdict == "failed" and judged.message.startswith("set-up: DELETE of a mobile left it in place")
    assert judge(exc, None, ["update-204"]).verdict == "broken"


def test_a_timeout_inside_an_exception_group_is_broken_and_an_assertion_wins() -> None:
    assert judge(ExceptionGroup("two", [requests.ReadTimeout("t"), TargetBroken("x")]), None).verdict == "broken"
    judged = judge(ExceptionGroup("two", [requests.ReadTimeout("t"), AssertionError("update: expected 204")]), None)
    assert judged.verdict == "failed" and judged.message.startswith("update: expected 204")
    assert "ExceptionGroup" not in judged.message and "Traceback" not in judged.message


def test_the_counterexample_is_the_assertion_and_the_example_requests() -> None:
    tape = Tape()
    tape.begin_test()
    tape.arranging("u1")
    tape.record(exchange("DELETE", 204), setup=True)
    tape.record(exchange(body='{"value": []}'), setup=True)
    tape.record(exchange("PATCH", 204, sent='{"phoneNumber": "+1 5550004"}'), setup=False)
    tape.record(exchange(body='{"value": [{"phoneNumber": "+1 5550005"}]}'), setup=True)
    message = judge(AssertionError("after PATCH: reads back '+1 5550005', expected '+1 5550004'\nassert 1 == 2"),
                    tape).message
    lines = message.splitlines()
    assert lines[0] == "after PATCH: reads back '+1 5550005', expected '+1 5550004'"
    assert "assert 1 == 2" not in message
    assert "(1 earlier request(s) of this example not shown)" in message
    assert any(ln.startswith("1. set-up GET /v1.0/users/u1/") for ln in lines)
    assert any(ln.startswith('2. PATCH /v1.0/users/u1/authentication/phoneMethods {"phoneNumber": "+1 5550004"}')
               for ln in lines)
    assert any(ln.startswith("3. read-back GET") for ln in lines)
    assert "Exchange(" not in message and "Target(" not in message


def test_a_new_example_starts_when_an_arranged_user_is_arranged_again_after_a_probe() -> None:
    tape = Tape()
    tape.arranging("u1")
    tape.record(exchange("PATCH", 204), setup=False)
    tape.arranging("u2")  # a second user of the same example
    assert len(tape.entries) == 1
    tape.arranging("U1")  # the next example
    assert len(tape.entries) == 0


def test_bodies_are_trimmed_between_values_never_inside_one() -> None:
    long = json.dumps({"@odata.context": "x" * 200, "value": [
        {"id": f"id-{i}", "phoneNumber": f"+1 55500{i:05d}", "phoneType": "mobile"} for i in range(9)]})
    shown = brief_body(long, limit=160)
    parsed = json.loads(shown)  # still JSON: nothing was cut mid-value
    assert "@odata.context" not in parsed and any("more" in str(v) for v in parsed["value"])
    for item in parsed["value"]:
        if isinstance(item, dict):
            assert all(v in json.loads(long)["value"][0].values() or "more" in str(v) or v.startswith(("id-", "+1"))
                       for v in item.values())
    assert brief_body("plain text " * 50, limit=40).endswith("more characters)")


def test_messages_name_the_values_that_differ() -> None:
    before = {"mobile": {"phoneNumber": "+1 5550006", "smsSignInState": "ready"}}
    after = {"mobile": {"phoneNumber": "+1 5550007", "smsSignInState": "ready"},
             "office": {"phoneNumber": "+1 5550008"}}
    text = state_difference(before, after)
    assert "mobile.phoneNumber '+1 5550006' -> '+1 5550007'" in text and "office added" in text
    assert describe_statuses(range(200, 300)) == "2xx"
    assert describe_statuses({400, 422}) == "400 or 422"


# -- the reports group the not-evaluated rules under their cause ----------------------------------------
def _tests() -> list[dict]:
    broken = {"outcome": "broken", "duration_s": 0.1, "requests": 3, "cause": "set-up: DELETE of a mobile left it "
              "in place", "message": "not evaluated: set-up: DELETE of a mobile left it in place"}
    return [
        {"nodeid": "t::a", "rules": ["update-204"], **broken},
        {"nodeid": "t::b", "rules": ["addr-me"], **broken},
        {"nodeid": "t::c", "rules": ["delete-204"], "outcome": "failed", "duration_s": 0.1, "requests": 2,
         "message": "deleting the office: expected 204, got DELETE ... -> 200"},
        {"nodeid": "t::d", "rules": ["delete-204"], **broken},
        {"nodeid": "t::e", "rules": ["list-200"], "outcome": "broken", "duration_s": 0.1, "requests": 1,
         "cause": "no answer in time (timeout)", "message": "not evaluated: no answer in time (timeout)"},
    ]


def test_rule_verdicts_keep_the_own_failure_and_group_the_rest() -> None:
    rules = rule_verdicts(_tests(), "seed")
    assert rules["delete-204"]["verdict"] == "fail"
    assert rules["delete-204"]["counterexample"].startswith("deleting the office")  # its own, not the set-up's
    groups = not_evaluated(rules)
    assert groups[0]["cause"] == "set-up: DELETE of a mobile left it in place"
    assert groups[0]["rules"] == ["update-204", "addr-me"]
    assert groups[1] == {"cause": "no answer in time (timeout)", "rules": ["list-200"],
                         "example": "not evaluated: no answer in time (timeout)"}


def test_summary_leads_with_the_causes_and_the_document_validates() -> None:
    tests = _tests()
    rules = rule_verdicts(tests, "seed")
    doc = {"schema_version": 1, "duration_s": 1.0, "target": {"name": "x", "kind": "emulator", "edition": "seed"},
           "totals": {"tests": 5, "passed": 0, "failed": 1, "error": 0, "skipped": 0, "broken": 4},
           "requests": 11, "rules": rules, "not_evaluated": not_evaluated(rules), "tests": tests,
           "observations": []}
    assert schema_errors(doc) == []
    head = render_summary(doc).splitlines()[:10]
    assert "## 3 rules not evaluated (2 causes)" in head
    assert any("2 rules not evaluated: set-up: DELETE of a mobile left it in place" in ln for ln in head)
    assert any("`delete-204`" in ln and "failed" in ln for ln in head)


def test_the_kill_matrix_measures_blame_per_fault() -> None:
    outcomes = [Outcome("clean", [], 0, 1.0),
                Outcome("delete-answers-200-with-body", [], 1, 1.0, ["delete-204", "schema-conformance"],
                        claimed_rules=["delete-204"]),
                Outcome("create-returns-200", [], 1, 1.0, ["create-201"], claimed_rules=["create-201"],
                        not_evaluated_rules=["update-204", "addr-me"]),
                Outcome("list-bare-array", [], 1, 1.0, ["list-200", "addr-me", "get-200", "schema-conformance"],
                        claimed_rules=["list-200"])]
    clean = {c.name: c for c in clean_configurations()[:1]}
    outcomes[0].name = next(iter(clean))
    report = build_report(outcomes, all_faults=False, seconds=1.0, clean_runs=clean, attribute=True)
    assert report["blame"] == {"faults": 3, "failed_median": 2, "failed_worst": 4,
                               "failed_worst_fault": "list-bare-array", "not_evaluated_median": 0,
                               "not_evaluated_worst": 2, "beyond_claimed_median": 1}
    assert "Blame: one fault fails 2 rules at the median, 4 at worst (`list-bare-array`)" in render_markdown(report)
    assert build_report(outcomes, all_faults=False, seconds=1.0, clean_runs=clean, attribute=False)["blame"] is None
