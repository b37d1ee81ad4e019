"""The command line's shared parts: a parser whose usage errors are one line (exit 2), and defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.core.errors import EXIT_USAGE

DEFAULT_RESULTS = Path("reports") / "latest"
"""Where a run writes its reports unless told otherwise."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a usage error in one line and exits 2, never with a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Report a usage error in one line and exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")
