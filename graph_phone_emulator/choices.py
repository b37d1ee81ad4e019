"""The emulator's open choices: one switch for every answer the facts leave open.

Where the facts (``graph-facts.md``) tag a behaviour ``[unk]`` or ``[inf]``, or the pages disagree,
a correct implementation may answer either way. Each such answer is a *choice* here, with its allowed
values (the first is the default). A profile sets them in one ``[emulator.choices]`` table, the
command line with ``--choice key=value``. With every choice at any allowed value the emulator is
still a correct implementation: the kill matrix runs the suite against a covering set of them, and a
rule that fails on one is a false alarm.

Error kinds (:data:`STATUS_CHOICES`) tie an open status to the refusals it governs; the handlers
raise :class:`~graph_phone_emulator.errors.GraphError` with a ``kind`` and :func:`render` decides status and code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from graph_phone_emulator.phone_format import GRAY_LABELS, mask_pattern


@dataclass(frozen=True)
class Choice:
    """One open choice: its key, allowed values (the first is the default) and what it decides."""

    key: str
    values: tuple[str, ...]
    description: str

    @property
    def default(self) -> str:
        """The value the emulator uses unless told otherwise."""
        return self.values[0]


_TABLE: tuple[Choice, ...] = (
    Choice("gray", ("reject", "accept"), "gray-zone numbers: rejected, or normalised and stored (contract §1)"),
    Choice("bad_body_status", ("400", "422"), "status of a body that fails validation (facts §3 [unk])"),
    Choice("duplicate_status", ("409", "400"), "status of a second method of a type the user has (facts §3 [unk])"),
    Choice("slot_rule_status", ("400", "409"),
           "status of alternateMobile without mobile / deleting mobile before alternateMobile (facts §3 [unk])"),
    Choice("content_type_status", ("415", "400"), "status of a write without a JSON content type (facts §5)"),
    Choice("personal_account_status", ("403", "401"), "status of a personal-account token (facts §4.5 [unk])"),
    Choice("enable_refusal_status", ("400", "409"),
           "status of enableSmsSignIn refused by a precondition (facts §3 [unk])"),
    Choice("privileged_target_status", ("403", "400"),
           "status of an Authentication Administrator writing to a privileged user (facts §4.3 [unk])"),
    Choice("self_service_status", ("403", "400"),
           "edition current: status of a refused self-service create/update (facts §8 [unk])"),
    Choice("malformed_id_status", ("404", "400"), "status of a method id that is not a GUID (facts §4.5 [unk])"),
    Choice("error_codes", ("emulator", "directory"),
           "error codes the facts leave open: the emulator's (invalidRequest, conflict, itemNotFound, ...) or "
           "directory style (Request_BadRequest, Request_ResourceNotFound, ...); "
           "401/403/app-on-/me codes never change"),
    Choice("masked_format", ("cc-stars", "x-all", "tail-only"),
           "what an Authentication Administrator sees: '+1 ********34', '+X XXXXXXXX34' or '********34' (facts §3)"),
    Choice("odata_context", ("present", "absent"), "@odata.context on list/get/create answers (facts §1 [inf])"),
    Choice("odata_type", ("absent", "present"), "@odata.type on each phone method (facts §1 [inf])"),
    Choice("list_order", ("type", "reverse"), "order of listed methods (not documented)"),
    Choice("location_header", ("present", "absent"), "Location header on a 201 (facts §1 [unk])"),
    Choice("www_authenticate", ("present", "absent"), "WWW-Authenticate challenge on a 401 (facts §4.5 [unk])"),
    Choice("seed_phone_family", ("refuse", "grant"),
           "edition seed: whether UserAuthMethod-Phone.* permissions (not on the seed pages) grant access"),
    Choice("current_self_service", ("refuse", "allow"),
           "edition current: self-service create/update (pages say unsupported; the answer is [unk], facts §8)"),
    Choice("delete_mobile_with_alternate", ("refuse", "cascade"),
           "deleting mobile while alternateMobile exists: refused, or both go (facts §3: failure [inf])"),
    Choice("auth_admin_privileged_read", ("masked", "403", "400"),
           "an Authentication Administrator reading a privileged user: masked numbers, or refused with 403 or "
           "400 (facts §4.3: the role views non-admins only; the answer is [unk])"),
    Choice("not_unique_write", ("accept", "409-applied"),
           "a mobile write for a policy user whose number another user holds: 201/204, or 409 "
           "phoneNumberNotUnique with the write applied all the same (facts §10 [obs])"),
    Choice("read_only_in_body", ("reject", "ignore"),
           "id or smsSignInState sent in a create/update body: refused (400), or ignored (facts §1, §7 [unk])"),
    Choice("number_without_space", ("gray", "normalise"),
           "'+CCNNNN' (no space after the country code): as the gray choice says, or always accepted and "
           "stored with the space (facts §10 [obs])"),
)

CHOICES: Final[Mapping[str, Choice]] = MappingProxyType({c.key: c for c in _TABLE})
"""Every open choice, by key, in documentation order."""

DEFAULTS: Final[Mapping[str, str]] = MappingProxyType({c.key: c.default for c in _TABLE})
"""Each choice's default value."""

