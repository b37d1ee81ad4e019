"""The distribution: ``python -m build`` makes an sdist and, from it, a wheel; the wheel installs into a fresh venv
and, from a folder outside the checkout, the console script, ``python -m conformance run`` and
``pytest --pyargs conformance.suite`` each run the suite against the embedded emulator.

The venv sees the system's site-packages (the dependencies are there) and the wheel is installed with
``--no-deps --no-index``: nothing but the build's own backend comes from a registry. Every command runs
without PYTHONPATH, in a temporary folder, so that only the installed copy can answer.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from graph_phone_emulator.faults import FAULTS, FaultName
from tests.ci_kit import PACKAGES, clean_env, copy_sources, make_venv

RULE = "update-204"
FAULT = FaultName("update-not-stored")
PACKAGE_DATA = ("conformance/targets/emulator.toml", "conformance/targets/tenant.example.toml",
                "conformance/spec/openapi/phone-methods.yaml", "conformance/results/results.schema.json")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("build") is None,
                       reason="build is not installed (pip install '.[dev]')"),
]


class Installed:
    """The built files and a venv with the wheel installed; runs commands from a folder outside the checkout."""

    def __init__(self, root: Path) -> None:
        src = copy_sources(root / "src")
        self.dist = root / "dist"
        proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(self.dist), str(src)],
                              capture_output=True, text=True, timeout=600, env=clean_env())
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        self.wheel = next(self.dist.glob("*.whl"))
        self.sdist = next(self.dist.glob("*.tar.gz"))
        self.bin = make_venv(root / "venv")
        proc = subprocess.run([str(self.bin / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                               str(self.wheel)], capture_output=True, text=True, timeout=300, env=clean_env())
        assert proc.returncode == 0, proc.stdout + proc.stderr
        self.elsewhere = root / "elsewhere"
        self.elsewhere.mkdir()

    def run(self, *argv: str, folder: str = "", timeout: int = 600) -> subprocess.CompletedProcess[str]:
        """Run a venv command (``argv[0]`` names a file of the venv's bin) in a fresh folder outside the checkout."""
        cwd = self.elsewhere / (folder or argv[0])
        cwd.mkdir(exist_ok=True)
        return subprocess.run([str(self.bin / argv[0]), *argv[1:]], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, env=clean_env(self.bin))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The built distribution, installed into a venv."""
    return Installed(tmp_path_factory.mktemp("packaging"))


def test_the_wheel_installs_only_the_projects_own_top_level_names(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()
        tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
        top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        declared = set(wheel.read(top_level).decode().split())
        entry_points = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert tops == set(PACKAGES) == declared
    for path in PACKAGE_DATA:
        assert path in names, path
    assert "[pytest11]" in entry_points and "conformance.pytest_plugin.entry" in entry_points
    assert "graph-phone-conformance = conformance.cli:console_main" in entry_points


def test_the_sdist_carries_the_sources_and_the_package_data(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for path in (*PACKAGE_DATA, "pyproject.toml", "README.md", "conformance/suite/conftest.py"):
        assert path in names, path


def test_the_installed_copy_is_what_runs(installed: Installed) -> None:
    code = ("import conformance, graph_phone_emulator.config as c; print(conformance.__file__); "
            "print(c.DEFAULT_PROFILE.is_file()); c.load_config(None)")
    proc = installed.run("python", "-c", code, folder="import")
    assert proc.returncode == 0, proc.stderr
    where, default_profile = proc.stdout.split()
    assert where.startswith(str(installed.bin.parent)), where
    assert default_profile == "True"


def test_console_script_help_names_itself(installed: Installed) -> None:
    proc = installed.run("graph-phone-conformance", "--help", folder="help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: graph-phone-conformance"), proc.stdout[:300]
    proc = installed.run("graph-phone-conformance", "run", "--no-such-option", folder="help")
    assert proc.returncode == 2 and proc.stderr.startswith("graph-phone-conformance: error:"), proc.stderr


def test_console_script_runs_the_suite_from_another_folder(installed: Installed) -> None:
    proc = installed.run("graph-phone-conformance", "run", "--quick", "--rule", RULE)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = installed.elsewhere / "graph-phone-conformance" / "reports" / "latest"
    for name in ("summary.md", "results.json", "junit.xml", "index.html"):
        assert (reports / name).is_file(), name
    assert "PASS" in proc.stdout and RULE in proc.stdout


def test_python_m_conformance_run_catches_a_seeded_fault_from_another_folder(installed: Installed) -> None:
    assert RULE in FAULTS[FAULT].rules
    proc = installed.run("python", "-m", "conformance", "run", "--quick", "--no-shrink", "--rule", RULE,
                         "--emulator-fault", FAULT, folder="python-m")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "FAIL" in proc.stdout and RULE in proc.stdout


def test_pytest_pyargs_runs_the_suite_with_a_target_from_another_folder(installed: Installed) -> None:
    folder = installed.elsewhere / "pytest"
    folder.mkdir()
    profile = installed.bin.parent.glob("lib/python*/site-packages/conformance/targets/emulator.toml")
    (folder / "mine.toml").write_text(next(profile).read_text(encoding="utf-8"), encoding="utf-8")
    proc = installed.run("python", "-m", "pytest", "--pyargs", "conformance.suite", "--target", "mine.toml",
                         "--quick", "--rule", RULE, "-p", "no:randomly", "-q", folder="pytest")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout
    assert (folder / "reports" / "latest" / "results.json").is_file()


def test_the_plugin_stays_out_of_other_pytest_runs(installed: Installed) -> None:
    """Another project's pytest run in the same environment: no suite option, no reports written."""
    folder = installed.elsewhere / "other-project"
    folder.mkdir()
    (folder / "test_theirs.py").write_text("def test_theirs():\n    assert '+1 425 555 0100'\n", encoding="utf-8")
    proc = installed.run("python", "-m", "pytest", "--help", folder="other-project")
    assert proc.returncode == 0 and "--emulator-fault" not in proc.stdout
    proc = installed.run("python", "-m", "pytest", "-q", "-p", "no:randomly", folder="other-project")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (folder / "reports").exists()
    proc = installed.run("python", "-m", "pytest", "--target", "x.toml", "--help", folder="other-project")
    assert proc.returncode == 0 and "--emulator-fault" in proc.stdout  # --target asks for the suite: it is there
