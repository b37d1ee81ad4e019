"""The run's settings as the suite's tests and hooks read them: profile, edition, mode, example budgets.

Read by the plugin's hooks and fixtures, the collector and the Allure labels, and by the tests through
:func:`suite_settings` and :func:`in_budget_plan` (re-exported by :mod:`conformance.testing`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

from conformance.core.errors import ToolError
from conformance.safety import budget
from conformance.target.profile import TargetProfile, load_profile

DEFAULT_EXAMPLES = 30
QUICK_EXAMPLES = 6
SMOKE_EXAMPLES = 1
SUITE_PROFILE = "conformance"
_budget_plan = False  # set by configure_hypothesis: the run follows conformance.safety.budget

# Shares of the run's example budget a property draws (``suite_settings(share)``), named by why it draws
# fewer than the full budget. The budget plan ignores them: there every property draws the plan's count.
PER_CASE = 0.5
"""A property parametrized over many cases that each draw examples: per permission rule, per schema operation."""
PER_SEQUENCE = 0.5
"""A state machine: each example is a whole sequence of steps (many requests)."""
FEW_BEHAVIOURS = 0.5
"""The target can tell few of the drawn inputs apart (three matching id/type pairs, six mismatched ones, a
create or an update with some unknown phoneType): more examples repeat what was sent."""
WIDENS_EXHAUSTIVE = 0.3
"""A rule a parametrized test already covers case by case; this property only widens the inputs (any unknown
GUID, any malformed id)."""
EXPENSIVE_EXAMPLE = 0.3
"""Each example costs two writes and two read-backs (the same update sent twice)."""
PER_INVALID_LABEL = 0.34
"""One test per invalid-number label: about a third of the budget for each (two examples in a ``--quick``
run, ten in a full one), so that every kind of garbage is sent on every run."""
PER_GRAY_LABEL = 0.2
"""One test per gray-zone label, whose outcome is recorded rather than asserted: a fifth of the budget for each
(one example in a ``--quick`` run, six in a full one)."""

_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
           HealthCheck.data_too_large]


def configure_hypothesis(config: pytest.Config) -> None:
    """Register the Hypothesis settings profile of this run (example budget, phases) and the budget plan."""
    global _budget_plan
    examples = config.getoption("--examples")
    smoke = mode_of(config) == "smoke"
    _budget_plan = budget_plan(config)
    if examples is None:
        examples = (SMOKE_EXAMPLES if smoke else budget.EXAMPLES if _budget_plan
                    else QUICK_EXAMPLES if config.getoption("--quick") else DEFAULT_EXAMPLES)
    if examples < 1:
        raise pytest.UsageError("--examples must be at least 1")
    settings.register_profile(
        SUITE_PROFILE,
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=_HEALTH,
        print_blob=False,
        # one failure per test, the one replayed last: its requests are the counterexample's (never a group)
        report_multiple_bugs=False,
        # the smoke plan is a short, fixed list of requests: never shrink there (it would send more)
        phases=_phases(config.getoption("--no-shrink") or smoke or _budget_plan),
    )


def budget_plan(config: pytest.Config) -> bool:
    """True when the run follows the budget plan: ``--budget-plan``, or a tenant in ``mode = full``."""
    if config.getoption("--budget-plan"):
        return True
    try:
        profile = profile_of(config)
    except ToolError:
        return False
    return profile.kind == "tenant" and profile.mode == "full"


def in_budget_plan() -> bool:
    """True inside a run that follows the budget plan (:mod:`conformance.safety.budget`); read at import by tests."""
    return _budget_plan


def _phases(no_shrink: bool) -> tuple[Phase, ...]:
    return tuple(p for p in Phase if not (no_shrink and p in (Phase.shrink, Phase.explain)))


def suite_settings(fraction: float = 1.0, **overrides: Any) -> settings:
    """Hypothesis settings for a suite property: the run's example budget, scaled by ``fraction`` (one of
    the named shares above, e.g. :data:`PER_CASE`; 1.0 for the whole budget).

    Under the budget plan every property gets the run's example count unscaled (one, unless ``--examples``).
    """
    try:
        parent = settings.get_profile(SUITE_PROFILE)
    except InvalidArgument:  # imported outside a suite run (e.g. by the project's own tests)
        parent = settings(max_examples=QUICK_EXAMPLES, deadline=None, suppress_health_check=_HEALTH)
    examples = parent.max_examples if _budget_plan else max(1, int(parent.max_examples * fraction))
    return settings(parent, max_examples=examples, **overrides)


def edition_of(config: pytest.Config) -> str:
    """The run's spec edition: ``--edition``, else the profile's (``seed`` when the profile is broken)."""
    chosen = config.getoption("--edition")
    if chosen:
        return chosen
    try:
        return profile_of(config).edition
    except ToolError:
        return "seed"


def mode_of(config: pytest.Config) -> str:
    """The profile's mode (``full`` when the profile is broken: reported by the target fixture)."""
    try:
        return profile_of(config).mode
    except ToolError:
        return "full"


def profile_of(config: pytest.Config) -> TargetProfile:
    """The run's target profile, loaded once per session."""
    cached = getattr(config, "_conformance_profile", None)
    if cached is None:
        cached = load_profile(config.getoption("--target"))
        config._conformance_profile = cached  # type: ignore[attr-defined]
    return cached


def worker_index() -> int:
    """The pytest-xdist worker number (0 when not distributed)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def results_dir(config: pytest.Config) -> Path:
    """Where this run's reports go."""
    chosen = config.getoption("--results-dir")
    return Path(chosen) if chosen else Path.cwd() / "reports" / "latest"
