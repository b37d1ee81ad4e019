"""The observation ledger: one small, versioned TOML file of what a target answered to each open question.

Format (``version = 2``)::

    version = 2

    [target]
    name = "embedded-emulator"   # the profile's [target] name
    kind = "emulator"            # emulator | tenant
    edition = "seed"             # the edition the probes ran in

    [questions.duplicate-type]
    facts = "§3 duplicate type: status and code [unk]"
    status = 409                 # the answer: status, code, present, shape, unmasked, state, input,
                                 # outcome, stored, order, remaining, applied
    code = "conflict"
    probes = 2                   # how many probes were sent for this question
    agreed = 2                   # how many of them gave this answer
    observed = "2026-05-01"      # UTC day this answer was first seen (kept while it stays the same)

A question no probe could be sent for has ``probes = 0`` and ``skipped = "reason"`` instead of an
answer. Entries are written in catalog order, keys in a fixed order: the same target, observed twice,
gives the same file (the day of an unchanged answer is carried over from the file being replaced).
Numbers in it are the suite's own synthetic ones.

Version 2 (issue 22) adds what an emulator needs to rebuild the behaviour: the questions
``unknown-property-update`` and ``read-only-property-update``, the shape of the number the mask was
seen on (``unmasked``), the types left after an accepted delete (``remaining``) and whether an
accepted read-only property was applied (``applied``). A version-1 file
is migrated when read (its mask was seen on the same synthetic number) and written back as version 2.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.core.errors import ToolError
from conformance.core.tomlfile import read_toml
from conformance.probes.questions import QUESTIONS, Answer
from conformance.probes.scenarios import Outcome

VERSION = 2
MIGRATED = {1: "the mask's reference shape added"}
"""Older versions read (and migrated in memory), with what the migration adds."""
ANSWER_KEYS = {"status": int, "code": str, "present": bool, "shape": str, "unmasked": str, "state": str,
               "input": str, "outcome": str, "stored": str, "order": str, "remaining": str, "applied": bool}
"""The answer fields an entry may carry, with their TOML types."""
META_KEYS = {"facts": str, "probes": int, "agreed": int, "observed": str, "skipped": str}
KEY_ORDER = ("facts", *ANSWER_KEYS, "probes", "agreed", "skipped", "observed")


class LedgerError(ToolError):
    """A ledger file that is missing, of another version, or names an unknown question."""


@dataclass
class Entry:
    """One question's line in the ledger."""

    question: str
    answer: Answer = field(default_factory=dict)
    probes: int = 0
    agreed: int = 0
    observed: str = ""
    skipped: str = ""

    def same_answer(self, other: Entry) -> bool:
        """True when ``other`` records the same answer from the same number of agreeing probes."""
        return (self.answer, self.probes, self.agreed, self.skipped) == (
            other.answer, other.probes, other.agreed, other.skipped)

    def table(self) -> dict[str, Any]:
        """The entry as its TOML table (keys in :data:`KEY_ORDER`)."""
        raw: dict[str, Any] = {"facts": QUESTIONS[self.question].facts, **self.answer, "probes": self.probes,
                               "agreed": self.agreed, "observed": self.observed}
        if self.skipped:
            raw["skipped"] = self.skipped
        return {k: raw[k] for k in KEY_ORDER if k in raw and raw[k] is not None}


@dataclass
class Ledger:
    """A target's answers to the open questions."""

    name: str
    kind: str
    edition: str
    entries: dict[str, Entry] = field(default_factory=dict)


def today() -> str:
    """The current UTC day, ``YYYY-MM-DD``."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def entry_from(question: str, outcomes: Mapping[str, Outcome], day: str) -> Entry:
    """Fold the outcomes of a question's probes into one entry (the most common answer; ties: the first)."""
    q = QUESTIONS[question]
    played = [outcomes[s] for s in q.scenarios if s in outcomes and not outcomes[s].skipped]
    if not played:
        reasons = sorted({outcomes[s].skipped or "not run" for s in q.scenarios if s in outcomes}) or ["not run"]
        return Entry(question, observed=day, skipped="; ".join(reasons))
    answers = [q.answer(o) for o in played]
    keys = [json.dumps(a, sort_keys=True) for a in answers]
    counts = Counter(keys)
    best = max(keys, key=lambda k: (counts[k], -keys.index(k)))
    return Entry(question, answer=answers[keys.index(best)], probes=len(played), agreed=counts[best], observed=day)