STATUS_CHOICES: Final[Mapping[str, str]] = MappingProxyType({
    "validation": "bad_body_status",
    "duplicate": "duplicate_status",
    "slot": "slot_rule_status",
    "content_type": "content_type_status",
    "personal_account": "personal_account_status",
    "enable_refused": "enable_refusal_status",
    "malformed_id": "malformed_id_status",
    "privileged_target": "privileged_target_status",
    "self_service": "self_service_status",
    "privileged_read": "auth_admin_privileged_read",
})
"""Error kind -> the choice that gives its HTTP status."""

_DIRECTORY_CODES: Final[Mapping[int, str]] = MappingProxyType({
    400: "Request_BadRequest", 401: "Request_Unauthorized", 403: "Authorization_RequestDenied",
    404: "Request_ResourceNotFound", 409: "Request_Conflict", 413: "Request_EntityTooLarge",
    415: "Request_UnsupportedMediaType", 422: "Request_UnprocessableEntity",
})
"""Directory-style codes by status, for error kinds whose code the facts leave open."""

OPEN_CODE_KINDS: Final = frozenset({*STATUS_CHOICES, "method_not_found", "user_not_found", "malformed_body",
                                    "self_service", "privileged_target",
                                    "privileged_read"})
"""Error kinds whose ``code`` the facts leave open (the ``error_codes`` choice may change them)."""


