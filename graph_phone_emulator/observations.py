"""Answer like an observed target: turn an observation ledger into the emulator's open choices.

The ledger (written by the suite's ``observe`` command; format ``version = 2``, version 1 read as
well) records, per open question, what a target answered. This module reads it on its own (the
emulator knows nothing of the suite) and maps each answer, at the granularity it was asked, to the
choices of :mod:`graph_phone_emulator.choices`: the coarse switches where they fit, and the
fine-grained keys for the rest (``gray.<class>`` per gray-zone class, ``refusal.<case>`` for the
status and code of each refusal, ``property.<case>`` for unknown / read-only properties, ``mask``
for any observed mask). :data:`MAPPING` is the one place where ledger questions meet choice keys.

An answer this emulator cannot give is *unmirrored*: :func:`mirror` lists each one (question, the
answer seen, why), and ``python -m graph_phone_emulator --observations`` refuses to start on such a
ledger unless told ``--allow-partial``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_phone_emulator.choices import CHOICES, check_fine, is_fine
from graph_phone_emulator.phone_format import GRAY_LABELS, mask_pattern, normalise

VERSION = 2
READABLE_VERSIONS = (1, 2)
"""Ledger versions this emulator reads (version 1 lacks two questions and the mask's reference shape)."""

QUESTIONS = (
    "invalid-number", "unknown-property", "read-only-property", "unknown-property-update",
    "read-only-property-update", "phone-type-case", "patch-empty-body", "patch-same-type-only", "duplicate-type",
    "alternate-without-mobile", "type-change", "delete-mobile-with-alternate", "enable-sms-non-mobile",
    "enable-sms-policy-off", "content-type", "personal-account", "unknown-user", "method-absent", "malformed-id",
    "auth-admin-on-privileged", "masked-number", "self-service-write", "phone-family-scope", "create-status",
    "location-header", "odata-context", "odata-type", "list-order", "www-authenticate", "sms-state-new-mobile",
    *(f"gray-zone.{label}" for label in GRAY_LABELS),
)
"""Every question id a ledger may hold (the suite's ``conformance.probes.questions`` catalog)."""

REFERENCE_SHAPE = "+# ##########"
"""The shape of the number a version-1 ledger's mask was observed on (the suite's synthetic mobile)."""

Answer = Mapping[str, Any]
Decision = list[tuple[str, str, bool]]
"""``[(choice key, value, soft), ...]``: a soft decision is a coarse switch that yields to conflicts."""
Rule = Callable[[Answer, str], Decision]
"""``(answer, ledger edition) -> decisions``; raises :class:`Cannot` when the answer cannot be given."""


class LedgerError(ValueError):
    """A ledger that cannot be used (missing, another version, an unknown question)."""


class Cannot(Exception):
    """This emulator cannot give the observed answer (the message says why)."""


@dataclass(frozen=True)
class Unmirrored:
    """One answer the emulator started from this ledger does not give."""

    question: str
    answer: str
    reason: str

    def line(self) -> str:
        """``question: observed ANSWER; REASON``."""
        return f"{self.question}: observed {self.answer}; {self.reason}"


@dataclass
class Observed:
    """The choices a ledger decides, its edition, and the answers that are not mirrored."""

    edition: str = "seed"
    choices: dict[str, str] = field(default_factory=dict)
    unmirrored: list[Unmirrored] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """One line per unmirrored answer."""
        return [u.line() for u in self.unmirrored]


def _ok(status: object) -> bool:
    return isinstance(status, int) and 200 <= status < 300


def _refused(answer: Answer) -> bool:
    return answer.get("outcome") == "refused" or (isinstance(answer.get("status"), int) and answer["status"] >= 400)


def _refusal_value(a: Answer) -> str:
    status, code = a.get("status"), a.get("code")
    if not isinstance(status, int) or not 400 <= status <= 499:
        raise Cannot(f"this emulator answers here only with a 4xx refusal (observed status {status})")
    if not code:
        raise Cannot("the refusal carried no error code; this emulator always sends one")
    return f"{status} {code}"


def _refusal(case: str, coarse: str = "") -> Rule:
    """A question the emulator answers with a refusal: its status and code, exactly."""

    def rule(a: Answer, _e: str) -> Decision:
        out = [(f"refusal.{case}", _refusal_value(a), False)]
        return out + ([(coarse, str(a["status"]), True)] if coarse else [])

    return rule


def _property(case: str) -> Rule:
    """Unknown / read-only properties: ignored (2xx) or refused with the observed status and code."""

    def rule(a: Answer, _e: str) -> Decision:
        if _ok(a.get("status")):
            if a.get("applied"):
                raise Cannot("this emulator ignores or refuses a read-only property; the target applied it")
            return [(f"property.{case}", "ignore", False)]
        return [(f"property.{case}", "reject", False), (f"refusal.{case}", _refusal_value(a), False)]

    return rule


def _fixed(key: str, value: object, what: str) -> Rule:
    """A question the emulator has one answer for."""

    def rule(a: Answer, _e: str) -> Decision:
        if a.get(key) != value:
            raise Cannot(f"this emulator always answers {what}")
        return []

    return rule


def _present(key: str) -> Rule:
    return lambda a, _e: [(key, "present" if a.get("present") else "absent", False)]


def _delete_with_alternate(a: Answer, _e: str) -> Decision:
    if not _ok(a.get("status")):
        return [("delete_mobile_with_alternate", "refuse", False),
                ("refusal.delete_mobile_with_alternate", _refusal_value(a), False),
                ("slot_rule_status", str(a.get("status")), True)]
    if a.get("remaining"):
        raise Cannot("this emulator deletes mobile and alternateMobile together or refuses (here "
                     f"{a['remaining']} remained)")
    return [("delete_mobile_with_alternate", "cascade", False)]


def _self_service(a: Answer, edition: str) -> Decision:
    if edition != "current":
        if _refused(a):
            raise Cannot("in edition seed this emulator serves self-service writes")
        return []
    if not _refused(a):
        return [("current_self_service", "allow", False)]
    return [("current_self_service", "refuse", False), ("refusal.self_service", _refusal_value(a), False),
            ("self_service_status", str(a.get("status")), True)]


def _phone_family(a: Answer, edition: str) -> Decision:
    if not _refused(a):
        return [("seed_phone_family", "grant", False)] if edition == "seed" else []
    if edition != "seed":
        raise Cannot("in edition current this emulator honours UserAuthMethod-Phone.Read")
    if (a.get("status"), a.get("code")) != (403, "accessDenied"):
        raise Cannot("this emulator refuses an ungranted permission with 403 accessDenied")
    return [("seed_phone_family", "refuse", False)]


_MASKS = {"+# ********##": "cc-stars", "+X XXXXXXXX##": "x-all", "********##": "tail-only"}


def _shape(number: str) -> str:
    return "".join("#" if ch.isdigit() else ch for ch in number)


def _masked(a: Answer, _e: str) -> Decision:
    shape = str(a.get("shape", ""))
    if a.get("status") != 200 or not shape:
        raise Cannot("this emulator lists an Authentication Administrator's user with masked numbers (200)")
    if shape in _MASKS:
        return [("masked_format", _MASKS[shape], False)]
    if shape == "full":
        return [("mask", "full", False)]
    pattern = mask_pattern(shape)
    reference = str(a.get("unmasked", REFERENCE_SHAPE))
    digits = iter("2065550100987654321" * 2)
    sample = "".join(next(digits) if ch == "#" else ch for ch in reference)
    if pattern is None or _shape(pattern.apply(sample)) != shape:
        raise Cannot("this emulator cannot apply that mask to other numbers (a mask must be '[+CC ]' then "
                     "kept digits, one hiding character, kept digits)")
    return [("mask", shape, False)]


def _list_order(a: Answer, _e: str) -> Decision:
    order = {"mobile,office": "type", "office,mobile": "reverse"}.get(str(a.get("order")))
    if order is None:
        raise Cannot("this emulator lists by type or in reverse")
    return [("list_order", order, False)]


def _gray(label: str) -> Rule:
    def rule(a: Answer, _e: str) -> Decision:
        if a.get("outcome") != "accepted":
            return [(f"gray.{label}", "reject", False), (f"refusal.gray.{label}", _refusal_value(a), False)]
        given, stored = str(a.get("input", "")), str(a.get("stored", ""))
        if stored and stored == normalise(given):
            return [(f"gray.{label}", "accept", False)]
        if stored == given:
            return [(f"gray.{label}", "as-sent", False)]
        raise Cannot("this emulator stores a gray number in the spec's form or as sent")

    return rule


MAPPING: dict[str, Rule] = {
    "invalid-number": _refusal("invalid_number", "bad_body_status"),
    "unknown-property": _property("unknown_property_create"),
    "read-only-property": _property("read_only_property_create"),
    "unknown-property-update": _property("unknown_property_update"),
    "read-only-property-update": _property("read_only_property_update"),
    "phone-type-case": _refusal("phone_type"),
    "patch-empty-body": _fixed("status", 204, "204 to a PATCH with {}"),
    "patch-same-type-only": _fixed("status", 204, "204 to a PATCH naming the current type only"),
    "duplicate-type": _refusal("duplicate", "duplicate_status"),
    "alternate-without-mobile": _refusal("alternate_without_mobile", "slot_rule_status"),
    "type-change": _refusal("type_change"),
    "delete-mobile-with-alternate": _delete_with_alternate,
    "enable-sms-non-mobile": _refusal("enable_non_mobile", "enable_refusal_status"),
    "enable-sms-policy-off": _refusal("enable_policy_off", "enable_refusal_status"),
    "content-type": _refusal("content_type", "content_type_status"),
    "personal-account": _refusal("personal_account", "personal_account_status"),
    "unknown-user": _refusal("user_not_found"),
    "method-absent": _refusal("method_not_found"),
    "malformed-id": _refusal("malformed_id", "malformed_id_status"),
    "auth-admin-on-privileged": _refusal("privileged_target", "privileged_target_status"),
    "masked-number": _masked,
    "self-service-write": _self_service,
    "phone-family-scope": _phone_family,
    "create-status": _fixed("status", 201, "201 to a create"),
    "location-header": _present("location_header"),
    "odata-context": _present("odata_context"),
    "odata-type": _present("odata_type"),
    "list-order": _list_order,
    "www-authenticate": _present("www_authenticate"),
    "sms-state-new-mobile": _fixed("state", "ready", "smsSignInState ready for a new mobile in the policy"),
    **{f"gray-zone.{label}": _gray(label) for label in GRAY_LABELS},
}
"""Ledger question -> the choices it decides. Every question has a rule (a test checks it)."""

_CODE_STYLE_QUESTIONS = ("invalid-number", "duplicate-type", "method-absent")
"""Questions whose error code shows the code style (``Request_*`` codes: directory style)."""


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
    if raw.get("version") not in READABLE_VERSIONS:
        raise LedgerError(f"{where}: version {raw.get('version')!r} is not supported "
                          f"(expected version = {VERSION}; version 1 is read too)")
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


def mirror(path: str | os.PathLike[str]) -> Observed:
    """The choice values that make this emulator answer as the ledger's target did, and what it cannot."""
    edition, answers = read_ledger(path)
    out = Observed(edition=edition)
    for question in QUESTIONS:
        answer = answers.get(question)
        if answer is None:
            continue
        try:
            decisions = MAPPING[question](answer, edition)
        except Cannot as exc:
            out.unmirrored.append(Unmirrored(question, _describe(answer), str(exc)))
            continue
        probes, agreed = answer.get("probes"), answer.get("agreed")
        if isinstance(probes, int) and isinstance(agreed, int) and agreed < probes:
            out.unmirrored.append(Unmirrored(question, _describe(answer), f"only {agreed} of {probes} probes gave "
                                             "this answer; this emulator gives one answer to all of them"))
        for key, value, soft in decisions:
            _apply(out, question, answer, key, value, soft)
    gray = [answers[f"gray-zone.{label}"] for label in GRAY_LABELS if f"gray-zone.{label}" in answers]
    if gray:
        accepted = any(a.get("outcome") == "accepted" for a in gray)
        _apply(out, "gray-zone.*", {}, "gray", "accept" if accepted else "reject", True)
    codes = [str(answers[q].get("code", "")) for q in _CODE_STYLE_QUESTIONS if q in answers]
    if codes:
        directory = any(c.startswith("Request_") for c in codes)
        _apply(out, "error codes", {}, "error_codes", "directory" if directory else "emulator", True)
    return out


def choices_from_ledger(path: str | os.PathLike[str]) -> Observed:
    """The same as :func:`mirror` (the name configuration loading uses)."""
    return mirror(path)


def _apply(out: Observed, question: str, answer: Answer, key: str, value: str, soft: bool) -> None:
    """Set ``key``; a soft (coarse) decision yields silently, an exact one that cannot be set is unmirrored."""
    choice = CHOICES.get(key)
    if choice is not None:
        problem = "" if value in choice.values else f"{key} = {value} is not one of {', '.join(choice.values)}"
    else:
        problem = check_fine(key, value) if is_fine(key) else f"this emulator has no choice {key}"
        problem = f"{key} {problem}" if problem and is_fine(key) else problem
    if not problem and out.choices.get(key, value) != value:
        problem = f"an earlier answer set {key} = {out.choices[key]}"
    if problem and not soft:
        out.unmirrored.append(Unmirrored(question, _describe(answer), problem))
    elif not problem:
        out.choices[key] = value


def _describe(answer: Answer) -> str:
    keys = ("status", "code", "outcome", "stored", "shape", "present", "order", "state", "remaining", "applied")
    return " ".join(f"{k}={answer[k]!r}" if isinstance(answer[k], str) else f"{k}={answer[k]}"
                    for k in keys if k in answer) or "(no answer)"
