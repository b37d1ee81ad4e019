"""What a failed test means: the rule failed, or it was not evaluated (and why), with its counterexample.

Run on the pytest worker, where the exception itself is at hand (:func:`judge`); the result travels to
the controller in the report's ``user_properties`` (``verdict``, ``cause``, ``counterexample``), so the
collector never parses tracebacks for it.

* A rule **fails** only for an assertion of its own.
* It is **not evaluated** (BROKEN) when the environment stopped the test before a verdict: the suite
  could not arrange or read back the state (:class:`~conformance.target.target.SetupFailed`), no answer
  came (a timeout or a transport error, in every rule alike), the throttling or request budget ran
  out. The ``cause`` says which, in words that name no user, so that the report can group the rules one
  cause kept from being evaluated.
* A set-up that saw the claim of one of the test's own rules broken fails that rule: a DELETE that left
  the method in place is ``delete-204``'s failure, wherever it is seen.
* Hypothesis's exception groups are taken apart: a real failure among them wins; otherwise the first
  environment cause is reported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

import requests

from conformance.core.errors import BudgetExhausted
from conformance.target.client import TargetBroken
from conformance.target.tape import Tape
from conformance.target.target import SetupFailed

ASSERTION_LINES = 8
"""Lines of an assertion message kept in a counterexample."""


@dataclass(frozen=True)
class Judgement:
    """A failed test's meaning: ``verdict`` is ``failed`` or ``broken``; ``cause`` only for ``broken``."""

    verdict: str
    message: str
    cause: str | None = None


def leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside ``exc``: itself, or every member of a (nested) exception group."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaves(inner)
    else:
        yield exc


def environment_cause(exc: BaseException) -> str | None:
    """Why ``exc`` means the rule was not evaluated, or ``None`` when it is a verdict of the test's own."""
    if isinstance(exc, SetupFailed):
        return f"set-up: {exc.cause}"
    if isinstance(exc, requests.Timeout):
        return "no answer in time (timeout)"
    if isinstance(exc, requests.RequestException):
        return f"no answer ({type(exc).__name__})"
    if isinstance(exc, TargetBroken):
        return ("no answer (connection or timeout)" if exc.unanswered
                else "the target kept throttling (retries exhausted)")
    if isinstance(exc, BudgetExhausted):
        return "the run's request budget ran out"
    return None


def judge(exc: BaseException, tape: Tape | None, rules: Collection[str] = ()) -> Judgement:
    """The judgement of a test of ``rules`` that raised ``exc`` (``tape``: the exchanges of the failing example).

    A set-up that saw the claim of one of the test's own rules broken (a DELETE that left the method,
    for ``delete-204``) fails that rule; for every other rule it is a reason not to evaluate.
    """
    found = list(leaves(exc))
    own = [e for e in found if environment_cause(e) is None
           or (isinstance(e, SetupFailed) and e.owner is not None and e.owner in rules)]
    if own:
        return Judgement("failed", counterexample(own[0], tape))
    first = found[0]
    cause = environment_cause(first) or type(first).__name__
    return Judgement("broken", counterexample(first, tape, heading=f"not evaluated: {cause}"), cause)


def assertion_text(exc: BaseException) -> str:
    """The assertion's own message: pytest's rewritten ``assert`` explanation and Hypothesis notes dropped."""
    text = str(exc).strip()
    if isinstance(exc, SetupFailed):
        text = f"set-up: {text}"
    elif isinstance(exc, AssertionError):
        text = text.split("\nassert ", 1)[0].strip()
        if text.startswith("assert "):
            text = text.splitlines()[0]
    else:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > ASSERTION_LINES:
        lines = [*lines[:ASSERTION_LINES], f"… ({len(lines) - ASSERTION_LINES} more lines)"]
    return "\n".join(lines) or type(exc).__name__


def counterexample(exc: BaseException, tape: Tape | None, heading: str | None = None) -> str:
    """The assertion, then the failing example's requests and answers (no reprs of the suite's objects)."""
    lines = [heading] if heading else []
    lines.append(assertion_text(exc))
    shown = tape.render() if tape is not None else []
    if shown:
        lines += ["", "requests and answers of the failing example:", *shown]
    return "\n".join(lines)
