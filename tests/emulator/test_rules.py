"""The emulator's business rules over real HTTP: surface, addressing, validation, one-per-type, ordering."""

from __future__ import annotations

import re
from typing import Any

import pytest
from emukit import (
    ALTERNATE_ID,
    GRAY_NUMBERS,
    IDS,
    INVALID_NUMBERS,
    MOBILE_ID,
    OFFICE_ID,
    TYPES,
    USERS,
    VALID_NUMBERS,
)

ADELE, ALEX, CAROL = USERS["adele"], USERS["alex"], USERS["carol"]
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def phone(number: str, phone_type: str) -> dict[str, str]:
    return {"phoneNumber": number, "phoneType": phone_type}


# -- surface -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone_type", TYPES)
def test_create_answers_201_with_the_object_and_the_types_fixed_id(api: Any, phone_type: str) -> None:
    who = "adele"
    if phone_type == "alternateMobile":
        assert api.create(who, phone("+1 4255550199", "mobile")).status_code == 201
    r = api.create(who, phone("+1 4255550100", phone_type))
    assert r.status_code == 201
    body = r.json()
    assert body["id"] == IDS[phone_type]
    assert body["phoneNumber"] == "+1 4255550100"
    assert body["phoneType"] == phone_type
    assert body["smsSignInState"] in ("ready", "notSupported")
    assert body["@odata.context"].endswith(f"users('{ADELE['id']}')/authentication/phoneMethods/$entity")
    location = f"/v1.0/users/{ADELE['id']}/authentication/phoneMethods/{IDS[phone_type]}"
    assert r.headers["Location"].endswith(location)
    assert api.phones(who)[phone_type]["phoneNumber"] == "+1 4255550100"


def test_list_answers_200_with_value_in_type_order(api: Any) -> None:
    r = api.list("carol")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith(f"$metadata#users('{CAROL['id']}')/authentication/phoneMethods")
    assert [m["phoneType"] for m in body["value"]] == ["mobile", "alternateMobile", "office"]
    assert [m["id"] for m in body["value"]] == [MOBILE_ID, ALTERNATE_ID, OFFICE_ID]
    assert body["value"][2] == {"id": OFFICE_ID, "phoneNumber": "+1 2065550102x77", "phoneType": "office",
                                "smsSignInState": "notSupported"}
    assert api.list("adele").json()["value"] == []


def test_get_answers_200_with_the_object(api: Any) -> None:
    r = api.get("carol", MOBILE_ID)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert {k: body[k] for k in ("id", "phoneNumber", "phoneType", "smsSignInState")} == {
        "id": MOBILE_ID, "phoneNumber": "+1 2065550100", "phoneType": "mobile", "smsSignInState": "ready"}
    assert body["@odata.context"].endswith("/authentication/phoneMethods/$entity")


def test_update_answers_204_with_empty_body_and_stores(api: Any) -> None:
    r = api.patch("carol", MOBILE_ID, {"phoneNumber": "+1 2065550999", "phoneType": "mobile"})
    assert r.status_code == 204
    assert r.content == b""
    assert api.get("carol", MOBILE_ID).json()["phoneNumber"] == "+1 2065550999"


def test_delete_answers_204_and_the_method_is_gone(api: Any) -> None:
    r = api.delete("carol", OFFICE_ID)
    assert (r.status_code, r.content) == (204, b"")
    assert api.get("carol", OFFICE_ID).status_code == 404
    assert [m["phoneType"] for m in api.list("carol").json()["value"]] == ["mobile", "alternateMobile"]


def test_count(api: Any) -> None:
    r = api.call("GET", "/users/" + CAROL["id"] + "/authentication/phoneMethods/$count")
    assert (r.status_code, r.text) == (200, "3")


# -- addressing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    ALEX["id"], ALEX["id"].upper(), ALEX["upn"], ALEX["upn"].lower(), ALEX["upn"].upper(),
    ALEX["upn"].replace("@", "%40"),
])
def test_users_addressed_by_id_or_upn_case_insensitively(api: Any, key: str) -> None:
    r = api.call("GET", f"/users/{key}/authentication/phoneMethods")
    assert r.status_code == 200
    assert [m["phoneNumber"] for m in r.json()["value"]] == ["+1 2065550111"]
    assert api.patch(key, MOBILE_ID, {"phoneNumber": "+1 2065550112"}).status_code == 204
    assert api.phones("alex")["mobile"]["phoneNumber"] == "+1 2065550112"


