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
    """Every choice's value: ``chosen`` over the defaults; ValueError naming an unknown key or value."""
    unknown = sorted(set(chosen) - set(CHOICES))
    if unknown:
        raise ValueError(f"{where}: unknown choice(s) {', '.join(unknown)} (known: {', '.join(CHOICES)})")
    values = dict(DEFAULTS)
    for key, value in chosen.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if text not in CHOICES[key].values:
            raise ValueError(f"{where}: {key} must be one of {', '.join(CHOICES[key].values)} (got {value!r})")
        values[key] = str(text)
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
