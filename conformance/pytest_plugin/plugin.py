"""The pytest plugin of the suite: options, the target fixture, rule markers and result collection.

Registered by the installed ``pytest11`` entry point when a run asks for the suite
(:mod:`conformance.pytest_plugin.entry`: ``pytest --pyargs conformance.suite --target ...`` from any folder),
by the checkout's root ``conftest.py`` and by ``python -m conformance run``. In a session that does not run
the suite (:func:`~conformance.pytest_plugin.entry.runs_suite`) its hooks stay inert.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.core.errors import ToolError
from conformance.pytest_plugin import collector as results
from conformance.pytest_plugin.entry import runs_suite
from conformance.pytest_plugin.settings import (
    budget_plan,
    configure_hypothesis,
    edition_of,
    in_budget_plan,
    profile_of,
    worker_index,
)
from conformance.pytest_plugin.verdicts import judge
from conformance.safety import budget
from conformance.safety.guarded import GuardedTarget
from conformance.spec.rules import RULES
from conformance.target.client import TargetBroken
from conformance.target.embedded import start_embedded
from conformance.target.profile import EDITIONS, User
from conformance.target.target import RoleMissing, Target


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the suite's command-line options."""
    group = parser.getgroup("conformance", "Graph phone methods conformance")
    group.addoption("--target", default=None, help="target profile TOML (default: the embedded emulator)")
    group.addoption("--edition", choices=EDITIONS, default=None, help="spec edition (default: the profile's)")
    group.addoption("--examples", type=int, default=None, help="Hypothesis examples per property")
    group.addoption("--quick", action="store_true", help="a small example budget for a fast smoke run")
    group.addoption("--rule", action="append", default=[], help="run only the tests of this rule id")
    group.addoption("--emulator-gray", choices=("reject", "accept"), default=None,
                    help="embedded emulator: how it treats gray-zone numbers")
    group.addoption("--emulator-fault", action="append", default=[],
                    help="embedded emulator: seed this fault (repeatable)")
    group.addoption("--emulator-choice", action="append", default=[], metavar="KEY=VALUE",
                    help="embedded emulator: set one of its open choices (repeatable; python -m graph_phone_emulator "
                         "--list-choices)")
    group.addoption("--first-rule", action="append", default=[],
                    help="run the tests of this rule id before the others (repeatable)")
    group.addoption("--emulator-observations", default=None,
                    help="embedded emulator: answer the open questions as this observation ledger says")
    group.addoption("--results-dir", default=None, help="where results.json and summary.md go")
    group.addoption("--no-shrink", action="store_true",
                    help="report the first failing example unshrunk (faster; the kill matrix uses it)")
    group.addoption("--rule-progress", action="store_true",
                    help="one terminal line per rule as its tests finish, instead of pytest's letters")
    group.addoption("--budget-plan", action="store_true",
                    help="the budget plan: every rule exercised in a few hundred requests "
                         "(always on for a tenant in mode = full)")
    group.addoption("--i-understand-this-writes", action="store_true", dest="allow_writes",
                    help="allow mode=full against a tenant")


def pytest_configure(config: pytest.Config) -> None:
    """Register markers and the Hypothesis settings profile the suite's properties use.

    Outside a run of the suite (:func:`runs_suite`) only the markers are registered.
    """
    config.addinivalue_line("markers", "rule(*ids): the conformance rules a test checks")
    config.addinivalue_line("markers", "readonly: the test sends no write")
    config.addinivalue_line("markers", "smoke: part of the short smoke plan")
    config._conformance_active = runs_suite(config)  # type: ignore[attr-defined]
    if not config._conformance_active:  # type: ignore[attr-defined]
        return
    configure_hypothesis(config)
    unknown = [r for r in [*config.getoption("--rule"), *config.getoption("--first-rule")] if r not in RULES]
    if unknown:
        raise pytest.UsageError(f"unknown rule id(s): {', '.join(unknown)} (see: python -m conformance rules)")
    _check_workers(config)

    config.pluginmanager.register(results.ResultCollector(config), "conformance-results")
    if config.getoption("--rule-progress"):
        from conformance.pytest_plugin.progress import RuleProgress

        config.pluginmanager.register(RuleProgress(config), "conformance-progress")
    config.pluginmanager.import_plugin("conformance.pytest_plugin.allure")
    config.pluginmanager.import_plugin("conformance.pytest_plugin.privacy")