def test_odata_key_syntax_and_encoded_context(api: Any) -> None:
    r = api.call("GET", f"/users('{ALEX['upn']}')/authentication/phoneMethods/{MOBILE_ID}")
    assert r.status_code == 200
    assert f"users('{ALEX['upn'].replace('@', '%40')}')" in r.json()["@odata.context"]


def test_me_is_the_token_subject(api: Any, mint_token: Any) -> None:
    token = mint_token("alex", scopes="UserAuthenticationMethod.ReadWrite")
    r = api.list("me", token)
    assert r.status_code == 200
    assert [m["phoneNumber"] for m in r.json()["value"]] == ["+1 2065550111"]
    assert api.create("me", phone("+1 4255550101", "office"), token).status_code == 201
    assert "office" in api.phones("alex") and api.phones("adele") == {}


def test_self_through_users_path(api: Any, mint_token: Any) -> None:
    token = mint_token("alex", scopes="UserAuthenticationMethod.ReadWrite")
    for key in (ALEX["id"], ALEX["upn"]):
        assert api.call("GET", f"/users/{key}/authentication/phoneMethods", token).status_code == 200
    assert api.patch(ALEX["upn"], MOBILE_ID, {"phoneNumber": "+1 2065550113"}, token).status_code == 204


@pytest.mark.parametrize("op", ["list", "get", "create", "patch", "delete", "enable", "disable"])
def test_unknown_user_is_404(api: Any, op: str) -> None:
    who = "nobody@contoso.test"
    r = {
        "list": lambda: api.list(who),
        "get": lambda: api.get(who, MOBILE_ID),
        "create": lambda: api.create(who, phone("+1 4255550100", "mobile")),
        "patch": lambda: api.patch(who, MOBILE_ID, {"phoneNumber": "+1 4255550100"}),
        "delete": lambda: api.delete(who, MOBILE_ID),
        "enable": lambda: api.enable(who, MOBILE_ID),
        "disable": lambda: api.disable(who, MOBILE_ID),
    }[op]()
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "Request_ResourceNotFound"


# -- properties and validation -----------------------------------------------------------------------


def test_odata_annotations_in_bodies_are_ignored(api: Any) -> None:
    body = {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", **phone("+1 4255550100", "office"),
            "phoneType@odata.type": "#microsoft.graph.authenticationPhoneType"}
    assert api.create("adele", body).status_code == 201
    patch = {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "phoneNumber": "+1 4255550101"}
    assert api.patch("adele", OFFICE_ID, patch).status_code == 204
    assert api.phones("adele")["office"]["phoneNumber"] == "+1 4255550101"


@pytest.mark.parametrize("phone_type", ["Mobile", "MOBILE", "fax", "", " mobile", "unknownFutureValue",
                                        None, 1, ["mobile"]])
def test_unknown_phone_types_are_rejected(api: Any, phone_type: object) -> None:
    r = api.create("adele", {"phoneNumber": "+1 4255550100", "phoneType": phone_type})
    assert r.status_code == 400
    assert api.phones("adele") == {}


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_valid_numbers_are_accepted_verbatim(api: Any, number: str) -> None:
    assert api.create("adele", phone(number, "office")).json()["phoneNumber"] == number
    assert api.patch("carol", MOBILE_ID, {"phoneNumber": number}).status_code == 204
    assert api.phones("carol")["mobile"]["phoneNumber"] == number


@pytest.mark.parametrize(("label", "number"), [(k, v) for k, vs in INVALID_NUMBERS.items() for v in vs])
@pytest.mark.parametrize("gray", ["reject", "accept"])
def test_invalid_numbers_are_rejected_in_both_gray_modes(start: Any, gray: str, label: str,
                                                         number: object) -> None:
    api = start(gray=gray)
    before = api.snapshot()
    assert api.create("adele", {"phoneNumber": number, "phoneType": "office"}).status_code == 400
    assert api.patch("carol", MOBILE_ID, {"phoneNumber": number}).status_code == 400
    assert api.snapshot() == before


