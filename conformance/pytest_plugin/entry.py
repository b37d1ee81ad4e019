"""The ``pytest11`` entry point: loads the suite's plugin only into a pytest run of the suite.

pytest loads every installed ``pytest11`` plugin into every session of the environment. The suite's
plugin adds options (``--target``, ``--rule``, ...), masks phone numbers in every report and writes
``reports/latest``: none of that belongs in another project's test run. So the installed entry point is
this small module, which imports nothing heavy and registers
:mod:`conformance.pytest_plugin.plugin` only when the command line asks for the suite:

* ``--target`` is given (``pytest --pyargs conformance.suite --target PROFILE``), or
* an argument names the suite: ``--pyargs conformance.suite[.test_x]``, or a path at or inside the
  installed suite's folder, or the ``conformance`` package's folder (``pytest conformance`` in the checkout).

A folder that merely holds the package somewhere below (a project with its virtualenv inside) does not
count: pytest does not collect a virtualenv, and the user's own run must stay untouched.

The plugin is registered under its module name, the name ``-p conformance.pytest_plugin.plugin``
(``python -m conformance run``) and the checkout's root ``conftest.py`` use: whichever comes first
registers it, the others find it there (no double registration).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from conformance import PACKAGE_DIR, SUITE_DIR

PLUGIN = "conformance.pytest_plugin.plugin"
"""The suite's pytest plugin, by module name."""


def wants_suite(args: Sequence[str], invocation_dir: Path) -> bool:
    """True when a pytest command line (``args``, run in ``invocation_dir``) runs the conformance suite."""
    for arg in args:
        if arg == "--target" or arg.startswith("--target="):
            return True
    return any(_names_suite(arg, invocation_dir) for arg in args if not arg.startswith("-"))


def runs_suite(config: pytest.Config) -> bool:
    """True when this session runs the suite: ``--target``, ``-p`` of the plugin, or an argument naming the suite.

    The plugin's hooks act only then; in any other session that loaded it (the checkout's own tests, through
    the root ``conftest.py``) it stays inert: no reports written, no report rewritten.
    """
    if PLUGIN in (getattr(config.option, "plugins", None) or ()) or config.getoption("--target", None) is not None:
        return True
    return wants_suite([str(a) for a in config.invocation_params.args], config.invocation_params.dir)


def _names_suite(arg: str, invocation_dir: Path) -> bool:
    """True when ``arg`` (a path or a dotted module name, maybe with ``::test``) is or holds the suite."""
    name = arg.split("::", 1)[0]
    if not name:
        return False
    parts = name.split(".")
    if parts[0] == PACKAGE_DIR.name and all(p.isidentifier() for p in parts):
        return len(parts) == 1 or parts[1] == SUITE_DIR.name
    try:
        path = (invocation_dir / name).resolve()
    except (OSError, RuntimeError):  # pragma: no cover - an unresolvable argument is pytest's to report
        return False
    return path in (SUITE_DIR, PACKAGE_DIR) or SUITE_DIR in path.parents


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Register the suite's plugin (its options, fixtures and hooks) when this run is a run of the suite."""
    manager = early_config.pluginmanager
    if manager.has_plugin(PLUGIN) or manager.is_blocked(PLUGIN):
        return
    if wants_suite(args, early_config.invocation_params.dir):
        manager.import_plugin(PLUGIN)
