"""Synthetic ``results.json`` documents for the report tests, built with the suite's own verdict code."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from conformance.pytest_plugin.collector import SCHEMA_VERSION, rule_verdicts
from conformance.spec.rules import RULES

FAILURE = ("Falsifying example: test_valid_update_answers_204_and_reads_back(\n"
           "    pair=('mobile', '3179e48a-750b-4051-897c-87b9720928f7'),\n"
           "    number='+1 5555551234',\n)\nDraw 1 (addressing): 'id'\n"
           "a valid update: expected 204, got PATCH /v1.0/users/x/authentication/phoneMethods/m -> 400 "
           '{"error": {"code": "invalidPhoneNumber", "message": "bad"}}')
CURL = ("curl -i -X PATCH 'http://127.0.0.1:1/v1.0/users/x/authentication/phoneMethods/m' "
        "-H 'Authorization: Bearer $TOKEN' --data-raw '{\"phoneNumber\": \"+1 5555551234\"}'")


def make_results(outcomes: dict[str, str] | None = None, *,
                 observations: list[dict[str, Any]] | None = None, kind: str = "emulator",
                 name: str = "embedded-emulator",
                 messages: dict[str, str] | None = None) -> dict[str, Any]:
    """A results document: every seed rule passes except as ``outcomes`` (rule -> test outcome) says."""
    outcomes = outcomes or {}
    messages = messages or {}
    tests = []
    for rid, rule in RULES.items():
        if "seed" not in rule.editions and rid not in outcomes:
            continue
        outcome = outcomes.get(rid, "passed")
        failed = outcome in {"failed", "error", "broken"}
        tests.append({"nodeid": f"conformance/suite/test_synthetic.py::test_{rid.replace('-', '_')}",
                      "rules": [rid], "outcome": outcome, "duration_s": 0.25, "requests": 4,
                      "message": messages.get(rid, FAILURE) if failed else
                      ("not in this profile" if outcome == "skipped" else None),
                      **({"curl": CURL} if failed else {})})
    totals = {"tests": len(tests), "passed": 0, "failed": 0, "error": 0, "skipped": 0, "broken": 0}
    for t in tests:
        totals[t["outcome"]] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "started": "2025-01-01T10:00:00+00:00",
        "finished": "2025-01-01T10:01:00+00:00",
        "duration_s": 60.0,
        "target": {"name": name, "kind": kind, "mode": "full", "base_url": "embedded", "edition": "seed"},
        "totals": totals,
        "requests": 4 * len(tests),
        "rules": rule_verdicts(tests, "seed"),
        "tests": tests,
        "observations": copy.deepcopy(observations or []),
    }


def gray(label: str, value: str, status: int, stored: str | None) -> dict[str, Any]:
    """A gray-zone observation as the suite records it."""
    return {"test": "conformance/suite/test_numbers.py::test_gray", "topic": "gray-zone", "label": label,
            "input": value, "status": status, "stored": stored,
            "code": None if status < 300 else "badRequest"}


def write(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as a results.json file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path