@pytest.mark.parametrize(("number", "normalised"), list(GRAY_NUMBERS.items()))
def test_gray_numbers_per_switch(start: Any, number: str, normalised: str | None) -> None:
    strict = start(gray="reject")
    assert strict.create("adele", phone(number, "office")).status_code == 400
    lenient = start(gray="accept")
    r = lenient.create("adele", phone(number, "office"))
    if normalised is None:
        assert r.status_code == 400
    else:
        assert (r.status_code, r.json()["phoneNumber"]) == (201, normalised)
        assert lenient.phones("adele")["office"]["phoneNumber"] == normalised


def test_create_needs_both_properties(api: Any) -> None:
    assert api.create("adele", {"phoneNumber": "+1 4255550100"}).status_code == 400
    assert api.create("adele", {"phoneType": "mobile"}).status_code == 400
    assert api.phones("adele") == {}


@pytest.mark.parametrize("body", [
    {"id": MOBILE_ID, "phoneNumber": "+1 4255550100", "phoneType": "mobile"},
    {"smsSignInState": "ready", "phoneNumber": "+1 4255550100", "phoneType": "mobile"},
    {"PhoneNumber": "+1 4255550100", "phoneType": "mobile"},
    {"phoneNumber": "+1 4255550100", "phoneType": "mobile", "extension": "12"},
])
def test_read_only_and_unknown_properties_are_rejected(api: Any, body: dict[str, object]) -> None:
    before = api.snapshot()
    assert api.create("adele", body).status_code == 400
    patch = {k: v for k, v in body.items() if k != "phoneType"}
    assert api.patch("carol", MOBILE_ID, patch).status_code == 400
    assert api.snapshot() == before


# -- type rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method_type", "body_type"), [(a, b) for a in TYPES for b in TYPES if a != b])
def test_phone_type_cannot_change(api: Any, method_type: str, body_type: str) -> None:
    before = api.snapshot()
    r = api.patch("carol", IDS[method_type], {"phoneNumber": "+1 4255550100", "phoneType": body_type})
    assert r.status_code == 400
    assert api.snapshot() == before


@pytest.mark.parametrize("phone_type", TYPES)
def test_patch_with_the_same_type_is_accepted(api: Any, phone_type: str) -> None:
    r = api.patch("carol", IDS[phone_type], {"phoneNumber": "+1 4255550177", "phoneType": phone_type})
    assert r.status_code == 204
    assert api.phones("carol")[phone_type]["phoneNumber"] == "+1 4255550177"
    before = api.snapshot()
    assert api.patch("carol", IDS[phone_type], {"phoneType": phone_type}).status_code == 204
    assert api.patch("carol", IDS[phone_type], {}).status_code == 204
    assert api.snapshot() == before


def test_patch_is_idempotent(api: Any) -> None:
    body = {"phoneNumber": "+1 2065550155"}
    assert api.patch("carol", MOBILE_ID, body).status_code == 204
    after_first = api.snapshot()
    assert api.patch("carol", MOBILE_ID, body).status_code == 204
    assert api.snapshot() == after_first


@pytest.mark.parametrize("phone_type", TYPES)
def test_one_method_per_type(api: Any, phone_type: str) -> None:
    before = api.snapshot()
    r = api.create("carol", phone("+1 4255550100", phone_type))
    assert r.status_code == 409
    assert "error" in r.json()
    assert api.snapshot() == before


def test_alternate_mobile_needs_a_mobile(api: Any) -> None:
    assert api.create("adele", phone("+1 4255550100", "alternateMobile")).status_code == 400
    assert api.phones("adele") == {}
    assert api.create("adele", phone("+1 4255550101", "mobile")).status_code == 201
    assert api.create("adele", phone("+1 4255550100", "alternateMobile")).status_code == 201


def test_mobile_cannot_be_deleted_while_an_alternate_exists(api: Any) -> None:
    before = api.snapshot()
    assert api.delete("carol", MOBILE_ID).status_code == 400
    assert api.snapshot() == before
    assert api.delete("carol", ALTERNATE_ID).status_code == 204
    assert api.delete("carol", MOBILE_ID).status_code == 204
    assert list(api.phones("carol")) == ["office"]


