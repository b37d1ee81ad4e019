"""The emulator's fault catalog: named, deliberate deviations from the contract.

Each fault names the rule ids (docs/rules-and-faults.md) it violates. A fault is switched on with
``--fault NAME``, ``overrides["faults"]`` or the profile's ``[emulator] faults``; the app checks it at
one decision point. With no fault switched on the emulator follows the contract.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class FaultName(enum.StrEnum):
    """The name of every fault of the catalog; a member equals its name (``FaultName.ID_SWAP == "id-swap"``)."""

    UPDATE_RETURNS_200_BODY = "update-returns-200-body"
    UPDATE_NOT_STORED = "update-not-stored"
    UPDATE_STALE_READ = "update-stale-read"
    ACCEPT_NO_PLUS = "accept-no-plus"
    ACCEPT_LETTERS = "accept-letters"
    ACCEPT_NULL_NUMBER = "accept-null-number"
    REJECT_EXTENSION = "reject-extension"
    DROP_EXTENSION = "drop-extension"
    PARTIAL_WRITE_ON_INVALID = "partial-write-on-invalid"
    TYPE_CHANGE_ACCEPTED = "type-change-accepted"
    TYPE_CHANGE_APPLIED = "type-change-applied"
    SAME_TYPE_REJECTED = "same-type-rejected"
    UNKNOWN_TYPE_ACCEPTED = "unknown-type-accepted"
    ID_SWAP = "id-swap"
    PATCH_UPSERT = "patch-upsert"
    UNKNOWN_ID_200 = "unknown-id-200"
    UPN_NOT_RESOLVED = "upn-not-resolved"
    CONFUSED_DEPUTY = "confused-deputy"
    ME_WRONG_USER = "me-wrong-user"
    SKIP_ROLE_CHECK = "skip-role-check"
    AUTH_ADMIN_ON_PRIVILEGED = "auth-admin-on-privileged"
    SELF_SCOPE_ON_OTHER = "self-scope-on-other"
    APP_ON_ME_ALLOWED = "app-on-me-allowed"
    APP_MISSING_ROLE_ACCEPTED = "app-missing-role-accepted"
    PERSONAL_ACCOUNT_ACCEPTED = "personal-account-accepted"
    SELF_WRITE_DENIED = "self-write-denied"
    SELF_READ_DENIED = "self-read-denied"
    SELF_SERVICE_REFUSED_BUT_STORED = "self-service-refused-but-stored"
    UNMASKED_FOR_AUTH_ADMIN = "unmasked-for-auth-admin"
    UNMASKED_ON_GET = "unmasked-on-get"
    NO_TOKEN_ACCEPTED = "no-token-accepted"
    EMPTY_BEARER_ACCEPTED = "empty-bearer-accepted"
    NBF_NOT_CHECKED = "nbf-not-checked"
    MALFORMED_TOKEN_500 = "malformed-token-500"
    EXPIRED_TOKEN_ACCEPTED = "expired-token-accepted"
    BAD_SIGNATURE_ACCEPTED = "bad-signature-accepted"
    WRONG_AUDIENCE_ACCEPTED = "wrong-audience-accepted"
    ERROR_ENVELOPE_FLAT = "error-envelope-flat"
    CONTENT_TYPE_IGNORED = "content-type-ignored"
    MALFORMED_JSON_500 = "malformed-json-500"
    DUPLICATE_TYPE_OVERWRITES = "duplicate-type-overwrites"
    ALTERNATE_WITHOUT_MOBILE = "alternate-without-mobile"
    DELETE_MOBILE_WITH_ALTERNATE = "delete-mobile-with-alternate"
    SMS_STATE_NOT_RECALCULATED = "sms-state-not-recalculated"
    SMS_STATE_OFFICE_READY = "sms-state-office-ready"
    ENABLE_SMS_NON_MOBILE = "enable-sms-non-mobile"
    DISABLE_SMS_NOOP = "disable-sms-noop"
    ENABLE_SMS_NOT_UNIQUE_ACCEPTED = "enable-sms-not-unique-accepted"
    ENABLE_SMS_POLICY_IGNORED = "enable-sms-policy-ignored"
    ENABLE_REFUSAL_RESETS_STATE = "enable-refusal-resets-state"
    DELETED_STILL_LISTED = "deleted-still-listed"
    DELETE_ANSWERS_200_WITH_BODY = "delete-answers-200-with-body"
    FOREIGN_ODATA_TYPE_ACCEPTED = "foreign-odata-type-accepted"
    CREATE_RETURNS_200 = "create-returns-200"
    CREATE_REPLACES_OTHER_TYPES = "create-replaces-other-types"
    IDEMPOTENCY_BROKEN = "idempotency-broken"
    LIST_BARE_ARRAY = "list-bare-array"
    GET_WRONG_SHAPE = "get-wrong-shape"
    UNKNOWN_USER_200 = "unknown-user-200"
    ROLE_CHECK_BY_ID_ONLY = "role-check-by-id-only"
    READ_CACHE_BY_METHOD_ID = "read-cache-by-method-id"
    UNKNOWN_USER_BY_LOCAL_PART = "unknown-user-by-local-part"
    DISABLE_SMS_NON_MOBILE = "disable-sms-non-mobile"
    ALG_NONE_ACCEPTED = "alg-none-accepted"
    LOOKALIKE_AUDIENCE_ACCEPTED = "lookalike-audience-accepted"
    MISSING_EXP_ACCEPTED = "missing-exp-accepted"
    READ_ONLY_STATE_APPLIED = "read-only-state-applied"
    EXTENSION_ZEROS_DROPPED = "extension-zeros-dropped"
    GLOBAL_READER_RESTRICTED = "global-reader-restricted"


@dataclass(frozen=True)
class Fault:
    """One deliberate deviation: its name, what goes wrong, and the rule ids it violates."""

    name: FaultName
    description: str
    rules: tuple[str, ...]


_CATALOG: tuple[tuple[FaultName, str, tuple[str, ...]], ...] = (
    (FaultName.UPDATE_RETURNS_200_BODY, "PATCH answers 200 with the object instead of 204", ("update-204",)),
    (FaultName.UPDATE_NOT_STORED, "PATCH answers 204 but stores nothing", ("update-204",)),
    (FaultName.UPDATE_STALE_READ, "GET/list return the value before the last PATCH (one stale read per write)",
     ("update-204",)),
    (FaultName.ACCEPT_NO_PLUS, "a number without the leading + is accepted", ("number-invalid-rejected",)),
    (FaultName.ACCEPT_LETTERS, "letters in the national number are accepted", ("number-invalid-rejected",)),
    (FaultName.ACCEPT_NULL_NUMBER, "JSON null phoneNumber accepted (stored as null)", ("number-invalid-rejected",)),
    (FaultName.REJECT_EXTENSION, "a valid number with an x-extension is rejected", ("number-valid-accepted",)),
    (FaultName.DROP_EXTENSION, "the extension is dropped when stored", ("update-204",)),
    (FaultName.PARTIAL_WRITE_ON_INVALID, "an invalid number is answered 400 but stored anyway",
     ("number-invalid-rejected",)),
    (FaultName.TYPE_CHANGE_ACCEPTED, "PATCH with another phoneType answers 204 (type kept)", ("type-immutable",)),
    (FaultName.TYPE_CHANGE_APPLIED, "PATCH with another phoneType changes the stored type", ("type-immutable",)),
    (FaultName.SAME_TYPE_REJECTED, "PATCH whose phoneType equals the current type is 400",
     ("update-same-type-accepted",)),
    (FaultName.UNKNOWN_TYPE_ACCEPTED, "create with an unknown phoneType (e.g. \"Mobile\", \"fax\") succeeds",
     ("phone-type-unknown-rejected",)),
    (FaultName.ID_SWAP, "a created office phone gets the mobile id", ("id-type-mapping",)),
    (FaultName.PATCH_UPSERT, "PATCH of an absent method creates it", ("method-absent-404",)),
    (FaultName.UNKNOWN_ID_200, "GET of an unknown GUID answers 200 with an empty object", ("method-absent-404",)),
    (FaultName.UPN_NOT_RESOLVED, "/users/{upn} is 404 (only ids resolve)", ("addr-user-upn",)),
    (FaultName.CONFUSED_DEPUTY, "a write through /users/{other} lands on the caller", ("addr-user-id",)),
    (FaultName.ME_WRONG_USER, "/me resolves to the first user of the directory, not the token's oid", ("addr-me",)),
    (FaultName.SKIP_ROLE_CHECK, "delegated writes on other users need no directory role", ("perm-other-needs-role",)),
    (FaultName.AUTH_ADMIN_ON_PRIVILEGED, "an Authentication Administrator may write to privileged users",
     ("perm-auth-admin-not-on-privileged",)),
    (FaultName.SELF_SCOPE_ON_OTHER, "UserAuthenticationMethod.ReadWrite (not .All) suffices on other users",
     ("perm-other-needs-all-scope",)),
    (FaultName.APP_ON_ME_ALLOWED, "an application token on /me is treated as a user (404 or 200, not 400)",
     ("perm-app-on-me-400",)),
    (FaultName.APP_MISSING_ROLE_ACCEPTED, "an application token without the needed app role is accepted",
     ("perm-app-needs-role",)),
    (FaultName.PERSONAL_ACCOUNT_ACCEPTED, "a personal-account token (tid 9188040d-…) is accepted",
     ("perm-personal-account-refused",)),
    (FaultName.SELF_WRITE_DENIED, "a self-service write with UserAuthenticationMethod.ReadWrite is 403",
     ("perm-self-write",)),
    (FaultName.SELF_READ_DENIED, "a self read with UserAuthenticationMethod.Read is 403", ("perm-self-read",)),
    (FaultName.SELF_SERVICE_REFUSED_BUT_STORED, "in edition current, a self-service create/update through "
     "/users/{own id} is refused (403) but stored anyway", ("perm-current-no-self-service",)),
    (FaultName.UNMASKED_FOR_AUTH_ADMIN, "an Authentication Administrator reads full numbers of others",
     ("perm-masked-numbers-auth-admin",)),
    (FaultName.UNMASKED_ON_GET,
     "an Authentication Administrator's GET of one method shows the full number (lists mask)",
     ("perm-masked-numbers-auth-admin",)),
    (FaultName.NO_TOKEN_ACCEPTED, "a request without Authorization is served (as the first user)",
     ("auth-missing-401",)),
    (FaultName.EMPTY_BEARER_ACCEPTED,
     "an Authorization header 'Bearer' with an empty token is served (as the first user)",
     ("auth-missing-401",)),
    (FaultName.NBF_NOT_CHECKED, "a token whose nbf lies in the future is accepted", ("auth-not-yet-valid-401",)),
    (FaultName.MALFORMED_TOKEN_500, "a non-JWT bearer token gives 500", ("auth-malformed-401",)),
    (FaultName.EXPIRED_TOKEN_ACCEPTED, "exp is not checked", ("auth-expired-401",)),
    (FaultName.BAD_SIGNATURE_ACCEPTED, "the signature is not checked", ("auth-bad-signature-401",)),
    (FaultName.WRONG_AUDIENCE_ACCEPTED, "aud is not checked", ("auth-wrong-audience-401",)),
    (FaultName.ERROR_ENVELOPE_FLAT, "errors are {\"message\": …} with no \"error\" object", ("error-envelope",)),
    (FaultName.CONTENT_TYPE_IGNORED, "a body sent as text/plain is parsed and applied", ("content-type-required",)),
    (FaultName.MALFORMED_JSON_500, "malformed JSON gives 500", ("malformed-json-rejected",)),
    (FaultName.DUPLICATE_TYPE_OVERWRITES, "a second create of the same type overwrites the first (201)",
     ("one-per-type",)),
    (FaultName.ALTERNATE_WITHOUT_MOBILE, "alternateMobile can be created without a mobile",
     ("alternate-needs-mobile",)),
    (FaultName.DELETE_MOBILE_WITH_ALTERNATE,
     "mobile can be deleted while alternateMobile exists (the alternate stays alone)",
     ("delete-order",)),
    (FaultName.SMS_STATE_NOT_RECALCULATED, "changing the mobile number leaves smsSignInState as it was",
     ("sms-state-after-mobile-change",)),
    (FaultName.SMS_STATE_OFFICE_READY, "office/alternateMobile phones report smsSignInState ready",
     ("sms-state-non-mobile",)),
    (FaultName.ENABLE_SMS_NON_MOBILE, "enableSmsSignIn on an office phone answers 204", ("sms-enable-disable",)),
    (FaultName.DISABLE_SMS_NOOP, "disableSmsSignIn answers 204 but leaves the state", ("sms-enable-disable",)),
    (FaultName.ENABLE_SMS_NOT_UNIQUE_ACCEPTED, "enableSmsSignIn on a number another user holds answers 204 (ready)",
     ("sms-enable-preconditions",)),
    (FaultName.ENABLE_SMS_POLICY_IGNORED,
     "enableSmsSignIn for a user outside the SMS sign-in policy answers 204 (ready)",
     ("sms-enable-preconditions",)),
    (FaultName.ENABLE_REFUSAL_RESETS_STATE, "a refused enableSmsSignIn still sets the mobile's state to notEnabled",
     ("sms-enable-preconditions",)),
    (FaultName.DELETED_STILL_LISTED, "DELETE answers 204 but the method stays listed", ("delete-204",)),
    (FaultName.DELETE_ANSWERS_200_WITH_BODY, "DELETE deletes but answers 200 with a JSON body instead of 204",
     ("delete-204",)),
    (FaultName.FOREIGN_ODATA_TYPE_ACCEPTED, "a create or update body with any @odata.type (0, {}, "
     "\"#microsoft.graph.emailAuthenticationMethod\") is accepted as a phone method", ("odata-type-foreign-rejected",)),
    (FaultName.CREATE_RETURNS_200, "create answers 200 instead of 201", ("create-201",)),
    (FaultName.CREATE_REPLACES_OTHER_TYPES, "creating a phone removes the user's other phone types",
     ("type-change-workflow",)),
    (FaultName.IDEMPOTENCY_BROKEN, "a second identical PATCH is 409", ("patch-idempotent",)),
    (FaultName.LIST_BARE_ARRAY, "list answers a bare JSON array, not {\"value\": […]}", ("list-200",)),
    (FaultName.GET_WRONG_SHAPE, "GET returns phoneType under the key \"type\"", ("get-200",)),
    (FaultName.UNKNOWN_USER_200, "an unknown user in /users/{x} answers 200 with an empty list",
     ("user-unknown-404",)),
    (FaultName.ROLE_CHECK_BY_ID_ONLY, "the Authentication Administrator's target restriction reads the target's "
     "roles only when the user is addressed by object id (through a UPN the target seems to hold no role)",
     ("perm-auth-admin-not-on-privileged",)),
    (FaultName.READ_CACHE_BY_METHOD_ID, "GET of one method is answered from a cache keyed by the method id alone "
     "(cleared on writes): the method of the user read just before comes back", ("addr-user-id",)),
    (FaultName.UNKNOWN_USER_BY_LOCAL_PART, "an unknown UPN whose part before @ is a known user's resolves to that "
     "user (the domain is ignored)", ("user-unknown-404",)),
    (FaultName.DISABLE_SMS_NON_MOBILE, "disableSmsSignIn on an office or alternateMobile phone answers 204 and sets "
     "its smsSignInState to notEnabled (the mobile-only precondition is checked for enable only)",
     ("sms-enable-disable",)),
    (FaultName.ALG_NONE_ACCEPTED, "an unsigned token (alg none, no signature) is accepted", ("auth-unsigned-401",)),
    (FaultName.LOOKALIKE_AUDIENCE_ACCEPTED, "an audience that merely starts with Graph's URI "
     "(https://graph.microsoft.com.evil.example, https://graph.microsoft.com/extra) is accepted",
     ("auth-wrong-audience-401",)),
    (FaultName.MISSING_EXP_ACCEPTED, "a token without exp is accepted (it never expires)", ("auth-no-exp-401",)),
    (FaultName.READ_ONLY_STATE_APPLIED, "smsSignInState sent in a create or update body is accepted and stored",
     ("read-only-properties-ignored",)),
    (FaultName.EXTENSION_ZEROS_DROPPED, "an extension's leading zeros are dropped when stored (x007 becomes x7)",
     ("number-valid-accepted",)),
    (FaultName.GLOBAL_READER_RESTRICTED, "a Global Reader's reads of a privileged user are refused (the "
     "Authentication Administrator's target restriction applied to every reader)", ("perm-other-needs-role",)),
)

FAULTS: Final[Mapping[FaultName, Fault]] = MappingProxyType(
    {name: Fault(name, description, rules) for name, description, rules in _CATALOG}
)
"""Every fault the emulator can inject, by name (keyed by :class:`FaultName`, so a plain string looks up too)."""


def validate_fault_names(names: Iterable[object]) -> frozenset[FaultName]:
    """Return ``names`` as a frozenset of :class:`FaultName`, raising ValueError naming any entry that is not one."""
    selected = list(names)
    unknown = [n for n in selected if not isinstance(n, str) or n not in FAULTS]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise ValueError(f"unknown fault(s) {listed}; `python -m graph_phone_emulator --list-faults` lists the catalog")
    return frozenset(FaultName(n) for n in selected)


def describe_catalog() -> str:
    """The catalog as text, one fault a line: name, rules it violates, description."""
    width = max(len(n) for n in FAULTS)
    lines = [f"{f.name:<{width}}  [{', '.join(f.rules)}]  {f.description}" for f in FAULTS.values()]
    return "\n".join(lines)
