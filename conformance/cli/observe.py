"""``python -m conformance observe``: ask a target every open question once, write the observation ledger.

Only the probes of :mod:`conformance.probes.questions` are sent (a smoke-sized run: each probe is a set-up,
one request and a read-back), through the suite's guarded, journaled client; the users are restored
at the end. The ledger (:mod:`conformance.probes.ledger`) goes to ``observations/<target name>.toml`` unless
``--out`` says otherwise. An existing ledger at that path keeps the day of every unchanged answer, so
observing an unchanged target twice gives the same file.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from conformance.core.errors import EXIT_CONFORMS
from conformance.probes.attach import EMBEDDED, opened, parse_spec
from conformance.probes.ledger import Ledger, build_ledger, check_questions, read_ledger, write_ledger
from conformance.probes.questions import QUESTIONS, observe_scenarios
from conformance.probes.scenarios import run_scenarios
from conformance.target.profile import load_profile


def add_observe_options(p: argparse.ArgumentParser) -> None:
    """Options of ``observe``."""
    p.add_argument("--target", default=EMBEDDED,
                   help="profile TOML or 'embedded', optionally ?key=value&... for an embedded emulator")
    p.add_argument("--out", help="ledger to write (default: observations/<target name>.toml)")
    p.add_argument("--question", action="append", default=[],
                   help="observe only this question (repeatable); the ledger's other entries are kept")
    p.add_argument("--list", action="store_true", help="list the questions and exit")


def run_observe(args: argparse.Namespace) -> int:
    """Run the observation probes against ``args.target`` and write the ledger; return the exit code."""
    if args.list:
        for q in QUESTIONS.values():
            print(f"{q.id:<44} {q.facts}")
        return EXIT_CONFORMS
    questions = check_questions(args.question) if args.question else list(QUESTIONS)
    spec = parse_spec(args.target)
    profile = load_profile(spec.profile)
    out = Path(args.out) if args.out else Path("observations") / f"{_slug(profile.name)}.toml"
    previous = read_ledger(out) if out.exists() else None
    wanted = {s for q in questions for s in QUESTIONS[q].scenarios}
    scenarios = [s for s in observe_scenarios() if s.id in wanted]
    with opened(spec) as target:
        outcomes = {o.scenario: o for o in run_scenarios(target, scenarios)}
        sent = target.client.requests_sent
        edition = target.edition
    if previous is not None and (previous.name, previous.edition) != (profile.name, edition):
        previous = None  # another target's ledger: nothing to carry over
    ledger = build_ledger(profile.name, profile.kind, edition, outcomes, questions=questions, previous=previous)
    write_ledger(ledger, out)
    print(answer_table(ledger, questions))
    print(f"\n{len(questions)} question(s), {len(scenarios)} probes, {sent} requests "
          f"(set-up and read-back included); ledger written to {out}")
    return EXIT_CONFORMS


def answer_table(ledger: Ledger, questions: list[str]) -> str:
    """One line per question: its id, the answer seen and how many probes agreed."""
    lines = [f"{'question':<44} {'agreed':>6}  answer"]
    for qid in questions:
        e = ledger.entries[qid]
        if e.skipped:
            lines.append(f"{qid:<44} {'-':>6}  not observed: {e.skipped}")
            continue
        answer = " ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}" for k, v in e.answer.items())
        lines.append(f"{qid:<44} {f'{e.agreed}/{e.probes}':>6}  {answer}")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "target"
