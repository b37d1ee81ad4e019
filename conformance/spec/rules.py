"""The rule catalog: every assertion the suite makes belongs to one of these rules.

Each rule has a stable id, a one-line statement, the spec source it comes from (the seed page or a
section of the facts file), the editions it applies to and a severity. Tests name their rules with
``@pytest.mark.rule("id")``; the project's own tests check that every rule has a test and every test
has a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

BOTH = ("seed", "current")
SEED = "seed page"
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")


@dataclass(frozen=True)
class Rule:
    """One normative statement the suite checks."""

    id: str
    statement: str
    source: str
    operation: str
    group: str
    severity: str = "normal"
    editions: tuple[str, ...] = BOTH


_RULES = (
    # -- the update operation (seed page) ---------------------------------------------------------
    Rule("update-204", "A valid update answers 204 with an empty body and the new number reads back.",
         SEED + ": 'returns a 204 No Content response code'", "update", "update", "blocker"),
    Rule("update-same-type-accepted", "An update whose phoneType equals the method's type is accepted.",
         SEED + ": request body lists phoneType; facts §7", "update", "phone type", "critical"),
    Rule("type-immutable", "An update that asks for another phoneType is rejected and changes nothing.",
         SEED + ": 'You can't change a phone's type'", "update", "phone type", "blocker"),
    Rule("patch-idempotent", "Repeating an identical valid update answers 204 again and leaves the same state.",
         SEED + ": PATCH semantics; facts §1", "update", "update", "normal"),
    Rule("type-change-workflow", "A type is changed by adding the new type and deleting the old one.",
         SEED + ": 'add a new number of the desired type and then delete the object with the original type'",
         "update", "phone type", "critical"),
    # -- addressing ------------------------------------------------------------------------------
    Rule("addr-me", "/me addresses the signed-in user's own phone methods.",
         SEED + ": 'PATCH /me/authentication/phoneMethods/{phoneMethodId}'", "update", "addressing", "critical"),
    Rule("addr-user-id", "/users/{id} addresses that user's phone methods and no one else's.",
         SEED + ": 'PATCH /users/{id | userPrincipalName}/...'", "update", "addressing", "critical"),
    Rule("addr-user-upn", "/users/{userPrincipalName} addresses the same user as /users/{id} (UPN case-insensitive, @ raw or %40).",
         SEED + ": 'PATCH /users/{id | userPrincipalName}/...'; facts §7", "update", "addressing", "critical"),
    # -- phone numbers ---------------------------------------------------------------------------
    Rule("number-valid-accepted", "A number in the form +{country code} {number}[x{extension}] is accepted and stored as sent.",
         SEED + ": 'Phone numbers use the format +{country code} {number}x{extension}'", "update",
         "phone number", "blocker"),
    Rule("number-invalid-rejected", "A number that does not match the format is rejected (4xx) and nothing changes.",
         SEED + ": 'Numbers are rejected when creating or updating if they do not match the required format'",
         "update", "phone number", "blocker"),
    Rule("gray-zone-consistent", "A number the spec leaves open is either stored in the spec's form or rejected with nothing changed (outcome recorded).",
         "facts §3 (no documented normalisation) [unk]", "update", "phone number", "minor"),
    # -- types and ids ---------------------------------------------------------------------------
    Rule("read-only-properties-ignored", "A create or update that sends id or smsSignInState never stores the sent value (refused with nothing changed, or accepted with the property ignored; the answer is recorded).",
         "facts §1 (smsSignInState is read-only, must not be sent), §2 (id read-only), §7 ([unk] answer)", "update",
         "phone type", "normal"),
    Rule("phone-type-unknown-rejected", "A phoneType other than mobile, alternateMobile or office is rejected and nothing changes.",
         SEED + ": 'Possible values are: mobile, alternateMobile, or office'", "create", "phone type", "critical"),
    Rule("odata-type-foreign-rejected",
         "A create or update body whose @odata.type is not a string or names another type is rejected and changes "
         "nothing; the phone method's own @odata.type, or none, is accepted.",
         "facts §1 (@odata.type optional) [inf]; OData JSON Format 4.01 §4.5.3 (a type annotation names the "
         "expected type or a derived one); conformance/spec/openapi/phone-methods.yaml (odataTypeOfPhoneMethod)",
         "create", "phone type", "normal"),
    Rule("id-type-mapping", "Each phone type lives under its fixed phoneMethodId.",
         SEED + ": 'The value of phoneMethodId corresponding to the phoneType ...'", "get", "ids", "blocker"),
    Rule("method-absent-404", "Reading, updating or deleting a method the user does not have answers 404 and creates nothing.",
         "facts §4.5 (GET/PATCH/DELETE of a type the user doesn't have)", "update", "ids", "critical"),
    Rule("user-unknown-404", "An unknown user in /users/{x} answers 404.", "facts §4.5", "get", "addressing",
         "normal"),
    # -- other operations -----------------------------------------------------------------------
    Rule("create-201", "Creating a phone method answers 201 with the created object.", "facts §1 (D-post)",
         "create", "create", "critical"),
    Rule("list-200", "Listing answers 200 with {\"value\": [...]} of at most one method per type.",
         "facts §1 (D-list)", "list", "read", "critical"),
    Rule("get-200", "Getting a method answers 200 with id, phoneNumber, phoneType and smsSignInState.",
         "facts §1-2 (D-get, D-res)", "get", "read", "critical"),
    Rule("delete-204", "Deleting a method answers 204 and the method is gone.", "facts §1 (D-delete)",
         "delete", "delete", "critical"),
    Rule("one-per-type", "A second method of a type the user already has is rejected and nothing changes.",
         "facts §3 (D-post, D-res)", "create", "slots", "critical"),
    Rule("alternate-needs-mobile", "alternateMobile cannot be added without a mobile.", "facts §3 (D-post)",
         "create", "slots", "critical"),
    Rule("delete-order", "Deleting mobile while alternateMobile exists never leaves an alternateMobile alone (refused with nothing changed, or both go; recorded); alternate first, then mobile, works.",
         "facts §3 (D-delete: the invariant [doc]; the refusal [inf])", "delete", "slots", "normal"),
    # -- SMS sign-in -----------------------------------------------------------------------------
    Rule("sms-state-after-mobile-change", "Changing the mobile number of a user enabled for SMS sign-in registers it (ready, or phoneNumberNotUnique when another user has it).",
         SEED + ": 'the system will attempt to register the number for use in that system'", "update",
         "sms sign-in", "normal"),
    Rule("sms-state-non-mobile", "alternateMobile and office methods report smsSignInState notSupported.",
         "facts §2 (D-res, D-list)", "get", "sms sign-in", "minor"),
    Rule("sms-enable-disable", "enableSmsSignIn works only on the mobile method; disableSmsSignIn sets notEnabled.",
         "facts §1, §3 (D-enable, D-disable)", "enable", "sms sign-in", "normal"),
    Rule("sms-enable-preconditions", "enableSmsSignIn is refused with nothing changed for a number another user holds (read shows phoneNumberNotUnique) and for a user outside the SMS sign-in policy (read shows notAllowedByPolicy).",
         "facts §3 (D-enable: mobile only, unique number, user in the SMS sign-in policy); §2 state meanings",
         "enable", "sms sign-in", "normal"),
    # -- permissions -----------------------------------------------------------------------------
    Rule("perm-self-read", "A user may read their own methods with a documented .Read scope (or higher); without one, 403. A family the edition's pages do not name is recorded, not asserted.",
         "facts §4.1-4.2", "list", "permissions", "critical"),
    Rule("perm-self-write", "A user may write their own methods with UserAuthenticationMethod.ReadWrite; without it, 403.",
         SEED + ": 'Permissions acting on self'", "update", "permissions", "blocker"),
    Rule("perm-other-needs-all-scope", "Acting on another user needs a .All permission; otherwise 403.",
         SEED + ": 'Permissions acting on other users'", "update", "permissions", "blocker"),
    Rule("perm-other-needs-role", "A delegated admin acting on another user needs Authentication Administrator or Privileged Authentication Administrator (reads: or Global Reader, on any user); otherwise 403.",
         SEED + ": 'the administrator needs the Authentication Administrator or Privileged Authentication Administrator ... role'",
         "update", "permissions", "blocker"),
    Rule("perm-auth-admin-not-on-privileged", "An Authentication Administrator cannot change the methods of a user holding a privileged role (refused, status recorded; nothing changes); its reads of such a user are not asserted to succeed (status recorded; never the full numbers).",
         "facts §4.3 (E-roles 'All roles' descriptions, E-priv)", "update", "permissions", "critical"),
    Rule("perm-app-on-me-400", "An application token on /me answers 400 BadRequest.", "facts §4.5 [obs]",
         "update", "permissions", "normal"),
    Rule("perm-app-needs-role", "An application needs a documented (.ReadWrite).All app role; without one, 403. A family the edition's pages do not name is recorded, not asserted.",
         SEED + ": 'Application UserAuthenticationMethod.ReadWrite.All'", "update", "permissions", "blocker"),
    Rule("perm-personal-account-refused", "Personal Microsoft account tokens are refused (401 or 403) on every operation.",
         SEED + ": 'Delegated (personal Microsoft account) Not supported'", "update", "permissions", "critical"),
    Rule("perm-current-no-self-service", "Self-service create and update (unsupported per the late-2025 pages; the service's answer is [unk]) are refused with nothing changed or take effect; the answer is recorded.",
         "facts §3, §8 (D-update, D-post current)", "update", "permissions", "normal", ("current",)),
    Rule("perm-masked-numbers-auth-admin", "An Authentication Administrator listing or getting another user's methods does not see the full numbers (no format asserted).",
         "facts §3 (D-get, D-list)", "get", "permissions", "minor"),
    # -- authentication --------------------------------------------------------------------------
    Rule("auth-missing-401", "A request without a token (no Authorization header, or an empty Bearer token) answers 401 InvalidAuthenticationToken.",
         SEED + ": 'Authorization Bearer {token}. Required.'; facts §4.5", "update", "authentication", "blocker"),
    Rule("auth-malformed-401", "A malformed token answers 401 InvalidAuthenticationToken.", "facts §4.5 [obs]",
         "update", "authentication", "blocker"),
    Rule("auth-expired-401", "An expired token answers 401 InvalidAuthenticationToken.", "facts §4.5",
         "update", "authentication", "blocker"),
    Rule("auth-not-yet-valid-401", "A token whose nbf (not before) lies in the future answers 401 InvalidAuthenticationToken.",
         "RFC 7519 §4.1.5; facts §4.4-4.5 (token validity)", "update", "authentication", "blocker"),
    Rule("auth-bad-signature-401", "A token with a bad signature answers 401 InvalidAuthenticationToken.",
         "facts §4.4-4.5", "update", "authentication", "blocker"),
    Rule("auth-wrong-audience-401", "A token for another audience, or one that only extends or resembles Graph's URI, answers 401 InvalidAuthenticationToken.",
         "facts §4.4; RFC 7519 §4.1.3 (aud compared as a string), RFC 8725 §3.9", "update", "authentication",
         "blocker"),
    Rule("auth-unsigned-401", "An unsigned token (alg none) answers 401 InvalidAuthenticationToken.",
         "RFC 8725 §2.1, §3.1 (never accept alg none for a signed token); facts §4.4-4.5", "update",
         "authentication", "blocker"),
    Rule("auth-no-exp-401", "A token without an exp claim answers 401 InvalidAuthenticationToken.",
         "contract §3 (every token carries exp; validity per RFC 7519 §4.1.4); facts §4.5 (token problems: 401)",
         "update", "authentication", "critical"),
    # -- HTTP ------------------------------------------------------------------------------------
    Rule("content-type-required", "A body without Content-Type application/json is rejected (400 or 415) and nothing changes.",
         SEED + ": 'Content-type application/json. Required.'; facts §5 [obs] (Graph answers 400)", "update", "http",
         "normal"),
    Rule("malformed-json-rejected", "A malformed JSON body is rejected with 400 and nothing changes.",
         "facts §5 (D-err: 400 = malformed or incorrect request; [obs] 'JSON payload could not be read' answers)",
         "update", "http", "normal"),
    Rule("error-envelope", "Every error answer carries {\"error\": {\"code\": str, \"message\": str}}.",
         "facts §5 (D-err)", "update", "http", "critical"),
    Rule("no-server-error", "No input makes the target answer 5xx.", "facts §5 (D-err)", "update", "http",
         "critical"),
    Rule("schema-conformance", "Every answer matches the project's OpenAPI description (codes, content type, body).",
         "facts §1-2, §6; conformance/spec/openapi/phone-methods.yaml", "list", "schema", "normal"),
    Rule("state-consistency", "Over any sequence of valid and invalid moves, the target's list equals the model.",
         "facts §3 (one per type, mobile first, delete order)", "update", "slots", "critical"),
)

RULES = MappingProxyType({r.id: r for r in _RULES})
"""Rule id -> rule, in catalog order."""

assert len(RULES) == len(_RULES), "duplicate rule id"
assert all(r.severity in SEVERITIES for r in _RULES)


def rules_for(edition: str) -> list[Rule]:
    """The rules that apply to ``edition``."""
    return [r for r in RULES.values() if edition in r.editions]