def test_type_change_workflow(api: Any) -> None:
    """To turn the office phone into a mobile one: add the new type, then delete the old."""
    assert api.create("adele", phone("+1 4255550100", "office")).status_code == 201
    assert api.create("adele", phone("+1 4255550100", "mobile")).status_code == 201
    assert api.delete("adele", OFFICE_ID).status_code == 204
    assert [(m["id"], m["phoneType"]) for m in api.list("adele").json()["value"]] == [(MOBILE_ID, "mobile")]


@pytest.mark.parametrize("method_id", [OFFICE_ID, "00000000-0000-0000-0000-000000000000",
                                       "not-a-guid", MOBILE_ID.replace("-", "")])
@pytest.mark.parametrize("op", ["get", "patch", "delete", "enable", "disable"])
def test_absent_methods_are_404(api: Any, op: str, method_id: str) -> None:
    who = "alex"  # holds only a mobile
    before = api.snapshot()
    r = {
        "get": lambda: api.get(who, method_id),
        "patch": lambda: api.patch(who, method_id, {"phoneNumber": "+1 4255550100"}),
        "delete": lambda: api.delete(who, method_id),
        "enable": lambda: api.enable(who, method_id),
        "disable": lambda: api.disable(who, method_id),
    }[op]()
    assert r.status_code == 404
    assert api.snapshot() == before


def test_method_ids_match_case_insensitively(api: Any) -> None:
    assert api.get("carol", MOBILE_ID.upper()).json()["id"] == MOBILE_ID


# -- SMS sign-in ---------------------------------------------------------------------------------------


def test_sms_state_on_create(api: Any) -> None:
    def state(who: str, number: str, phone_type: str) -> str:
        return api.create(who, phone(number, phone_type)).json()["smsSignInState"]

    assert state("adele", "+1 4255550100", "mobile") == "ready"
    assert state("adele", "+1 4255550101", "alternateMobile") == "notSupported"
    assert state("adele", "+1 4255550102", "office") == "notSupported"
    assert state("pradeep", "+1 4255550103", "mobile") == "notAllowedByPolicy"
    assert state("paula", "+1 4255550100", "mobile") == "phoneNumberNotUnique"


def test_initial_sms_states(api: Any) -> None:
    assert api.phones("dana1")["mobile"]["smsSignInState"] == "phoneNumberNotUnique"
    assert api.phones("dana2")["mobile"]["smsSignInState"] == "phoneNumberNotUnique"
    assert api.phones("polly")["mobile"]["smsSignInState"] == "notAllowedByPolicy"
    assert api.phones("alex")["mobile"]["smsSignInState"] == "ready"


def test_sms_state_after_mobile_change(api: Any) -> None:
    assert api.disable("alex", MOBILE_ID).status_code == 204
    assert api.phones("alex")["mobile"]["smsSignInState"] == "notEnabled"
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+1 2065550111"}).status_code == 204
    assert api.phones("alex")["mobile"]["smsSignInState"] == "notEnabled", "unchanged number keeps the state"
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+1 2065550100"}).status_code == 204
    assert api.phones("alex")["mobile"]["smsSignInState"] == "phoneNumberNotUnique", "carol has that number"
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+1 2065550444"}).status_code == 204
    assert api.phones("alex")["mobile"]["smsSignInState"] == "ready"
    assert api.patch("polly", MOBILE_ID, {"phoneNumber": "+44 7700900999"}).status_code == 204
    assert api.phones("polly")["mobile"]["smsSignInState"] == "notAllowedByPolicy"


