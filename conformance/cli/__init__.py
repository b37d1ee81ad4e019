"""``python -m conformance``: run the suite, list rules, show samples, prove the suite, compare runs.

Exit codes: 0 conforms; 1 a rule failed; 2 bad usage or profile; 3 target unreachable or its
credentials rejected at preflight; 4 the environment broke the run (throttling, budget); 5 a restore
failed (outranks everything: a user may be locked out).
Errors in our own input are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.core.errors import (
    EXIT_BROKEN,
    EXIT_CONFORMS,
    EXIT_NONCONFORMANT,
    EXIT_RESTORE_FAILED,
    EXIT_USAGE,
    ToolError,
)

DEFAULT_RESULTS = Path("reports") / "latest"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        """Report a usage error in one line and exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = _Parser(prog="python -m conformance", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run the suite against a target (default: the embedded emulator)")
    add_run_options(run)

    rules = sub.add_parser("rules", help="list the rule catalog")
    rules.add_argument("--edition", choices=("seed", "current"))
    rules.add_argument("--markdown", action="store_true", help="a markdown table")

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
    faults.add_argument("--fault", action="append", default=[], help="only this fault (repeatable)")
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

    from conformance.cli.diff import add_diff_options
    from conformance.cli.observe import add_observe_options

    add_observe_options(sub.add_parser("observe", help="answer every open question once; write a ledger"))
    add_diff_options(sub.add_parser("diff", help="replay the same probes against two targets; list differences"))
    return p


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Options of ``run`` (shared with the kill matrix's runs)."""
    run.add_argument("--target", help="target profile TOML (default: embedded emulator)")
    run.add_argument("--edition", choices=("seed", "current"))
    run.add_argument("--examples", type=int, help="Hypothesis examples per property")
    run.add_argument("--quick", action="store_true", help="a small example budget")
    run.add_argument("--rule", action="append", default=[], help="only this rule id (repeatable)")
    run.add_argument("--emulator-gray", choices=("reject", "accept"))
    run.add_argument("--emulator-fault", action="append", default=[])
    run.add_argument("--emulator-choice", action="append", default=[], metavar="KEY=VALUE",
                     help="embedded emulator: set an open choice (repeatable)")
    run.add_argument("--emulator-observations", metavar="LEDGER",
                     help="embedded emulator: answer every open question as this observation ledger says")
    run.add_argument("--results-dir", default=str(DEFAULT_RESULTS))
    run.add_argument("--expectations", help="known failures of this target (TOML)")
    run.add_argument("--write-expectations", metavar="FILE", help="write a template from the current failures")
    run.add_argument("--jobs", "-n", type=int, default=0, help="pytest-xdist workers")
    run.add_argument("--plan", action="store_true", help="print the requests the run would make; send nothing")
    run.add_argument("--i-understand-this-writes", action="store_true", dest="allow_writes")
    run.add_argument("--verbose", "-v", action="store_true", help="pytest's full output")
    run.add_argument("--no-shrink", action="store_true", help="report failing examples unshrunk (faster)")
    run.add_argument("--budget-plan", action="store_true",
                     help="every rule exercised in a few hundred requests (always on for a tenant in mode = full)")
    run.add_argument("--first-rule", action="append", default=[], metavar="ID",
                     help="run this rule's tests before the others (repeatable; the kill matrix uses it)")
    run.add_argument("--stop-at-first-failure", action="store_true",
                     help="stop the run at the first failing test (the kill matrix uses it)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from conformance.cli.run import run_suite

        return run_suite(args)
    if args.command == "rules":
        return _rules(args)
    if args.command == "samples":
        if args.count < 1:
            raise ToolError("--count must be at least 1")
        from strategies.samples import sample_report

        print(sample_report(args.count, seed=args.seed))
        return EXIT_CONFORMS
    if args.command == "faults":
        from conformance.kill_matrix.matrix import run_kill_matrix

        return run_kill_matrix(args)
    if args.command == "compare":
        from conformance.results.compare import compare_files

        return compare_files(args.baseline, args.new, markdown=args.markdown)
    if args.command == "report":
        from conformance.results.report import build_report

        return build_report(Path(args.results_dir), html=args.html)
    if args.command == "restore":
        from conformance.safety.journal import restore_from_journal

        return restore_from_journal(args.journal, args.target)
    if args.command == "observe":
        from conformance.cli.observe import run_observe

        return run_observe(args)
    if args.command == "diff":
        from conformance.cli.diff import run_diff

        return run_diff(args)
    raise ToolError(f"unknown command {args.command}")  # pragma: no cover


def _rules(args: argparse.Namespace) -> int:
    from conformance.spec.rules import RULES

    rules = [r for r in RULES.values() if not args.edition or args.edition in r.editions]
    if args.markdown:
        print("| rule | severity | editions | statement | source |\n|---|---|---|---|---|")
        for r in rules:
            print(f"| `{r.id}` | {r.severity} | {', '.join(r.editions)} | {r.statement} | {r.source} |")
    else:
        for r in rules:
            print(f"{r.id:<36} {r.severity:<9} {','.join(r.editions):<13} {r.statement}")
            print(f"{'':<36} source: {r.source}")
    return EXIT_CONFORMS


def exit_code_for(results: dict) -> int:
    """The run's exit code: 5 when a restore failed, else 1 on a failed rule, else 4 when the environment broke.

    A failed restore outranks every verdict: someone may be locked out of their phone sign-in, and
    the verdicts are in the reports either way.
    """
    if results.get("restore_failures"):
        return EXIT_RESTORE_FAILED
    verdicts = {r["verdict"] for r in results["rules"].values()}
    if "fail" in verdicts:
        return EXIT_NONCONFORMANT
    if "broken" in verdicts:
        return EXIT_BROKEN
    return EXIT_CONFORMS


def load_results(path: Path) -> dict:
    """Read a results.json document, with a one-line error when it is missing or broken."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ToolError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise ToolError(f"{path}: not a results.json ({exc})") from None
