"""The ``results.json`` document: its types, its JSON Schema, reading it back, and the exit code it gives.

Written by the pytest plugin's collector (through :func:`conformance.results.report.write_results`),
read by ``compare``, ``report``, the expectations gate and the kill matrix. The schema beside this
module (``results.schema.json``) is the contract; ``docs/results-schema.md`` explains each field.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import jsonschema

from conformance.core.errors import (
    EXIT_BROKEN,
    EXIT_CONFORMS,
    EXIT_NONCONFORMANT,
    EXIT_RESTORE_FAILED,
    ToolError,
)

SCHEMA_VERSION = 1
"""The ``schema_version`` this suite writes and reads."""
SCHEMA_PATH = Path(__file__).with_name("results.schema.json")
"""The JSON Schema of the document."""


class TargetInfo(TypedDict):
    """``target``: what was tested."""

    name: str
    kind: str
    edition: str
    mode: NotRequired[str]
    base_url: NotRequired[str]
    emulator_gray: NotRequired[str]
    emulator_faults: NotRequired[list[str]]
    emulator_choices: NotRequired[list[str]]
    emulator_observations: NotRequired[str]


class RuleVerdict(TypedDict):
    """``rules.<id>``: the verdict over a rule's tests."""

    verdict: str
    statement: str
    severity: str
    source: str
    applies: bool
    tests: list[str]
    counterexample: str | None
    reproduce: str | None
    replay: NotRequired[dict[str, Any] | None]
    skip_reasons: list[str]
    cause: NotRequired[str]
    expectation: NotRequired[dict[str, Any]]


class TestRecord(TypedDict):
    """``tests[]``: one pytest test."""

    nodeid: str
    rules: list[str]
    outcome: str
    duration_s: float
    message: str | None
    requests: int
    failed_at_s: NotRequired[float]
    cause: NotRequired[str]
    curl: NotRequired[str | None]
    replay: NotRequired[dict[str, Any]]


class NotEvaluated(TypedDict):
    """``not_evaluated[]``: the rules one cause kept from being evaluated (verdict ``broken``)."""

    cause: str
    rules: list[str]
    example: NotRequired[str | None]


class ResultsDocument(TypedDict):
    """The whole ``results.json``."""

    schema_version: int
    started: NotRequired[str]
    finished: NotRequired[str]
    duration_s: NotRequired[float]
    target: TargetInfo
    totals: dict[str, int]
    requests: int
    rules: dict[str, RuleVerdict]
    tests: list[TestRecord]
    observations: list[dict[str, Any]]
    not_evaluated: NotRequired[list[NotEvaluated]]
    restore_failures: NotRequired[list[dict[str, Any]]]
    expectations: NotRequired[dict[str, Any]]


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of ``results.json`` (draft 2020-12)."""
    return json.loads(SCHEMA_PATH.read_text())


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` breaks the schema, as ``path: message`` lines (empty when it conforms)."""
    validator = jsonschema.Draft202012Validator(schema())
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def load_results(path: Path) -> ResultsDocument:
    """Read a results.json document, with a one-line error when it is missing or broken."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ToolError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise ToolError(f"{path}: not a results.json ({exc})") from None


def exit_code_for(results: ResultsDocument) -> int:
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