@pytest.mark.parametrize("spelling", ["enableSmsSignIn", "microsoft.graph.enableSmsSignIn"])
def test_enable_sms_sign_in(api: Any, spelling: str) -> None:
    def enable(who: str, method_id: str) -> int:
        return api.call("POST", api.methods_path(who, method_id) + "/" + spelling).status_code

    before = api.snapshot()
    assert enable("carol", OFFICE_ID) == 400
    assert enable("carol", ALTERNATE_ID) == 400
    assert enable("polly", MOBILE_ID) == 400
    assert enable("dana1", MOBILE_ID) == 400
    assert api.snapshot() == before
    assert api.disable("alex", MOBILE_ID).status_code == 204
    assert enable("alex", MOBILE_ID) == 204
    assert api.phones("alex")["mobile"]["smsSignInState"] == "ready"
    assert api.patch("dana2", MOBILE_ID, {"phoneNumber": "+1 2065550198"}).status_code == 204
    assert enable("dana1", MOBILE_ID) == 204
    assert api.phones("dana1")["mobile"]["smsSignInState"] == "ready"


@pytest.mark.parametrize("spelling", ["disableSmsSignIn", "microsoft.graph.disableSmsSignIn"])
def test_disable_sms_sign_in(api: Any, spelling: str) -> None:
    def disable(who: str, method_id: str) -> int:
        return api.call("POST", api.methods_path(who, method_id) + "/" + spelling).status_code

    assert disable("carol", OFFICE_ID) == 400
    assert disable("carol", ALTERNATE_ID) == 400
    assert disable("carol", MOBILE_ID) == 204
    assert api.phones("carol")["mobile"]["smsSignInState"] == "notEnabled"
    assert disable("polly", MOBILE_ID) == 204
    assert api.phones("polly")["mobile"]["smsSignInState"] == "notAllowedByPolicy"


# -- masking -------------------------------------------------------------------------------------------


def test_authentication_administrator_reads_masked_numbers(api: Any, mint_token: Any) -> None:
    aaron = mint_token("aaron", scopes="UserAuthenticationMethod.Read.All")
    listed = api.list("carol", aaron).json()["value"]
    assert [m["phoneNumber"] for m in listed] == ["+1 ********00", "+1 ********01", "+1 ********02"]
    assert api.get("alex", MOBILE_ID, aaron).json()["phoneNumber"] == "+1 ********11"
    for reader in ("gina", "patti", "grady"):
        token = mint_token(reader, scopes="UserAuthenticationMethod.Read.All")
        assert api.get("alex", MOBILE_ID, token).json()["phoneNumber"] == "+1 2065550111"
    aaron_as_reader_too = mint_token("aaron", scopes="UserAuthenticationMethod.Read.All",
                                     wids=[USERS["aaron"]["roles"][0], USERS["gina"]["roles"][0]])
    assert api.get("alex", MOBILE_ID, aaron_as_reader_too).json()["phoneNumber"] == "+1 2065550111"


def test_authentication_administrator_reads_own_numbers_unmasked(api: Any, mint_token: Any) -> None:
    aaron = mint_token("aaron", scopes="UserAuthenticationMethod.ReadWrite")
    assert api.create("me", phone("+1 4255550100", "mobile"), aaron).status_code == 201
    assert api.get("me", MOBILE_ID, aaron).json()["phoneNumber"] == "+1 4255550100"


# -- envelope and headers ------------------------------------------------------------------------------


def test_every_response_carries_a_request_id(api: Any) -> None:
    responses = [api.list("carol"), api.get("carol", OFFICE_ID), api.patch("carol", OFFICE_ID, {}),
                 api.get("adele", OFFICE_ID), api.list("carol", token=None),
                 api.call("GET", "/nowhere"), api.call("PUT", "/me/authentication/phoneMethods")]
    ids = [r.headers.get("request-id", "") for r in responses]
    assert all(GUID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_client_request_id_is_echoed(api: Any) -> None:
    r = api.call("GET", api.methods_path("adele", OFFICE_ID), headers={"client-request-id": "abc-123"})
    assert r.status_code == 404
    assert r.headers["client-request-id"] == "abc-123"
    inner = r.json()["error"]["innerError"]
    assert inner["client-request-id"] == "abc-123"
    assert inner["request-id"] == r.headers["request-id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])
    ok = api.list("adele")
    assert ok.headers["client-request-id"] == ok.headers["request-id"]


def test_error_envelope_shape(api: Any) -> None:
    r = api.create("carol", phone("+1 4255550100", "mobile"))
    error = r.json()["error"]
    assert set(error) == {"code", "message", "innerError"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert r.headers["content-type"].startswith("application/json")
