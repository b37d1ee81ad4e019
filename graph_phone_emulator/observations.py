"""Answer like an observed target: turn an observation ledger into the emulator's open choices.

The ledger (written by the suite's ``observe`` command; format ``version = 1``) records, per open
question, what a target answered. This module reads it on its own (the emulator knows nothing of the
suite) and maps each answer to a choice of :mod:`graph_phone_emulator.choices`. It is the one place where ledger
questions meet choice keys: :data:`MAPPING`.

An answer the emulator cannot express (no such choice in this build, or a value outside the choice's
allowed values) is not applied; :func:`choices_from_ledger` says so in its notes, one line each.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_phone_emulator.choices import CHOICES

VERSION = 1

GRAY_LABELS = (
    "no_space_after_country_code", "inner_spaces", "dashes", "dots", "parentheses", "surrounding_whitespace",
    "non_ascii_digits", "unassigned_country_code", "national_number_too_short", "national_number_too_long",
    "too_many_digits", "extension_too_long", "uppercase_extension_marker",
)
"""The gray-zone classes a ledger may hold (``gray-zone.<label>``); the suite's strategies define them."""

QUESTIONS = (
    "invalid-number", "unknown-property", "read-only-property", "phone-type-case", "patch-empty-body",
    "patch-same-type-only", "duplicate-type", "alternate-without-mobile", "type-change",
    "delete-mobile-with-alternate", "enable-sms-non-mobile", "enable-sms-policy-off", "content-type",
    "personal-account", "unknown-user", "method-absent", "malformed-id", "auth-admin-on-privileged",
    "masked-number", "self-service-write", "phone-family-scope", "create-status", "location-header",
    "odata-context", "odata-type", "list-order", "www-authenticate", "sms-state-new-mobile",
    *(f"gray-zone.{label}" for label in GRAY_LABELS),
)
"""Every question id a version-1 ledger may hold (the suite's ``conformance.probes.questions`` catalog)."""

Answer = Mapping[str, Any]
Decision = list[tuple[str, str]]
Rule = Callable[[Answer, str], Decision]
"""``(answer, ledger edition) -> [(choice key, value), ...]`` (empty when the answer decides nothing)."""


def _status(key: str) -> Rule:
    return lambda a, _e: [(key, str(a["status"]))] if "status" in a else []


def _present(key: str) -> Rule:
    return lambda a, _e: [(key, "present" if a.get("present") else "absent")] if "present" in a else []


def _refused(answer: Answer) -> bool:
    return answer.get("outcome") == "refused" or (isinstance(answer.get("status"), int) and answer["status"] >= 400)


def _delete_with_alternate(a: Answer, _e: str) -> Decision:
    if "status" not in a:
        return []
    if not _refused(a):
        return [("delete_mobile_with_alternate", "cascade")]
    return [("delete_mobile_with_alternate", "refuse"), ("slot_rule_status", str(a["status"]))]


def _self_service(a: Answer, edition: str) -> Decision:
    if edition != "current" or "outcome" not in a:
        return []
    if not _refused(a):
        return [("current_self_service", "allow")]
    return [("current_self_service", "refuse"), ("self_service_status", str(a.get("status")))]


_MASKS = {"+# ********##": "cc-stars", "+X XXXXXXXX##": "x-all", "********##": "tail-only"}