def _check_workers(config: pytest.Config) -> None:
    """Under ``pytest -n N`` (controller side), refuse a profile whose roles cannot give each worker its own users."""
    workers = getattr(config.option, "numprocesses", None)
    if hasattr(config, "workerinput") or not isinstance(workers, int):
        return
    try:
        profile = profile_of(config)
    except ToolError:
        return  # reported by the target fixture
    try:
        profile.check_workers(workers)
    except ToolError as exc:
        raise pytest.UsageError(str(exc)) from None


def _rules_of(item: pytest.Item) -> list[str]:
    return [rid for m in item.iter_markers("rule") for rid in m.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Attach rule ids to every suite test, select by ``--rule``, and skip by edition and mode."""
    if not getattr(config, "_conformance_active", False):
        return
    wanted = set(config.getoption("--rule"))
    edition = edition_of(config)
    planned = budget_plan(config)
    keep, drop = [], []
    for item in items:
        rules = _rules_of(item)
        if not rules:
            keep.append(item)
            continue
        if (wanted and not wanted & set(rules)) or (planned and not budget.kept(_function(item), item.name)):
            drop.append(item)
            continue
        item.user_properties.append(("rules", rules))
        if not any(edition in RULES[r].editions for r in rules):
            where = ", ".join(sorted({e for r in rules for e in RULES[r].editions}))
            item.add_marker(pytest.mark.skip(reason=f"rule applies to edition {where}, target is {edition}"))
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    first = set(config.getoption("--first-rule"))
    if first:  # a stable sort: the named rules' tests first, each group in collection order
        items.sort(key=lambda item: not first & set(_rules_of(item)))


def _function(item: pytest.Item) -> str:
    """The test function's name of an item (without its parametrized case)."""
    return item.name.split("[", 1)[0]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Judge a failed rule test where its exception is at hand: failed, or not evaluated and why.

    The judgement and the counterexample (the assertion and the failing example's requests and
    answers, from the target's tape) travel in the report's ``user_properties`` to the collector.
    """
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.excinfo is None or call.excinfo.errisinstance(pytest.skip.Exception) or not _rules_of(item):
        return
    if call.when == "teardown" and "RestoreFailed" in call.excinfo.typename:
        return
    target = getattr(item, "funcargs", {}).get("target")
    verdict = judge(call.excinfo.value, getattr(target, "tape", None), _rules_of(item))
    report.user_properties += [("verdict", verdict.verdict), ("counterexample", verdict.message)]
    if verdict.cause:
        report.user_properties.append(("cause", verdict.cause))


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Under ``--exitfirst`` / ``--maxfail``, a rule not evaluated does not count as a failure.

    The kill matrix stops a fault's run at its first failure: a set-up the fault breaks must not end
    the run before the rule that owns the defect has failed.
    """
    session = _SESSION.get("session")
    if (session is None or not report.failed or not session.config.option.maxfail
            or dict(report.user_properties).get("verdict") != "broken"):
        return
    session.testsfailed = max(0, session.testsfailed - 1)
    if session.testsfailed < session.config.option.maxfail and hasattr(session, "_shouldfail"):
        session._shouldfail = False  # the public setter refuses to unset what it just set


_SESSION: dict[str, pytest.Session] = {}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Remember the session (for :func:`pytest_runtest_logreport`)."""
    _SESSION["session"] = session


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Iterator[Target]:
    """The implementation under test; starts the embedded emulator when the profile has no URL."""
    try:
        profile = profile_of(pytestconfig)
    except ToolError as exc:
        pytest.exit(str(exc), returncode=2)
    edition = pytestconfig.getoption("--edition") or profile.edition
    if profile.kind == "tenant" and profile.mode == "full" and not pytestconfig.getoption("allow_writes"):
        pytest.exit("mode = full against a tenant needs --i-understand-this-writes", returncode=2)
    running = None
    base_url = profile.base_url
    if profile.embedded:

        try:
            running = start_embedded(profile, edition=edition, gray=pytestconfig.getoption("--emulator-gray"),
                                     faults=pytestconfig.getoption("--emulator-fault"),
                                     choices=pytestconfig.getoption("--emulator-choice"),
                                     observations=pytestconfig.getoption("--emulator-observations"))
        except ToolError as exc:
            pytest.exit(str(exc), returncode=exc.exit_code)
        base_url = running.base_url
    target = None
    try:
        try:
            target = GuardedTarget(profile=profile, base_url=base_url, edition=edition, worker=worker_index(),
                            frugal=in_budget_plan())
        except ToolError as exc:
            pytest.exit(str(exc), returncode=exc.exit_code)
        yield target
        _restore(target, pytestconfig)
    finally:
        if running is not None:
            running.stop()


class RestoreFailed(TargetBroken):
    """The end-of-run restore left a user not as journaled (the journal is kept for ``restore``)."""


def _restore(target: Target, config: pytest.Config) -> None:
    """Restore every user the run journaled (this worker's).

    Runs in the session fixture's teardown, so under pytest-xdist each worker restores its own users.
    Outcomes go to stderr with numbers masked; a failure raises :class:`RestoreFailed` naming the
    ``restore`` command to run. It never changes a test's verdict: the results collector reports it
    beside the verdicts (``restore_failures``) and the run exits 5.
    """
    before = target.client.requests_sent
    outcomes = target.restore_journaled()
    if not outcomes:
        return
    failed = [o for o in outcomes if not o.ok]
    journal = target.journal.path if target.journal else "?"
    lines = [o.line() for o in outcomes]
    if failed:
        lines.append(f"RESTORE FAILED for {', '.join(o.user.key for o in failed)}: run "
                     f"python -m conformance restore {journal} --target {target.profile.path}")
    else:
        lines.append(f"journal {journal}: {len(outcomes)} user(s) restored and verified "
                     f"({target.client.requests_sent - before} requests)")
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\n" + "\n".join(lines), file=sys.stderr, flush=True)
    if failed:
        raise RestoreFailed(f"restore failed for {', '.join(o.user.key for o in failed)}: run "
                            f"python -m conformance restore {journal} --target {target.profile.path}")


def user_or_skip(target: Target, role: str) -> User:
    """This worker's user for ``role``, skipping the test (with the reason) when the profile has none.

    A name that is no role at all raises :class:`~conformance.target.target.UnknownRole`: the test fails.
    """
    try:
        return target.user(role)
    except RoleMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture
def user_of(target: Target, request: pytest.FixtureRequest) -> Callable[[str], User]:
    """Return :func:`user_or_skip` for this test's target: a role name in, the worker's user out."""
    return functools.partial(user_or_skip, target)


@pytest.fixture(autouse=True)
def _mode_guard(request: pytest.FixtureRequest) -> None:
    """Skip writing tests in readonly mode and non-smoke tests in smoke mode."""
    if not _rules_of(request.node) or not getattr(request.config, "_conformance_active", False):
        return
    try:
        profile = profile_of(request.config)
    except ToolError:
        return
    if profile.mode == "readonly" and request.node.get_closest_marker("readonly") is None:
        pytest.skip("mode = readonly: this test writes")
    if profile.mode == "smoke" and request.node.get_closest_marker("smoke") is None:
        pytest.skip("mode = smoke: not part of the smoke plan")


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Record an observation (what the target did where the spec is silent) in the results."""

    def record(topic: str, **data: Any) -> None:
        request.node.user_properties.append(("observation", {"topic": topic, **data}))

    return record