def build_ledger(name: str, kind: str, edition: str, outcomes: Mapping[str, Outcome], *,
                 questions: list[str] | None = None, previous: Ledger | None = None,
                 day: str | None = None) -> Ledger:
    """The ledger for ``outcomes``; with ``previous``, unchanged answers keep their day and others are kept."""
    day = day or today()
    chosen = questions or list(QUESTIONS)
    ledger = Ledger(name, kind, edition)
    for qid in QUESTIONS:
        old = previous.entries.get(qid) if previous else None
        if qid not in chosen:
            if old is not None:
                ledger.entries[qid] = old
            continue
        entry = entry_from(qid, outcomes, day)
        if old is not None and old.same_answer(entry):
            entry.observed = old.observed
        ledger.entries[qid] = entry
    return ledger


def check_questions(ids: list[str]) -> list[str]:
    """``ids`` when every one is a known question, else a one-line :class:`LedgerError`."""
    unknown = [q for q in ids if q not in QUESTIONS]
    if unknown:
        raise LedgerError(f"unknown question(s) {', '.join(unknown)} (known: {', '.join(QUESTIONS)})")
    return ids


def read_ledger(path: Path) -> Ledger:
    """Read and validate a ledger file; every problem is a one-line :class:`LedgerError`."""
    raw = read_toml(path, "ledger", LedgerError)
    where = f"ledger {path}"
    version = raw.get("version")
    if version != VERSION and version not in MIGRATED:
        raise LedgerError(f"{where}: version {version!r} is not supported (expected version = {VERSION}; "
                          f"{', '.join(map(str, MIGRATED))} read too)")
    target = raw.get("target")
    if not isinstance(target, dict) or not all(isinstance(target.get(k), str) for k in ("name", "kind", "edition")):
        raise LedgerError(f"{where}: [target] needs name, kind and edition")
    questions = raw.get("questions", {})
    if not isinstance(questions, dict):
        raise LedgerError(f"{where}: [questions] must be a table")
    unknown = [q for q in questions if q not in QUESTIONS]
    if unknown:
        raise LedgerError(f"{where}: unknown question {unknown[0]!r} (known: see python -m conformance observe --list)")
    ledger = Ledger(target["name"], target["kind"], target["edition"])
    for qid, table in questions.items():
        ledger.entries[qid] = _entry(qid, table, where)
    if version == 1:
        _migrate_v1(ledger)
    return ledger


V1_UNMASKED = "+# ##########"
"""The shape of the number version-1 ledgers observed the mask on (the synthetic mobile, unchanged)."""


def _migrate_v1(ledger: Ledger) -> None:
    """Version 1 -> 2: the masked-number answer gains the shape of the number it was seen on."""
    masked = ledger.entries.get("masked-number")
    if masked is not None and masked.answer.get("shape") and "unmasked" not in masked.answer:
        masked.answer = {**masked.answer, "unmasked": V1_UNMASKED}


def _entry(qid: str, table: Any, where: str) -> Entry:
    if not isinstance(table, dict):
        raise LedgerError(f"{where}: question {qid} must be a table")
    types = {**ANSWER_KEYS, **META_KEYS}
    for key, value in table.items():
        want = types.get(key)
        if want is None:
            raise LedgerError(f"{where}: question {qid}: unknown field {key!r}")
        if not isinstance(value, want) or (want is int and isinstance(value, bool)):
            raise LedgerError(f"{where}: question {qid}: {key} must be a {want.__name__}")
    answer = {k: table[k] for k in ANSWER_KEYS if k in table}
    return Entry(qid, answer=answer, probes=table.get("probes", 0), agreed=table.get("agreed", 0),
                 observed=table.get("observed", ""), skipped=table.get("skipped", ""))


HEADER = """\
# Observation ledger: what one target answered where the facts leave the behaviour open.
# Written by `python -m conformance observe`; review it like code. One entry per question:
# the answer seen, how many probes were sent (probes) and how many gave that answer (agreed),
# and the UTC day the answer was first observed. Numbers are the suite's own synthetic ones.
"""


def render_ledger(ledger: Ledger) -> str:
    """The ledger as TOML text (deterministic: catalog order, fixed key order)."""
    lines = [HEADER, f"version = {VERSION}", "", "[target]"]
    lines += [f"{k} = {_value(v)}" for k, v in (("name", ledger.name), ("kind", ledger.kind),
                                                   ("edition", ledger.edition))]
    for qid in QUESTIONS:
        entry = ledger.entries.get(qid)
        if entry is None:
            continue
        lines += ["", f"[questions.{_key(qid)}]"]
        lines += [f"{k} = {_value(v)}" for k, v in entry.table().items()]
    return "\n".join(lines) + "\n"


def write_ledger(ledger: Ledger, path: Path) -> None:
    """Write the ledger to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_ledger(ledger), encoding="utf-8")


def _key(key: str) -> str:
    bare = all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