MAPPING: dict[str, Rule] = {
    "invalid-number": _status("bad_body_status"),
    "duplicate-type": _status("duplicate_status"),
    "alternate-without-mobile": _status("slot_rule_status"),
    "delete-mobile-with-alternate": _delete_with_alternate,
    "content-type": _status("content_type_status"),
    "personal-account": _status("personal_account_status"),
    "enable-sms-non-mobile": _status("enable_refusal_status"),
    "enable-sms-policy-off": _status("enable_refusal_status"),
    "malformed-id": _status("malformed_id_status"),
    "auth-admin-on-privileged": _status("privileged_target_status"),
    "masked-number": lambda a, _e: [("masked_format", _MASKS.get(str(a.get("shape")), str(a.get("shape"))))],
    "odata-context": _present("odata_context"),
    "odata-type": _present("odata_type"),
    "list-order": lambda a, _e: [("list_order", {"mobile,office": "type", "office,mobile": "reverse"}.get(
        str(a.get("order")), str(a.get("order"))))],
    "location-header": _present("location_header"),
    "www-authenticate": _present("www_authenticate"),
    "phone-family-scope": lambda a, e: (
        [("seed_phone_family", "refuse" if _refused(a) else "grant")] if e == "seed" and "outcome" in a else []),
    "self-service-write": _self_service,
}
"""Ledger question -> the choices it decides (mirrors issue 11's ``emulator/choices.py`` keys).

Questions not here are recorded only. The gray-zone classes decide ``gray`` together (accept when
any class was accepted) and the error codes of three questions decide ``error_codes``.
"""

_CODE_STYLE_QUESTIONS = ("invalid-number", "duplicate-type", "method-absent")
"""Questions whose error code shows the code style (``Request_*`` codes: directory style)."""


class LedgerError(ValueError):
    """A ledger that cannot be used (missing, another version, an unknown question)."""


@dataclass
class Observed:
    """The choices a ledger decides, and notes on what could not be applied."""

    choices: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_ledger(path: str | os.PathLike[str]) -> tuple[str, dict[str, Answer]]:
    """``(edition, answers by question)`` of a ledger file; :class:`LedgerError` (one line) otherwise."""
    where = f"ledger {path}"
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LedgerError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"{where}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise LedgerError(f"{where}: not valid TOML ({exc})") from None
    if raw.get("version") != VERSION:
        raise LedgerError(f"{where}: version {raw.get('version')!r} is not supported (expected version = {VERSION})")
    target = raw.get("target")
    edition = target.get("edition") if isinstance(target, dict) else None
    if not isinstance(edition, str):
        raise LedgerError(f"{where}: [target] needs an edition")
    questions = raw.get("questions", {})
    if not isinstance(questions, dict) or not all(isinstance(v, dict) for v in questions.values()):
        raise LedgerError(f"{where}: [questions] must hold one table per question")
    unknown = [q for q in questions if q not in QUESTIONS]
    if unknown:
        raise LedgerError(f"{where}: unknown question {unknown[0]!r}")
    return edition, {q: v for q, v in questions.items() if not v.get("skipped")}


def choices_from_ledger(path: str | os.PathLike[str]) -> Observed:
    """The choice values that make this emulator answer as the ledger's target did."""
    edition, answers = read_ledger(path)
    out = Observed()
    for question, rule in MAPPING.items():
        answer = answers.get(question)
        for key, value in rule(answer, edition) if answer is not None else []:
            _apply(out, question, key, value)
    gray = [answers[f"gray-zone.{label}"] for label in GRAY_LABELS if f"gray-zone.{label}" in answers]
    if gray:
        accepted = any(a.get("outcome") == "accepted" for a in gray)
        _apply(out, "gray-zone.*", "gray", "accept" if accepted else "reject")
    codes = [str(answers[q].get("code", "")) for q in _CODE_STYLE_QUESTIONS if q in answers]
    if codes:
        directory = any(c.startswith("Request_") for c in codes)
        _apply(out, "error codes", "error_codes", "directory" if directory else "emulator")
    return out


def _apply(out: Observed, question: str, key: str, value: str) -> None:
    choice = CHOICES.get(key)
    if choice is None:
        out.notes.append(f"{question}: this emulator has no choice {key} (observed {value}); not applied")
    elif value not in choice.values:
        out.notes.append(f"{question}: observed {key} = {value}, which this emulator cannot answer "
                         f"(allowed: {', '.join(choice.values)}); not applied")
    elif out.choices.get(key, value) != value:
        out.notes.append(f"{question}: observed {key} = {value}, but an earlier answer set {out.choices[key]}; "
                         "kept the earlier one")
    else:
        out.choices[key] = value
