"""The emulator's fault catalog: named, deliberate deviations from the contract.

Each fault names the rule ids (docs/rules-and-faults.md) it violates. A fault is switched on with
``--fault NAME``, ``overrides["faults"]`` or the profile's ``[emulator] faults``; the app checks it at
one decision point. With no fault switched on the emulator follows the contract.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation: its name, what goes wrong, and the rule ids it violates."""

    name: str
    description: str
    rules: tuple[str, ...]


_CATALOG: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("update-returns-200-body", "PATCH answers 200 with the object instead of 204", ("update-204",)),
    ("update-not-stored", "PATCH answers 204 but stores nothing", ("update-204",)),
    ("update-stale-read", "GET/list return the value before the last PATCH (one stale read per write)",
     ("update-204",)),
    ("accept-no-plus", "a number without the leading + is accepted", ("number-invalid-rejected",)),
    ("accept-letters", "letters in the national number are accepted", ("number-invalid-rejected",)),
    ("accept-null-number", "JSON null phoneNumber accepted (stored as null)", ("number-invalid-rejected",)),
    ("reject-extension", "a valid number with an x-extension is rejected", ("number-valid-accepted",)),
    ("drop-extension", "the extension is dropped when stored", ("update-204",)),
    ("partial-write-on-invalid", "an invalid number is answered 400 but stored anyway",
     ("number-invalid-rejected",)),
    ("type-change-accepted", "PATCH with another phoneType answers 204 (type kept)", ("type-immutable",)),
    ("type-change-applied", "PATCH with another phoneType changes the stored type", ("type-immutable",)),
    ("same-type-rejected", "PATCH whose phoneType equals the current type is 400",
     ("update-same-type-accepted",)),
    ("unknown-type-accepted", "create with an unknown phoneType (e.g. \"Mobile\", \"fax\") succeeds",
     ("phone-type-unknown-rejected",)),
    ("id-swap", "a created office phone gets the mobile id", ("id-type-mapping",)),
    ("patch-upsert", "PATCH of an absent method creates it", ("method-absent-404",)),
    ("unknown-id-200", "GET of an unknown GUID answers 200 with an empty object", ("method-absent-404",)),
    ("upn-not-resolved", "/users/{upn} is 404 (only ids resolve)", ("addr-user-upn",)),
    ("confused-deputy", "a write through /users/{other} lands on the caller", ("addr-user-id",)),
    ("me-wrong-user", "/me resolves to the first user of the directory, not the token's oid", ("addr-me",)),
    ("skip-role-check", "delegated writes on other users need no directory role", ("perm-other-needs-role",)),
    ("auth-admin-on-privileged", "an Authentication Administrator may write to privileged users",
     ("perm-auth-admin-not-on-privileged",)),
    ("self-scope-on-other", "UserAuthenticationMethod.ReadWrite (not .All) suffices on other users",
     ("perm-other-needs-all-scope",)),
    ("app-on-me-allowed", "an application token on /me is treated as a user (404 or 200, not 400)",
     ("perm-app-on-me-400",)),
    ("app-missing-role-accepted", "an application token without the needed app role is accepted",
     ("perm-app-needs-role",)),
    ("personal-account-accepted", "a personal-account token (tid 9188040d-…) is accepted",
     ("perm-personal-account-refused",)),
    ("self-write-denied", "a self-service write with UserAuthenticationMethod.ReadWrite is 403",
     ("perm-self-write",)),
    ("self-read-denied", "a self read with UserAuthenticationMethod.Read is 403", ("perm-self-read",)),
    ("self-service-refused-but-stored", "in edition current, a self-service create/update through "
     "/users/{own id} is refused (403) but stored anyway", ("perm-current-no-self-service",)),
    ("unmasked-for-auth-admin", "an Authentication Administrator reads full numbers of others",
     ("perm-masked-numbers-auth-admin",)),
    ("unmasked-on-get", "an Authentication Administrator's GET of one method shows the full number (lists mask)",
     ("perm-masked-numbers-auth-admin",)),
    ("no-token-accepted", "a request without Authorization is served (as the first user)",
     ("auth-missing-401",)),
    ("empty-bearer-accepted", "an Authorization header 'Bearer' with an empty token is served (as the first user)",
     ("auth-missing-401",)),
    ("nbf-not-checked", "a token whose nbf lies in the future is accepted", ("auth-not-yet-valid-401",)),
    ("malformed-token-500", "a non-JWT bearer token gives 500", ("auth-malformed-401",)),
    ("expired-token-accepted", "exp is not checked", ("auth-expired-401",)),
    ("bad-signature-accepted", "the signature is not checked", ("auth-bad-signature-401",)),
    ("wrong-audience-accepted", "aud is not checked", ("auth-wrong-audience-401",)),
    ("error-envelope-flat", "errors are {\"message\": …} with no \"error\" object", ("error-envelope",)),
    ("content-type-ignored", "a body sent as text/plain is parsed and applied", ("content-type-required",)),
    ("malformed-json-500", "malformed JSON gives 500", ("malformed-json-rejected",)),
    ("duplicate-type-overwrites", "a second create of the same type overwrites the first (201)",
     ("one-per-type",)),
    ("alternate-without-mobile", "alternateMobile can be created without a mobile",
     ("alternate-needs-mobile",)),
    ("delete-mobile-with-alternate", "mobile can be deleted while alternateMobile exists (the alternate stays alone)",
     ("delete-order",)),
    ("sms-state-not-recalculated", "changing the mobile number leaves smsSignInState as it was",
     ("sms-state-after-mobile-change",)),
    ("sms-state-office-ready", "office/alternateMobile phones report smsSignInState ready",
     ("sms-state-non-mobile",)),
    ("enable-sms-non-mobile", "enableSmsSignIn on an office phone answers 204", ("sms-enable-disable",)),
    ("disable-sms-noop", "disableSmsSignIn answers 204 but leaves the state", ("sms-enable-disable",)),
    ("enable-sms-not-unique-accepted", "enableSmsSignIn on a number another user holds answers 204 (ready)",
     ("sms-enable-preconditions",)),
    ("enable-sms-policy-ignored", "enableSmsSignIn for a user outside the SMS sign-in policy answers 204 (ready)",
     ("sms-enable-preconditions",)),
    ("enable-refusal-resets-state", "a refused enableSmsSignIn still sets the mobile's state to notEnabled",
     ("sms-enable-preconditions",)),
    ("deleted-still-listed", "DELETE answers 204 but the method stays listed", ("delete-204",)),
    ("create-returns-200", "create answers 200 instead of 201", ("create-201",)),
    ("create-replaces-other-types", "creating a phone removes the user's other phone types",
     ("type-change-workflow",)),
    ("idempotency-broken", "a second identical PATCH is 409", ("patch-idempotent",)),
    ("list-bare-array", "list answers a bare JSON array, not {\"value\": […]}", ("list-200",)),
    ("get-wrong-shape", "GET returns phoneType under the key \"type\"", ("get-200",)),
    ("unknown-user-200", "an unknown user in /users/{x} answers 200 with an empty list",
     ("user-unknown-404",)),
)

FAULTS: Final[Mapping[str, Fault]] = MappingProxyType(
    {name: Fault(name, description, rules) for name, description, rules in _CATALOG}
)
"""Every fault the emulator can inject, by name."""


def validate_fault_names(names: Iterable[object]) -> frozenset[str]:
    """Return ``names`` as a frozenset, raising ValueError naming any entry that is not in FAULTS."""
    selected = list(names)
    unknown = [n for n in selected if not isinstance(n, str) or n not in FAULTS]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise ValueError(f"unknown fault(s) {listed}; `python -m emulator --list-faults` lists the catalog")
    return frozenset(selected)  # type: ignore[arg-type]


def describe_catalog() -> str:
    """The catalog as text, one fault a line: name, rules it violates, description."""
    width = max(len(n) for n in FAULTS)
    lines = [f"{f.name:<{width}}  [{', '.join(f.rules)}]  {f.description}" for f in FAULTS.values()]
    return "\n".join(lines)
