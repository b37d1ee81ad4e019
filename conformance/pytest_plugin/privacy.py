"""pytest plugin: mask tokens and phone numbers in every test report before anything shows it.

Mask what belongs to people, never what the suite made (:mod:`conformance.core.privacy`): tokens
always; phone numbers on a tenant, except those the suite itself sent (recorded at the transport,
and handed from pytest-xdist workers to the controller so its last pass over the files keeps them);
on an emulator numbers are nobody's and failures show them in full.

Test ids are masked at collection. The report hook runs innermost in ``pytest_runtest_makereport``,
so the terminal (failure text, captured output, the short summary), ``junit.xml`` (failures,
``system-out``, properties), the Allure listener, the results collector and pytest-xdist's
controller all receive the masked report. Files are scrubbed again after the session
(:func:`conformance.pytest_plugin.allure.pytest_unconfigure`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.core.privacy import GENERATED, Secrets, clean, prepare, redact
from conformance.pytest_plugin.allure import prepared_secrets


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mask test ids too (a parameter may hold a number): the terminal, junit.xml and results name tests by them."""
    secrets = _secrets(config)
    for item in items:
        name = clean(item.name, secrets)
        if name != item.name:
            item.name = name
            item._nodeid = clean(item.nodeid, secrets)  # pytest has no public setter; every reporter reads nodeid


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Mask the report's failure text, captured sections and user properties."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    mask_report(report, _secrets(item.config))


def mask_report(report: pytest.TestReport, secrets: Secrets | set[str]) -> None:
    """Rewrite ``report`` in place with tokens and phone numbers masked (structure kept where unchanged)."""
    secrets = prepare(secrets)
    if report.longrepr is not None and not report.skipped:
        text = report.longreprtext
        masked = clean(text, secrets)
        if masked != text:
            report.longrepr = masked
    elif isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        path, line, reason = report.longrepr
        report.longrepr = (path, line, clean(str(reason), secrets))
    report.sections = [(title, clean(body, secrets)) for title, body in report.sections]
    report.user_properties = [(key, _masked_value(value, secrets)) for key, value in report.user_properties]


_WORKER_KEY = "conformance_generated_numbers"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the controller the suite's own numbers this worker sent."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[_WORKER_KEY] = sorted(GENERATED.keys())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the controller: keep the numbers a finished worker sent as the suite's own."""
    GENERATED.merge(getattr(node, "workeroutput", {}).get(_WORKER_KEY, ()))


def _masked_value(value: Any, secrets: Secrets) -> Any:
    out = redact(value, secrets, numbers=True)
    return tuple(out) if isinstance(value, tuple) else out


def _secrets(config: pytest.Config) -> Secrets:
    return prepared_secrets(config)