def validate_choices(chosen: Mapping[str, object], where: str = "choices") -> Mapping[str, str]:
    """Every choice's value: ``chosen`` over the defaults; ValueError naming an unknown key or value.

    Keys of the fine-grained families (:data:`FAMILIES`) are checked by :func:`check_fine` and
    kept; the others get their defaults (:func:`fine_defaults`).
    """
    unknown = sorted(k for k in set(chosen) - set(CHOICES) if not is_fine(k))
    if unknown:
        raise ValueError(f"{where}: unknown choice(s) {', '.join(unknown)} (known: {', '.join(CHOICES)}, "
                         f"and {', '.join(FAMILIES)})")
    values = dict(DEFAULTS)
    fine = {k: v for k, v in chosen.items() if k not in CHOICES}
    chosen = {k: v for k, v in chosen.items() if k in CHOICES}
    for key, value in chosen.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if text not in CHOICES[key].values:
            raise ValueError(f"{where}: {key} must be one of {', '.join(CHOICES[key].values)} (got {value!r})")
        values[key] = str(text)
    values.update(fine_defaults(values))
    for key, value in fine.items():
        problem = check_fine(key, value)
        if problem:
            raise ValueError(f"{where}: {key} {problem} (got {value!r})")
        values[key] = str(value)
    return MappingProxyType(values)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` as a dict; ValueError for an item without ``=``."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"choice {item!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def status_for(kind: str, status: int, choices: Mapping[str, str]) -> int:
    """The status an error of ``kind`` gets under ``choices`` (``status`` when the kind has no choice)."""
    key = STATUS_CHOICES.get(kind)
    return int(choices[key]) if key else status


def code_for(kind: str, status: int, code: str, choices: Mapping[str, str]) -> str:
    """The error code an error of ``kind`` gets under ``choices`` (established codes never change)."""
    if kind in OPEN_CODE_KINDS and choices["error_codes"] == "directory":
        return _DIRECTORY_CODES.get(status, code)
    return code


def describe_choices() -> str:
    """The choice table as text: key, allowed values (default first), what it decides."""
    width = max(len(k) for k in CHOICES)
    return "\n".join(f"{c.key:<{width}}  {'|'.join(c.values):<24}  {c.description}" for c in CHOICES.values())


# -- fine-grained choices (issue 22): one answer per gray class, refusal case and property case ----

GRAY_MODES_FINE: Final = ("reject", "accept", "as-sent")
"""``gray.<class>``: refused, normalised to the spec's form and stored, or stored as sent."""

REFUSAL_CASES: Final = (
    "invalid_number", "unknown_property_create", "unknown_property_update", "read_only_property_create",
    "read_only_property_update", "phone_type", "duplicate", "alternate_without_mobile", "type_change",
    "delete_mobile_with_alternate", "enable_non_mobile", "enable_policy_off", "content_type", "personal_account",
    "user_not_found", "method_not_found", "malformed_id", "privileged_target", "self_service",
    *(f"gray.{label}" for label in GRAY_LABELS),
)
"""The refusals whose status and code ``refusal.<case>`` may set (a gray class falls back to invalid_number)."""

PROPERTY_CASES: Final = ("unknown_property_create", "unknown_property_update", "read_only_property_create",
                         "read_only_property_update")
"""``property.<case>``: ``reject`` or ``ignore`` unknown / read-only properties in a create or an update."""

FAMILIES: Final[Mapping[str, str]] = MappingProxyType({
    "gray.<class>": f"one gray-zone class ({', '.join(GRAY_LABELS)}): {'|'.join(GRAY_MODES_FINE)} "
                    "(default: the gray choice)",
    "refusal.<case>": f"status and code of one refusal "
                      f"({', '.join(c for c in REFUSAL_CASES if not c.startswith('gray.'))}, gray.<class>): "
                      "'STATUS CODE' such as '400 BadRequest' (default: as the choices above say)",
    "property.<case>": f"{', '.join(PROPERTY_CASES)}: reject|ignore (default: reject)",
    "mask": "the masked number as a shape, digits as '#', e.g. '+# XXXXXXXX##' or 'full' "
            "(default: the masked_format choice)",
})
"""The fine-grained families of choice keys (not part of the portability matrix: defaults follow the choices)."""

_CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def is_fine(key: str) -> bool:
    """True when ``key`` names a member of a fine-grained family."""
    family, dot, member = key.partition(".")
    if key == "mask":
        return True
    return bool(dot) and ((family == "gray" and member in GRAY_LABELS)
                          or (family == "refusal" and member in REFUSAL_CASES)
                          or (family == "property" and member in PROPERTY_CASES))


def check_fine(key: str, value: object) -> str:
    """Why ``value`` cannot be the value of the fine-grained key ``key`` (``""``: it can)."""
    if not isinstance(value, str):
        return "must be a string"
    family = key.partition(".")[0]
    if family == "gray":
        return "" if value in GRAY_MODES_FINE else f"must be one of {', '.join(GRAY_MODES_FINE)}"
    if family == "property":
        return "" if value in ("reject", "ignore") else "must be reject or ignore"
    if family == "mask":
        return "" if mask_pattern(value) is not None else "is not a mask this emulator can apply"
    if parse_refusal(value) is None:
        return "must be 'STATUS' or 'STATUS CODE' with a 4xx status"
    return ""


def fine_defaults(values: Mapping[str, str]) -> dict[str, str]:
    """The fine-grained keys' defaults under the coarse ``values`` (``""``: the coarse choices decide)."""
    out = {f"gray.{label}": values["gray"] for label in GRAY_LABELS}
    out.update({f"property.{case}": "reject" for case in PROPERTY_CASES})
    out.update({f"refusal.{case}": "" for case in REFUSAL_CASES})
    out["mask"] = ""
    return out


def parse_refusal(value: str) -> tuple[int, str | None] | None:
    """``"400 BadRequest"`` -> ``(400, "BadRequest")``, ``"409"`` -> ``(409, None)``; None if malformed."""
    status, _, code = value.strip().partition(" ")
    if not (status.isdigit() and len(status) == 3 and 400 <= int(status) <= 499):
        return None
    code = code.strip()
    if code and not set(code) <= _CODE_CHARS:
        return None
    return int(status), code or None


def refusal_for(case: str, choices: Mapping[str, str]) -> tuple[int, str | None] | None:
    """The ``(status, code)`` set for refusal ``case`` (a gray class falls back to ``invalid_number``)."""
    for key in (case, "invalid_number" if case.startswith("gray.") else ""):
        value = choices.get(f"refusal.{key}", "") if key else ""
        if value:
            return parse_refusal(value)
    return None
