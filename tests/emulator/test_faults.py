"""The fault catalog: every fault has a probe — a short request sequence whose outcome differs between
the clean emulator and the emulator with only that fault. A fault without a probe fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from emukit import ALTERNATE_ID, MOBILE_ID, OFFICE_ID, PERSONAL_TENANT, USERS

from graph_phone_emulator.faults import FAULTS, Fault, FaultName

RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules-and-faults.md"
R, RW, RA, RWA = ("UserAuthenticationMethod.Read", "UserAuthenticationMethod.ReadWrite",
                  "UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All")
NEW = "+1 4255550100"
UNKNOWN_GUID = "0f0f0f0f-0000-4000-8000-000000000000"
Probe = Callable[[Any, Any], object]


def office(number: object = NEW) -> dict[str, object]:
    return {"phoneNumber": number, "phoneType": "office"}


def status(response: Any) -> int:
    return response.status_code


def patch_then_get(body: dict[str, object]) -> Probe:
    def probe(api: Any, mint: Any) -> object:
        first = status(api.patch("carol", MOBILE_ID, body))
        return first, api.get("carol", MOBILE_ID).json().get("phoneNumber")
    return probe


def create_status(number: object) -> Probe:
    return lambda api, mint: status(api.create("adele", office(number)))


def as_caller(who: str | None, op: Callable[[Any, str | None], Any], **claims: Any) -> Probe:
    return lambda api, mint: status(op(api, mint(who, **claims) if who or claims else None))


def confused_deputy(api: Any, mint: Any) -> object:
    api.create("alex", office())
    return "office" in api.phones("alex"), "office" in api.phones("patti")


def sms_state_after_number_change(api: Any, mint: Any) -> object:
    api.disable("alex", MOBILE_ID)
    api.patch("alex", MOBILE_ID, {"phoneNumber": NEW})
    return api.phones("alex")["mobile"]["smsSignInState"]


def state_after_disable(api: Any, mint: Any) -> object:
    return status(api.disable("alex", MOBILE_ID)), api.phones("alex")["mobile"]["smsSignInState"]


def types_after(action: Callable[[Any], Any], who: str) -> Probe:
    def probe(api: Any, mint: Any) -> object:
        action(api)
        return [m["phoneType"] for m in api.list(who).json()["value"]]
    return probe


def idempotent_patch(api: Any, mint: Any) -> object:
    return [status(api.patch("carol", MOBILE_ID, {"phoneNumber": NEW})) for _ in range(2)]


PROBES: dict[FaultName, tuple[dict[str, object], Probe]] = {
    # name: (overrides for both runs, probe)
    FaultName.UPDATE_RETURNS_200_BODY: ({}, lambda api, mint: (status(r := api.patch("carol", MOBILE_ID, {
        "phoneNumber": NEW})), r.content)),
    FaultName.UPDATE_NOT_STORED: ({}, patch_then_get({"phoneNumber": NEW})),
    FaultName.UPDATE_STALE_READ: ({}, patch_then_get({"phoneNumber": NEW})),
    FaultName.ACCEPT_NO_PLUS: ({}, create_status("14255550100")),
    FaultName.ACCEPT_LETTERS: ({}, create_status("+1 425555ABCD")),
    FaultName.ACCEPT_NULL_NUMBER: ({}, create_status(None)),
    FaultName.REJECT_EXTENSION: ({}, create_status("+1 4255550100x123")),
    FaultName.DROP_EXTENSION: ({}, patch_then_get({"phoneNumber": "+1 4255550100x123"})),
    FaultName.PARTIAL_WRITE_ON_INVALID: ({}, lambda api, mint: (
        status(api.patch("carol", MOBILE_ID, {"phoneNumber": "14255550100"})),
        api.phones("carol")["mobile"]["phoneNumber"])),
    FaultName.TYPE_CHANGE_ACCEPTED: ({}, lambda api, mint: status(api.patch("carol", MOBILE_ID, office()))),
    FaultName.TYPE_CHANGE_APPLIED: ({}, lambda api, mint: (
        status(api.patch("carol", MOBILE_ID, office())),
        api.get("carol", MOBILE_ID).json().get("phoneType"))),
    FaultName.SAME_TYPE_REJECTED: ({}, lambda api, mint: status(api.patch("carol", MOBILE_ID, {
        "phoneNumber": NEW, "phoneType": "mobile"}))),
    FaultName.UNKNOWN_TYPE_ACCEPTED: ({}, lambda api, mint: status(api.create("adele", {
        "phoneNumber": NEW, "phoneType": "fax"}))),
    FaultName.ID_SWAP: ({}, lambda api, mint: api.create("adele", office()).json()["id"]),
    FaultName.PATCH_UPSERT: ({}, lambda api, mint: status(api.patch("adele", OFFICE_ID, {"phoneNumber": NEW}))),
    FaultName.UNKNOWN_ID_200: ({}, lambda api, mint: status(api.get("carol", UNKNOWN_GUID))),
    FaultName.UPN_NOT_RESOLVED: ({}, lambda api, mint: status(api.list(USERS["alex"]["upn"]))),
    FaultName.CONFUSED_DEPUTY: ({}, confused_deputy),
    FaultName.ME_WRONG_USER: ({}, lambda api, mint: api.list("me", mint("alex", scopes=R)).json()["value"]),
    FaultName.SKIP_ROLE_CHECK: ({}, as_caller(
        "adele", lambda api, t: api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RWA)),
    FaultName.AUTH_ADMIN_ON_PRIVILEGED: ({}, as_caller(
        "aaron", lambda api, t: api.patch("henrietta", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RWA)),
    FaultName.SELF_SCOPE_ON_OTHER: ({}, as_caller(
        "patti", lambda api, t: api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RW)),
    FaultName.APP_ON_ME_ALLOWED: ({}, lambda api, mint: status(api.list("me", mint(app_roles=[RWA])))),
    FaultName.APP_MISSING_ROLE_ACCEPTED: ({}, lambda api, mint: status(api.list("alex", mint(app_roles=[])))),
    FaultName.PERSONAL_ACCOUNT_ACCEPTED: ({}, as_caller("adele", lambda api, t: api.list("me", t), scopes=R,
                                                tid=PERSONAL_TENANT)),
    FaultName.SELF_WRITE_DENIED: ({}, as_caller("adele", lambda api, t: api.create("me", office(), t), scopes=RW)),
    FaultName.SELF_READ_DENIED: ({}, as_caller("adele", lambda api, t: api.list("me", t), scopes=R)),
    FaultName.SELF_SERVICE_REFUSED_BUT_STORED: ({"edition": "current"}, lambda api, mint: (
        status(api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, mint("alex", scopes=RW))),
        api.phones("alex")["mobile"]["phoneNumber"])),
    FaultName.UNMASKED_FOR_AUTH_ADMIN: ({}, lambda api, mint: api.get(
        "alex", MOBILE_ID, mint("aaron", scopes=RA)).json()["phoneNumber"]),
    FaultName.UNMASKED_ON_GET: ({}, lambda api, mint: api.get(
        "alex", MOBILE_ID, mint("aaron", scopes=RA)).json()["phoneNumber"]),
    FaultName.NO_TOKEN_ACCEPTED: ({}, lambda api, mint: status(api.list("me", None))),
    FaultName.EMPTY_BEARER_ACCEPTED: ({}, lambda api, mint: status(api.call(
        "GET", api.methods_path("me"), None, headers={"Authorization": "Bearer "}))),
    FaultName.NBF_NOT_CHECKED: ({}, lambda api, mint: status(api.list("carol", mint(nbf_in=3600, exp_in=7200)))),
    FaultName.MALFORMED_TOKEN_500: ({}, lambda api, mint: status(api.list("carol", "not-a-jwt"))),
    FaultName.EXPIRED_TOKEN_ACCEPTED: ({}, lambda api, mint: status(api.list(
        "carol", mint(exp_in=-60, nbf_in=-600)))),
    FaultName.BAD_SIGNATURE_ACCEPTED: ({}, lambda api, mint: status(api.list("carol", mint(
        secret="not-the-emulator-secret-0123456789abcdef")))),
    FaultName.WRONG_AUDIENCE_ACCEPTED: ({}, lambda api, mint: status(api.list("carol", mint(
        aud="https://management.azure.com")))),
    FaultName.ERROR_ENVELOPE_FLAT: ({}, lambda api, mint: sorted(api.get("adele", OFFICE_ID).json())),
    FaultName.CONTENT_TYPE_IGNORED: ({}, lambda api, mint: status(api.call(
        "PATCH", api.methods_path("carol", MOBILE_ID), data=b'{"phoneNumber": "+1 4255550100"}',
        headers={"Content-Type": "text/plain"}))),
    FaultName.MALFORMED_JSON_500: ({}, lambda api, mint: status(api.call(
        "PATCH", api.methods_path("carol", MOBILE_ID), data=b'{"phoneNumber": ',
        headers={"Content-Type": "application/json"}))),
    FaultName.DUPLICATE_TYPE_OVERWRITES: ({}, lambda api, mint: status(api.create("carol", {
        "phoneNumber": NEW, "phoneType": "mobile"}))),
    FaultName.ALTERNATE_WITHOUT_MOBILE: ({}, lambda api, mint: status(api.create("adele", {
        "phoneNumber": NEW, "phoneType": "alternateMobile"}))),
    FaultName.DELETE_MOBILE_WITH_ALTERNATE: ({}, lambda api, mint: status(api.delete("carol", MOBILE_ID))),
    FaultName.SMS_STATE_NOT_RECALCULATED: ({}, sms_state_after_number_change),
    FaultName.SMS_STATE_OFFICE_READY: ({}, lambda api, mint: api.create("adele", office()).json()["smsSignInState"]),
    FaultName.ENABLE_SMS_NON_MOBILE: ({}, lambda api, mint: status(api.enable("carol", OFFICE_ID))),
    FaultName.DISABLE_SMS_NOOP: ({}, state_after_disable),
    FaultName.ENABLE_SMS_NOT_UNIQUE_ACCEPTED: ({}, lambda api, mint: status(api.enable("dana1", MOBILE_ID))),
    FaultName.ENABLE_SMS_POLICY_IGNORED: ({}, lambda api, mint: status(api.enable("polly", MOBILE_ID))),
    FaultName.ENABLE_REFUSAL_RESETS_STATE: ({}, lambda api, mint: (
        status(api.enable("dana1", MOBILE_ID)), api.phones("dana1")["mobile"]["smsSignInState"])),
    FaultName.DELETED_STILL_LISTED: ({}, types_after(lambda api: api.delete("carol", OFFICE_ID), "carol")),
    FaultName.DELETE_ANSWERS_200_WITH_BODY: ({}, lambda api, mint: (
        status(api.delete("carol", OFFICE_ID)), "office" in api.phones("carol"))),
    FaultName.FOREIGN_ODATA_TYPE_ACCEPTED: ({}, lambda api, mint: (
        status(api.create("adele", {**office(), "@odata.type": "#microsoft.graph.emailAuthenticationMethod"})),
        status(api.patch("carol", MOBILE_ID, {"@odata.type": 0, "phoneNumber": NEW})),
        "office" in api.phones("adele"))),
    FaultName.CREATE_RETURNS_200: ({}, lambda api, mint: status(api.create("adele", office()))),
    FaultName.CREATE_REPLACES_OTHER_TYPES: ({}, types_after(lambda api: api.create("alex", office()), "alex")),
    FaultName.IDEMPOTENCY_BROKEN: ({}, idempotent_patch),
    FaultName.LIST_BARE_ARRAY: ({}, lambda api, mint: type(api.list("carol").json()).__name__),
    FaultName.GET_WRONG_SHAPE: ({}, lambda api, mint: sorted(api.get("carol", ALTERNATE_ID).json())),
    FaultName.UNKNOWN_USER_200: ({}, lambda api, mint: status(api.list("nobody@contoso.test"))),
    FaultName.ROLE_CHECK_BY_ID_ONLY: ({}, lambda api, mint: status(api.call(
        "PATCH", f"/users/{USERS['henrietta']['upn']}/authentication/phoneMethods/{MOBILE_ID}",
        mint("aaron", scopes=RWA), json={"phoneNumber": NEW}))),
    FaultName.READ_CACHE_BY_METHOD_ID: ({}, lambda api, mint: (
        api.get("carol", MOBILE_ID).json()["phoneNumber"], api.get("dana1", MOBILE_ID).json()["phoneNumber"])),
    FaultName.UNKNOWN_USER_BY_LOCAL_PART: ({}, lambda api, mint: status(api.list("carol@example.invalid"))),
    FaultName.DISABLE_SMS_NON_MOBILE: ({}, lambda api, mint: (
        status(api.disable("carol", OFFICE_ID)), api.phones("carol")["office"]["smsSignInState"])),
    FaultName.ALG_NONE_ACCEPTED: ({}, lambda api, mint: status(api.list("carol", jwt.encode(
        jwt.decode(mint(), options={"verify_signature": False}), None, algorithm="none")))),
    FaultName.LOOKALIKE_AUDIENCE_ACCEPTED: ({}, lambda api, mint: [status(api.list("carol", mint(aud=aud))) for aud in (
        "https://graph.microsoft.com.evil.example", "https://graph.microsoft.com/extra")]),
    FaultName.MISSING_EXP_ACCEPTED: ({}, lambda api, mint: status(api.list("carol", mint(omit=("exp",))))),
    FaultName.READ_ONLY_STATE_APPLIED: ({"choices": {"read_only_in_body": "ignore"}}, lambda api, mint: (
        status(api.patch("carol", OFFICE_ID, {"phoneNumber": NEW, "smsSignInState": "ready"})),
        api.phones("carol")["office"]["smsSignInState"])),
    FaultName.EXTENSION_ZEROS_DROPPED: ({}, patch_then_get({"phoneNumber": "+1 4255550100x007"})),
    FaultName.GLOBAL_READER_RESTRICTED: ({}, lambda api, mint: status(api.list("henrietta", mint("gina", scopes=RA)))),
}


@pytest.mark.parametrize("name", sorted(FaultName))
def test_fault_changes_what_it_claims(start: Any, mint_token: Any, name: FaultName) -> None:
    assert name in PROBES, f"fault {name!r} has no probe in PROBES"
    overrides, probe = PROBES[name]
    clean = probe(start(**overrides), mint_token)
    faulty = probe(start(**overrides, faults=[name]), mint_token)
    assert clean != faulty, f"{name}: the probe saw {clean!r} with and without the fault"


def test_every_probe_names_a_fault() -> None:
    assert set(PROBES) == set(FaultName)


def test_the_enum_and_the_catalog_name_the_same_faults() -> None:
    """One member per fault, in catalog order; a member is its name spelt as a constant and equals the string."""
    assert list(FAULTS) == list(FaultName)
    assert all(isinstance(name, FaultName) and FAULTS[name].name is name for name in FAULTS)
    assert all(m.name == m.value.upper().replace("-", "_") and m == m.value for m in FaultName)
    assert FAULTS["id-swap"] is FAULTS[FaultName.ID_SWAP]  # names from profiles and the CLI look up too


def test_catalog_matches_the_plan() -> None:
    """docs/rules-and-faults.md's generated tables list every fault with its rules, each rule in the catalog."""
    text = RULES_DOC.read_text(encoding="utf-8")
    rule_ids = set(re.findall(r"^\| `([a-z0-9-]+)` \| (?:blocker|critical|normal|minor|trivial) \|", text, re.M))
    assert rule_ids, "the generated rule table is missing"
    planned = {m.group(1): tuple(re.findall(r"`([a-z0-9-]+)`", m.group(2)))
               for m in re.finditer(r"^\| `([a-z0-9-]+)` \| [^|]+ \| ((?:`[a-z0-9-]+`(?:, )?)+) \|$", text, re.M)}
    assert {n: f.rules for n, f in FAULTS.items()} == planned
    assert all(rule in rule_ids for f in FAULTS.values() for rule in f.rules)
    assert all(isinstance(f, Fault) and f.name == n and f.description for n, f in FAULTS.items())


def test_unknown_fault_is_a_value_error(start: Any) -> None:
    with pytest.raises(ValueError, match="no-such-fault"):
        start(faults=["no-such-fault"])


def test_cli_lists_the_catalog() -> None:
    out = subprocess.run([sys.executable, "-m", "graph_phone_emulator", "--list-faults"],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert all(name in out for name in FAULTS)
