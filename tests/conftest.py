"""Settings every project test shares, serial or under pytest-xdist (``python -m pytest tests -n 2``).

* **Distribution.** Under ``-n N`` the default ``--dist load`` becomes ``loadgroup``: a module whose tests
  share a module- or package-scoped fixture (a whole suite run, a started emulator) is kept on one worker
  (``xdist_group`` = the module), so that fixture is paid once; every other test is spread one by one.
* **A worker looks serial to what it starts.** A worker forgets pytest-xdist's environment variables
  (``PYTEST_XDIST_WORKER`` ...), so a ``python -m conformance`` subprocess or a nested in-process run picks
  the users, journal names and interactive defaults of a serial run, whichever worker started it.
* **Compiled once per session.** This environment may set ``PYTHONDONTWRITEBYTECODE``, so every
  ``python -m conformance`` a test starts would recompile (and assertion-rewrite) pytest's plugins,
  Hypothesis and schemathesis: about 3 s of CPU per subprocess. The processes started by the tests write
  their bytecode to one temporary ``PYTHONPYCACHEPREFIX`` folder instead (outside the repository, removed
  at the end of the session) and share it.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_XDIST_VARIABLES = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")
_OWN_PREFIX = "_GPC_TEST_PYCACHE"  # the folder this session made (removed by the process that made it)
_GROUPED_SCOPES = frozenset({"module", "package"})


def pytest_configure(config: pytest.Config) -> None:
    """Group by module under xdist; forget xdist's variables in a worker; share compiled bytecode."""
    if hasattr(config, "workerinput"):
        for name in _XDIST_VARIABLES:
            os.environ.pop(name, None)
        return
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        folder = tempfile.mkdtemp(prefix="gpc-test-pycache-")
        os.environ["PYTHONPYCACHEPREFIX"] = folder
        os.environ[_OWN_PREFIX] = folder
        os.environ.pop("PYTHONDONTWRITEBYTECODE")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the bytecode folder this process made (the controller's, or a serial run's)."""
    if hasattr(config, "workerinput"):
        return
    folder = os.environ.pop(_OWN_PREFIX, None)
    if folder and os.environ.get("PYTHONPYCACHEPREFIX") == folder:
        os.environ.pop("PYTHONPYCACHEPREFIX")
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the tests of a module that shares a module- or package-scoped fixture in one xdist group."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("xdist_group") is not None:
            continue
        if any(d.scope in _GROUPED_SCOPES for defs in info.name2fixturedefs.values() for d in defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
