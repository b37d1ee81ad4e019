"""The fault catalog: every fault has a probe — a short request sequence whose outcome differs between
the clean emulator and the emulator with only that fault. A fault without a probe fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emukit import ALTERNATE_ID, MOBILE_ID, OFFICE_ID, PERSONAL_TENANT, USERS

from emulator.faults import FAULTS, Fault

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


PROBES: dict[str, tuple[dict[str, object], Probe]] = {
    # name: (overrides for both runs, probe)
    "update-returns-200-body": ({}, lambda api, mint: (status(r := api.patch("carol", MOBILE_ID, {
        "phoneNumber": NEW})), r.content)),
    "update-not-stored": ({}, patch_then_get({"phoneNumber": NEW})),
    "update-stale-read": ({}, patch_then_get({"phoneNumber": NEW})),
    "accept-no-plus": ({}, create_status("14255550100")),
    "accept-letters": ({}, create_status("+1 425555ABCD")),
    "accept-null-number": ({}, create_status(None)),
    "reject-extension": ({}, create_status("+1 4255550100x123")),
    "drop-extension": ({}, patch_then_get({"phoneNumber": "+1 4255550100x123"})),
    "partial-write-on-invalid": ({}, lambda api, mint: (
        status(api.patch("carol", MOBILE_ID, {"phoneNumber": "14255550100"})),
        api.phones("carol")["mobile"]["phoneNumber"])),
    "type-change-accepted": ({}, lambda api, mint: status(api.patch("carol", MOBILE_ID, office()))),
    "type-change-applied": ({}, lambda api, mint: (
        status(api.patch("carol", MOBILE_ID, office())),
        api.get("carol", MOBILE_ID).json().get("phoneType"))),
    "same-type-rejected": ({}, lambda api, mint: status(api.patch("carol", MOBILE_ID, {
        "phoneNumber": NEW, "phoneType": "mobile"}))),
    "unknown-type-accepted": ({}, lambda api, mint: status(api.create("adele", {
        "phoneNumber": NEW, "phoneType": "fax"}))),
    "id-swap": ({}, lambda api, mint: api.create("adele", office()).json()["id"]),
    "patch-upsert": ({}, lambda api, mint: status(api.patch("adele", OFFICE_ID, {"phoneNumber": NEW}))),
    "unknown-id-200": ({}, lambda api, mint: status(api.get("carol", UNKNOWN_GUID))),
    "upn-not-resolved": ({}, lambda api, mint: status(api.list(USERS["alex"]["upn"]))),
    "confused-deputy": ({}, confused_deputy),
    "me-wrong-user": ({}, lambda api, mint: api.list("me", mint("alex", scopes=R)).json()["value"]),
    "skip-role-check": ({}, as_caller(
        "adele", lambda api, t: api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RWA)),
    "auth-admin-on-privileged": ({}, as_caller(
        "aaron", lambda api, t: api.patch("henrietta", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RWA)),
    "self-scope-on-other": ({}, as_caller(
        "patti", lambda api, t: api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, t), scopes=RW)),
    "app-on-me-allowed": ({}, lambda api, mint: status(api.list("me", mint(app_roles=[RWA])))),
    "app-missing-role-accepted": ({}, lambda api, mint: status(api.list("alex", mint(app_roles=[])))),
    "personal-account-accepted": ({}, as_caller("adele", lambda api, t: api.list("me", t), scopes=R,
                                                tid=PERSONAL_TENANT)),
    "self-write-denied": ({}, as_caller("adele", lambda api, t: api.create("me", office(), t), scopes=RW)),
    "self-read-denied": ({}, as_caller("adele", lambda api, t: api.list("me", t), scopes=R)),
    "self-service-refused-but-stored": ({"edition": "current"}, lambda api, mint: (
        status(api.patch("alex", MOBILE_ID, {"phoneNumber": NEW}, mint("alex", scopes=RW))),
        api.phones("alex")["mobile"]["phoneNumber"])),
    "unmasked-for-auth-admin": ({}, lambda api, mint: api.get(
        "alex", MOBILE_ID, mint("aaron", scopes=RA)).json()["phoneNumber"]),
    "unmasked-on-get": ({}, lambda api, mint: api.get(
        "alex", MOBILE_ID, mint("aaron", scopes=RA)).json()["phoneNumber"]),
    "no-token-accepted": ({}, lambda api, mint: status(api.list("me", None))),
    "empty-bearer-accepted": ({}, lambda api, mint: status(api.call(
        "GET", api.methods_path("me"), None, headers={"Authorization": "Bearer "}))),
    "nbf-not-checked": ({}, lambda api, mint: status(api.list("carol", mint(nbf_in=3600, exp_in=7200)))),
    "malformed-token-500": ({}, lambda api, mint: status(api.list("carol", "not-a-jwt"))),
    "expired-token-accepted": ({}, lambda api, mint: status(api.list(
        "carol", mint(exp_in=-60, nbf_in=-600)))),
    "bad-signature-accepted": ({}, lambda api, mint: status(api.list("carol", mint(
        secret="not-the-emulator-secret-0123456789abcdef")))),
    "wrong-audience-accepted": ({}, lambda api, mint: status(api.list("carol", mint(
        aud="https://management.azure.com")))),
    "error-envelope-flat": ({}, lambda api, mint: sorted(api.get("adele", OFFICE_ID).json())),
    "content-type-ignored": ({}, lambda api, mint: status(api.call(
        "PATCH", api.methods_path("carol", MOBILE_ID), data=b'{"phoneNumber": "+1 4255550100"}',
        headers={"Content-Type": "text/plain"}))),
    "malformed-json-500": ({}, lambda api, mint: status(api.call(
        "PATCH", api.methods_path("carol", MOBILE_ID), data=b'{"phoneNumber": ',
        headers={"Content-Type": "application/json"}))),
    "duplicate-type-overwrites": ({}, lambda api, mint: status(api.create("carol", {
        "phoneNumber": NEW, "phoneType": "mobile"}))),
    "alternate-without-mobile": ({}, lambda api, mint: status(api.create("adele", {
        "phoneNumber": NEW, "phoneType": "alternateMobile"}))),
    "delete-mobile-with-alternate": ({}, lambda api, mint: status(api.delete("carol", MOBILE_ID))),
    "sms-state-not-recalculated": ({}, sms_state_after_number_change),
    "sms-state-office-ready": ({}, lambda api, mint: api.create("adele", office()).json()["smsSignInState"]),
    "enable-sms-non-mobile": ({}, lambda api, mint: status(api.enable("carol", OFFICE_ID))),
    "disable-sms-noop": ({}, state_after_disable),
    "enable-sms-not-unique-accepted": ({}, lambda api, mint: status(api.enable("dana1", MOBILE_ID))),
    "enable-sms-policy-ignored": ({}, lambda api, mint: status(api.enable("polly", MOBILE_ID))),
    "enable-refusal-resets-state": ({}, lambda api, mint: (
        status(api.enable("dana1", MOBILE_ID)), api.phones("dana1")["mobile"]["smsSignInState"])),
    "deleted-still-listed": ({}, types_after(lambda api: api.delete("carol", OFFICE_ID), "carol")),
    "create-returns-200": ({}, lambda api, mint: status(api.create("adele", office()))),
    "create-replaces-other-types": ({}, types_after(lambda api: api.create("alex", office()), "alex")),
    "idempotency-broken": ({}, idempotent_patch),
    "list-bare-array": ({}, lambda api, mint: type(api.list("carol").json()).__name__),
    "get-wrong-shape": ({}, lambda api, mint: sorted(api.get("carol", ALTERNATE_ID).json())),
    "unknown-user-200": ({}, lambda api, mint: status(api.list("nobody@contoso.test"))),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_changes_what_it_claims(start: Any, mint_token: Any, name: str) -> None:
    assert name in PROBES, f"fault {name!r} has no probe in PROBES"
    overrides, probe = PROBES[name]
    clean = probe(start(**overrides), mint_token)
    faulty = probe(start(**overrides, faults=[name]), mint_token)
    assert clean != faulty, f"{name}: the probe saw {clean!r} with and without the fault"


def test_every_probe_names_a_fault() -> None:
    assert set(PROBES) == set(FAULTS)


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
    out = subprocess.run([sys.executable, "-m", "emulator", "--list-faults"], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert all(name in out for name in FAULTS)
