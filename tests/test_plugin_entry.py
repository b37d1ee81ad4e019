"""The ``pytest11`` entry point registers the suite's plugin only into a run of the suite, never twice; a session
that loaded the plugin without running the suite (the checkout's own tests, through the root conftest) keeps
its reports as they are."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import PACKAGE_DIR, SUITE_DIR
from conformance.pytest_plugin.entry import PLUGIN, wants_suite
from tests.ci_kit import ROOT, clean_env

OTHER = Path("/tmp")


@pytest.mark.parametrize(("args", "where", "wanted"), [
    (["--target", "x.toml"], OTHER, True),
    (["-q", "--target=x.toml"], OTHER, True),
    (["--pyargs", "conformance.suite"], OTHER, True),
    (["--pyargs", "conformance.suite.test_update::test_x"], OTHER, True),
    (["--pyargs", "conformance"], OTHER, True),
    (["conformance"], ROOT, True),
    (["conformance/suite/test_update.py::test_x"], ROOT, True),
    ([str(SUITE_DIR / "test_http.py")], OTHER, True),
    (["../conformance"], ROOT / "docs", True),
    (["tests"], ROOT, False),
    (["tests/suite/test_cli.py"], ROOT, False),
    (["-p", PLUGIN, "test_mine.py"], OTHER, False),  # explicit -p: runs_suite counts it, not this
    (["--pyargs", "conformance.pytest_plugin"], OTHER, False),
    ([str(PACKAGE_DIR.parents[1])], OTHER, False),  # a folder that only holds the package (a project with its venv)
    (["."], OTHER, False),
    (["-k", "target"], OTHER, False),
    ([], OTHER, False),
])
def test_wants_suite(args: list[str], where: Path, wanted: bool) -> None:
    assert wants_suite(args, where) is wanted


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=clean_env(PYTHONPATH=str(ROOT)))


def test_the_entry_point_adds_the_suites_options_only_when_asked(tmp_path: Path) -> None:
    entry = ["-p", "conformance.pytest_plugin.entry"]  # what the installed pytest11 entry point loads
    plain = _pytest(*entry, "--help", cwd=tmp_path)
    asked = _pytest(*entry, "--target", "x.toml", "--help", cwd=tmp_path)
    assert plain.returncode == 0 and asked.returncode == 0, plain.stderr + asked.stderr
    assert "--emulator-fault" not in plain.stdout
    assert "--emulator-fault" in asked.stdout


def test_entry_point_root_conftest_and_dash_p_register_the_plugin_once() -> None:
    """From the checkout, the entry point, the root conftest and ``-p`` all ask for the plugin: no error."""
    proc = _pytest("-p", "conformance.pytest_plugin.entry", "-p", PLUGIN, "conformance/suite/test_http.py",
                   "--co", "-q", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "already registered" not in proc.stderr


def test_the_plugin_is_inert_in_a_session_that_does_not_run_the_suite(tmp_path: Path) -> None:
    """A conftest that registers the plugin (as the checkout's root one does), a test outside the suite: its
    failure text is not rewritten and no reports are written."""
    (tmp_path / "conftest.py").write_text(f"pytest_plugins = [{PLUGIN!r}]\n", encoding="utf-8")
    (tmp_path / "test_mine.py").write_text(
        "import pytest\n\n@pytest.mark.rule('update-204')\n"
        "def test_mine():\n    assert '+1 425 555 0100' == 'x'\n", encoding="utf-8")
    proc = _pytest("-q", "test_mine.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "+1 425 555 0100" in proc.stdout  # the project's own failure, as written
    assert not (tmp_path / "reports").exists()
    asked = _pytest("-q", "test_mine.py", "-p", PLUGIN, "--results-dir", "out", cwd=tmp_path)
    assert asked.returncode == 1
    # asked, the plugin acts (its results are written); on the embedded emulator numbers are nobody's, so the
    # failure shows its value in full (masking covers tokens, and a tenant's own numbers)
    assert (tmp_path / "out" / "results.json").is_file() and "+1 425 555 0100" in asked.stdout
