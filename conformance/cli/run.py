"""``python -m conformance run``: validate the profile, preflight the target, run pytest, report."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from conformance import SUITE_DIR
from conformance.cli.parser import DEFAULT_RESULTS, OneLineParser
from conformance.cli.terminal import final_report
from conformance.core.errors import EXIT_USAGE, ToolError
from conformance.probes.ledger import read_ledger
from conformance.results.document import exit_code_for, load_results
from conformance.results.expectations import apply_expectations, write_template
from conformance.results.report import write_results
from conformance.safety.plan import print_plan
from conformance.spec.rules import RULES
from conformance.target.embedded import parse_choices
from conformance.target.preflight import preflight
from conformance.target.profile import load_profile


def pytest_args(args: argparse.Namespace, results_dir: Path) -> list[str]:
    """The pytest command line for a run."""
    out = [str(SUITE_DIR), "-p", "conformance.pytest_plugin.plugin", "-p", "no:cacheprovider", "-p", "no:randomly",
           f"--rootdir={SUITE_DIR.parent.parent}", "--results-dir", str(results_dir),
           "--junitxml", str(results_dir / "junit.xml"),
           "--alluredir", str(results_dir / "allure-results"), "--clean-alluredir"]
    # pytest's assertion rewriting cannot rewrite hypothesis, imported before pytest.main (the CLI needs it)
    out += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    out += (["-qq", "--tb=no", "-rN", "--no-header", "--disable-warnings", "--rule-progress"] if not args.verbose
            else ["-v"])
    for flag in ("target", "edition", "examples", "emulator_gray", "emulator_observations"):
        value = getattr(args, flag, None)
        if value is not None:
            out += [f"--{flag.replace('_', '-')}", str(value)]
    if args.quick:
        out.append("--quick")
    if getattr(args, "no_shrink", False):
        out.append("--no-shrink")
    if getattr(args, "budget_plan", False):
        out.append("--budget-plan")
    for rule in args.rule:
        out += ["--rule", rule]
    for rule in getattr(args, "first_rule", ()):
        out += ["--first-rule", rule]
    if getattr(args, "stop_at_first_failure", False):
        out.append("--exitfirst")
    for fault in args.emulator_fault:
        out += ["--emulator-fault", fault]
    for choice in getattr(args, "emulator_choice", None) or []:
        out += ["--emulator-choice", choice]
    if args.allow_writes:
        out.append("--i-understand-this-writes")
    if args.jobs:
        if importlib.util.find_spec("xdist") is None:
            raise ToolError("--jobs needs pytest-xdist (pip install '.[dev]')")
        out += ["-n", str(args.jobs)]
    return out


def run_suite(args: argparse.Namespace) -> int:
    """Run the suite as ``args`` say; return the exit code."""
    import pytest


    profile = load_profile(args.target)
    unknown = [r for r in [*args.rule, *getattr(args, "first_rule", ())] if r not in RULES]
    if unknown:
        raise ToolError(f"unknown rule id(s): {', '.join(unknown)} (see: python -m conformance rules)")
    if args.examples is not None and args.examples < 1:
        raise ToolError("--examples must be at least 1")
    edition = args.edition or profile.edition
    profile.check_workers(args.jobs or 0)
    if getattr(args, "emulator_choice", None):
        if not profile.embedded:
            raise ToolError("--emulator-choice applies to the embedded emulator only (the profile names a URL)")

        parse_choices(args.emulator_choice)
    if getattr(args, "emulator_observations", None):

        if not profile.embedded:
            raise ToolError("--emulator-observations applies only to the embedded emulator")
        read_ledger(Path(args.emulator_observations))
    if args.plan:  # sends nothing, not even the preflight

        return print_plan(profile, edition, budget_plan=getattr(args, "budget_plan", False))
    if profile.kind == "tenant" and profile.mode == "full" and not args.allow_writes:
        raise ToolError("mode = full against a tenant needs --i-understand-this-writes on the command line")
    if not profile.embedded:

        preflight(profile, edition)
    results_dir = Path(args.results_dir)
    results_file = results_dir / "results.json"
    if results_file.exists():
        results_file.unlink()
    code = pytest.main(pytest_args(args, results_dir))
    if code in (pytest.ExitCode.USAGE_ERROR, EXIT_USAGE) and not results_file.exists():
        return EXIT_USAGE
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        raise ToolError("no test was selected")
    if not results_file.exists():
        print(f"error: the run ended ({int(code)}) without results", file=sys.stderr)
        return int(code) if int(code) in (2, 3) else EXIT_USAGE
    data = load_results(results_file)
    if args.expectations or args.write_expectations:

        if args.write_expectations:
            write_template(data, Path(args.write_expectations))
        if args.expectations:
            data = apply_expectations(data, Path(args.expectations))

            write_results(results_dir, data)
    print(final_report(data, str(results_dir)), flush=True)
    for problem in data.get("restore_failures", []):
        print(f"RESTORE FAILED: {problem}", file=sys.stderr, flush=True)
    return exit_code_for(data)


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


def run_command(argv: list[str]) -> int:
    """``python -m conformance run ARGV`` inside this process (the kill matrix's workers); the exit code."""
    parser = OneLineParser(prog="python -m conformance run")
    add_run_options(parser)
    try:
        return run_suite(parser.parse_args(argv))
    except ToolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
