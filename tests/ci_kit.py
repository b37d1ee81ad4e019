"""Helpers of the CI-adoption tests: a copy of the package's sources, a venv that sees the system's packages,
and an environment free of the checkout (no PYTHONPATH), so that what runs is what an install gives."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("conformance", "strategies", "graph_phone_emulator")
"""The installed top-level names: the design's ``conformance`` and ``strategies``, and the emulator's own name."""
SOURCES = ("pyproject.toml", "README.md", *PACKAGES)
"""What a build of the distribution reads."""


def copy_sources(dest: Path) -> Path:
    """Copy what the build needs to ``dest`` (a build writes ``*.egg-info`` beside its sources: not in the checkout)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def make_venv(path: Path) -> Path:
    """A fresh venv that sees the packages of the running environment (the dependencies: nothing is downloaded);
    its bin folder.

    ``--system-site-packages`` alone is not enough: run from CI's venv it would show the base interpreter's
    packages, not the venv's. A ``.pth`` file appends the running environment's site-packages folders after the
    new venv's own, so what is installed into the new venv comes first. (``.pth`` files in those folders are not
    run: an editable install of the checkout there stays invisible.)
    """
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True, timeout=300)
    python = path / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True, timeout=60, env=clean_env()).stdout.strip()
    outer = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(own) / "_outer_environment.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    return path / "bin"


def clean_env(bin_dir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment without the checkout on the path and without the outer pytest's variables."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV")
           and not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT", "GITHUB_"))}
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env
