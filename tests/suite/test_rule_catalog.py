"""Self-validation: every rule has a test, every test has a rule, every fault names real rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.spec.rules import RULES, SEVERITIES

SUITE = Path(__file__).resolve().parents[2] / "conformance" / "suite"


class _Grab:
    """Collects the suite's items and their rule markers without running them."""

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.items[item.nodeid] = [r for m in item.iter_markers("rule") for r in m.args]


@pytest.fixture(scope="module")
def collected() -> dict[str, list[str]]:
    grab = _Grab()
    code = pytest.main([str(SUITE), "--collect-only", "-q", "-p", "conformance.pytest_plugin.plugin",
                        "-p", "no:cacheprovider"], plugins=[grab])
    assert code == 0, "collecting the suite failed"
    return grab.items


def test_every_test_names_a_known_rule(collected: dict[str, list[str]]) -> None:
    """A test with no rule, or with an unknown rule id, is a defect."""
    orphans = [n for n, rules in collected.items() if not rules]
    unknown = {r for rules in collected.values() for r in rules if r not in RULES}
    assert not orphans, f"tests without a rule: {orphans}"
    assert not unknown, f"unknown rule ids: {unknown}"


def test_every_rule_has_a_test(collected: dict[str, list[str]]) -> None:
    """A rule with no test is a defect."""
    tested = {r for rules in collected.values() for r in rules}
    assert set(RULES) - tested == set(), f"rules without a test: {sorted(set(RULES) - tested)}"


def test_rules_are_well_formed() -> None:
    """Ids are kebab-case, statements one line, severities and editions known, sources given."""
    for rule in RULES.values():
        assert rule.id == rule.id.lower() and " " not in rule.id
        assert "\n" not in rule.statement and rule.statement.endswith(".")
        assert rule.severity in SEVERITIES and rule.source
        assert set(rule.editions) <= {"seed", "current"} and rule.editions


def test_every_fault_names_catalogued_rules() -> None:
    """The emulator's fault catalog only names rules that exist."""
    faults = pytest.importorskip("graph_phone_emulator.faults").FAULTS
    assert len(faults) >= 30
    for name, fault in faults.items():
        assert fault.rules, f"fault {name} names no rule"
        assert set(fault.rules) <= set(RULES), f"fault {name} names unknown rules {set(fault.rules) - set(RULES)}"
