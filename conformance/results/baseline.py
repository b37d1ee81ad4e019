"""Turn a run's ``results.json`` into a committed baseline for ``python -m conformance compare``.

    python -m conformance run --quick --results-dir /tmp/base
    python -m conformance.results.baseline /tmp/base/results.json reports/baselines/embedded-emulator.json

The baseline is the results document without the fields that change on every run (``started``,
``finished``, ``duration_s``), so that refreshing it shows only real changes in review.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.core.errors import EXIT_CONFORMS, EXIT_USAGE, ToolError
from conformance.results.compare import strip_volatile
from conformance.results.document import load_results


def write_baseline(results: Path, dest: Path) -> None:
    """Write ``results`` (a results.json) to ``dest`` without its volatile fields; refuse a failing run."""

    data = load_results(results)
    failing = sorted(rid for rid, r in data["rules"].items() if r["verdict"] in {"fail", "broken"})
    if failing:
        raise ToolError(f"{results}: a baseline must come from a run without failures ({', '.join(failing)})")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(strip_volatile(data), indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m conformance.results.baseline RESULTS DEST``; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m conformance.results.baseline RESULTS_JSON BASELINE_JSON", file=sys.stderr)
        return EXIT_USAGE
    try:
        write_baseline(Path(args[0]), Path(args[1]))
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"wrote {args[1]}")
    return EXIT_CONFORMS


if __name__ == "__main__":
    sys.exit(main())
