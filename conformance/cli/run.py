"""``python -m conformance run``: validate the profile, preflight the target, run pytest, report."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from conformance import SUITE_DIR
from conformance.core.errors import EXIT_USAGE, ToolError
from conformance.spec.rules import RULES
from conformance.target.profile import load_profile


def pytest_args(args: argparse.Namespace, results_dir: Path) -> list[str]:
    """The pytest command line for a run."""
    out = [str(SUITE_DIR), "-p", "conformance.pytest_plugin.plugin", "-p", "no:cacheprovider", "-p", "no:randomly",
           f"--rootdir={SUITE_DIR.parent.parent}", "--results-dir", str(results_dir),
           "--junitxml", str(results_dir / "junit.xml"),
           "--alluredir", str(results_dir / "allure-results"), "--clean-alluredir"]
    out += ["-q", "--tb=short", "--no-header"] if not args.verbose else ["-v"]
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

    from conformance.cli import exit_code_for, load_results
    from conformance.results.summary import rule_table

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
        from conformance.target.embedded import parse_choices

        parse_choices(args.emulator_choice)
    if getattr(args, "emulator_observations", None):
        from conformance.probes.ledger import read_ledger

        if not profile.embedded:
            raise ToolError("--emulator-observations applies only to the embedded emulator")
        read_ledger(Path(args.emulator_observations))
    if args.plan:  # sends nothing, not even the preflight
        from conformance.safety.plan import print_plan

        return print_plan(profile, edition, budget_plan=getattr(args, "budget_plan", False))
    if profile.kind == "tenant" and profile.mode == "full" and not args.allow_writes:
        raise ToolError("mode = full against a tenant needs --i-understand-this-writes on the command line")
    if not profile.embedded:
        from conformance.target.preflight import preflight

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
        from conformance.results.expectations import apply_expectations, write_template

        if args.write_expectations:
            write_template(data, Path(args.write_expectations))
        if args.expectations:
            data = apply_expectations(data, Path(args.expectations))
            from conformance.pytest_plugin.collector import write_results

            write_results(results_dir, data)
    print()
    print(rule_table(data))
    t = data["totals"]
    print(f"\n{t['passed']} passed, {t['failed'] + t.get('error', 0)} failed, {t['skipped']} skipped, "
          f"{t['broken']} broken; {data['requests']} requests; reports in {results_dir}/")
    for problem in data.get("restore_failures", []):
        print(f"RESTORE FAILED: {problem}", file=sys.stderr, flush=True)
    return exit_code_for(data)
