"""``python -m conformance``: run the suite, list rules, show samples, prove the suite, compare runs.

Exit codes: 0 conforms; 1 a rule failed; 2 bad usage or profile; 3 target unreachable or its
credentials rejected at preflight; 4 the environment broke the run (throttling, budget); 5 a restore
failed (outranks everything: a user may be locked out).
Errors in our own input are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.cli import replay as replay_command
from conformance.cli import rules as rules_command
from conformance.cli import token as token_command
from conformance.cli.diff import add_diff_options, run_diff
from conformance.cli.kill_matrix.matrix import run_kill_matrix
from conformance.cli.observe import add_observe_options, run_observe
from conformance.cli.parser import DEFAULT_RESULTS, OneLineParser
from conformance.cli.run import add_run_options, run_suite
from conformance.core.errors import (
    EXIT_CONFORMS,
    ToolError,
)
from conformance.results.compare import compare_files
from conformance.results.report import build_report
from conformance.safety.restore import restore_from_journal

PROG = "python -m conformance"
"""How the module is invoked (``conformance/__main__.py``)."""
SCRIPT = "graph-phone-conformance"
"""The console script an install puts on PATH (``[project.scripts]``)."""


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The command-line interface, its usage and errors naming ``prog``."""
    p = OneLineParser(prog=prog, description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = sub.add_parser("run", help="run the suite against a target (default: the embedded emulator)")
    add_run_options(run)

    rules_command.add_parser(sub)

    samples = sub.add_parser("samples", help="example generated values and per-label counts")
    samples.add_argument("--count", type=int, default=20)
    samples.add_argument("--seed", type=int, default=0)

    faults = sub.add_parser("faults", help="run the suite against every seeded emulator fault (kill matrix)")
    faults.add_argument("--examples", type=int, default=None, help="Hypothesis examples per property")
    faults.add_argument("--quick", action="store_true", help="the reduced example budget CI uses")
    faults.add_argument("--budget-plan", action="store_true", help="run the budget plan (what a tenant gets)")
    faults.add_argument("--jobs", type=int, default=2)
    faults.add_argument("--attribute", action="store_true",
                        help="run the whole suite per fault and list every rule that fails "
                             "(default: stop at the first failure, the claimed rules' tests first)")
    faults.add_argument("--isolated", action="store_true",
                        help="a new process and emulator per run (default: one per worker, switched in place)")
    faults.add_argument("--fault", action="append", default=[],
                        help="only this fault (repeatable; one clean run, all defaults, then)")
    faults.add_argument("--results-dir", default=str(DEFAULT_RESULTS))

    compare = sub.add_parser("compare", help="regressions between two results.json files")
    compare.add_argument("baseline")
    compare.add_argument("new")
    compare.add_argument("--markdown", action="store_true", help="markdown for a pull request comment")

    report = sub.add_parser("report", help="turn reports/latest into an HTML report")
    report.add_argument("--html", action="store_true", help="also build the Allure 3 single-file report")
    report.add_argument("--results-dir", default=str(DEFAULT_RESULTS))

    restore = sub.add_parser("restore", help="restore users from a journal after a crashed tenant run")
    restore.add_argument("journal")
    restore.add_argument("--target", required=True, help="the profile the journal was written for")


    token_command.add_parser(sub)
    replay_command.add_parser(sub)
    add_observe_options(sub.add_parser("observe", help="answer every open question once; write a ledger"))
    add_diff_options(sub.add_parser("diff", help="replay the same probes against two targets; list differences"))
    return p


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Entry point; returns the exit code."""
    args = build_parser(prog).parse_args(argv)
    try:
        return _dispatch(args)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def console_main() -> int:
    """The ``graph-phone-conformance`` console script: :func:`main`, its help and errors naming the script."""
    return main(prog=SCRIPT)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":

        return run_suite(args)
    if args.command == "rules":
        return rules_command.command(args)
    if args.command == "samples":
        if args.count < 1:
            raise ToolError("--count must be at least 1")
        from strategies.samples import sample_report

        print(sample_report(args.count, seed=args.seed))
        return EXIT_CONFORMS
    if args.command == "faults":

        return run_kill_matrix(args)
    if args.command == "compare":

        return compare_files(args.baseline, args.new, markdown=args.markdown)
    if args.command == "report":

        return build_report(Path(args.results_dir), html=args.html)
    if args.command == "restore":

        return restore_from_journal(args.journal, args.target)
    if args.command == "token":
        return token_command.command(args)
    if args.command == "replay":
        return replay_command.command(args)
    if args.command == "observe":

        return run_observe(args)
    if args.command == "diff":

        return run_diff(args)
    raise ToolError(f"unknown command {args.command}")  # pragma: no cover

