"""Allure labels from the rule catalog, and the pieces of a failure's reproduction."""

from __future__ import annotations

import pytest

from conformance.pytest_plugin.allure import (
    OPERATION_PAGES,
    falsifying_example,
    highest_severity,
    label_marks,
    spec_links,
)
from conformance.spec.rules import RULES

LONGREPR = """\
conformance/suite/test_permissions.py:81: in test_operation_under_context_matches_the_rule_model
    ...
E   AssertionError: update as [delegated scp=UserAuthenticationMethod.ReadWrite]: expected [403]
E   Falsifying example: test_operation_under_context_matches_the_rule_model(
E       target=Target(...),
E       user_of=<function user_of.<locals>.get at 0x7f>,
E       rule='perm-other-needs-all-scope',
E       data=data(...),
E   )
E   Draw 1 (context): PermissionContext(token_kind='delegated', scopes=('UserAuth.ReadWrite',))
E   Draw 2 (operation): 'update'
"""


def labels(marks: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for m in marks:
        if m.name == "allure_label":
            out.setdefault(m.kwargs["label_type"], []).extend(m.args)
    return out


def test_labels_come_from_the_catalog() -> None:
    rules = [RULES["update-204"], RULES["number-valid-accepted"]]
    marks = label_marks(rules)
    got = labels(marks)
    assert got["epic"] == ["update"]
    assert got["feature"] == ["update"], "one feature: a test shows once in the behaviour tree"
    assert got["story"] == ["update-204"], "one story: the first rule"
    assert got["rule"] == ["update-204", "number-valid-accepted"], "every rule stays filterable"
    assert got["tag"] == ["number-valid-accepted"]
    assert got["severity"] == ["blocker"]
    links = [m for m in marks if m.name == "allure_link"]
    assert links and links[0].args[0] == OPERATION_PAGES["update"]
    assert links[0].kwargs["name"].startswith("update-204: seed page")


def test_the_highest_severity_wins() -> None:
    assert highest_severity([RULES["gray-zone-consistent"], RULES["create-201"]]) == "critical"
    assert highest_severity([RULES["gray-zone-consistent"]]) == "minor"


@pytest.mark.parametrize(("rule", "page"), [
    ("create-201", "authentication-post-phonemethods"),
    ("list-200", "authentication-list-phonemethods"),
    ("error-envelope", "graph/errors"),
    ("perm-auth-admin-not-on-privileged", "permissions-reference"),
    ("user-unknown-404", "phoneauthenticationmethod-get"),
])
def test_spec_links_follow_the_source(rule: str, page: str) -> None:
    assert any(page in url for url, _ in spec_links(RULES[rule]))


def test_every_rule_has_a_spec_link() -> None:
    for rule in RULES.values():
        assert all(url.startswith("https://learn.microsoft.com/") for url, _ in spec_links(rule)), rule.id


def test_the_falsifying_example_becomes_parameters() -> None:
    example = falsifying_example(LONGREPR)
    assert example["rule"] == "'perm-other-needs-all-scope'"
    assert example["context"].startswith("PermissionContext(token_kind='delegated'")
    assert example["operation"] == "'update'"
    assert "target" in example, "fixture arguments are dropped by the caller, not here"


def test_no_falsifying_example_means_no_parameters() -> None:
    assert falsifying_example("E   AssertionError: plain failure") == {}
