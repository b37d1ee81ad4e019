"""A kill-matrix worker: one process that runs ``conformance run`` in-process, job after job.

Started by :mod:`conformance.cli.kill_matrix.matrix` (a process pool): :func:`init` makes the embedded emulator
start once and be switched in place between runs (:func:`conformance.target.embedded.keep_running`), and
sends the runs' terminal output to a log file; :func:`run` runs one job. Python, pytest, Hypothesis,
schemathesis and the suite's modules are imported once per worker instead of once per run.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

from conformance.cli.run import run_command
from conformance.target.embedded import keep_running

_log: Path | None = None
_frozen = False


def init(log_dir: str) -> None:
    """Prepare this worker: keep emulators running between runs; terminal output to a log file."""
    global _log

    keep_running()
    fd, name = tempfile.mkstemp(prefix=f"worker-{os.getpid()}-", suffix=".log", dir=log_dir)
    _log = Path(name)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def run(argv: list[str]) -> tuple[int, float, str]:
    """Run ``python -m conformance run ARGV`` in this process; return (exit code, seconds, output tail)."""

    offset = _log.stat().st_size if _log else 0
    started = time.perf_counter()
    try:
        code = run_command(list(argv))
    except SystemExit as exc:  # argparse and pytest.exit outside a session
        code = exc.code if isinstance(exc.code, int) else 2
    except Exception as exc:
        print(f"error: the run raised {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 2
    seconds = time.perf_counter() - started
    _freeze()
    sys.stdout.flush()
    sys.stderr.flush()
    tail = ""
    if _log is not None:
        with _log.open("rb") as fh:
            fh.seek(max(offset, _log.stat().st_size - 4000))
            tail = fh.read().decode("utf-8", "replace")
    return int(code), seconds, tail


def _freeze() -> None:
    """After the first run, move what the imports built out of the collector's sight.

    pytest collects garbage several times at the end of every session; with Python, pytest, Hypothesis
    and schemathesis loaded that costs seconds a run unless the long-lived objects are frozen.
    """
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
