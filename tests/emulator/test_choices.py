"""The emulator's open choices: the table, the profile and CLI plumbing, and what each switch changes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from emukit import ALTERNATE_ID, AUTH_ADMIN, MOBILE_ID, OFFICE_ID, PERSONAL_TENANT, PHONE, UAM, USERS

from conftest import mint
from graph_phone_emulator.choices import CHOICES, DEFAULTS, parse_assignments, validate_choices
from graph_phone_emulator.config import DEFAULT_PROFILE, ConfigError, load_config
from graph_phone_emulator.phone_format import mask

REPO = Path(__file__).resolve().parents[2]


def test_every_choice_has_a_default_first_and_two_values() -> None:
    for choice in CHOICES.values():
        assert len(choice.values) >= 2 and choice.default == choice.values[0] and choice.description


def test_the_profile_template_documents_every_choice_at_its_default() -> None:
    """conformance/targets/emulator.toml lists the whole [emulator.choices] table, at the defaults."""
    raw = tomllib.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    assert raw["emulator"]["choices"] == dict(DEFAULTS)
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    for choice in CHOICES.values():
        assert " | ".join(choice.values) in text, f"{choice.key}: the template does not list its values"


def test_contract_documents_every_choice() -> None:
    contract = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    missing = [k for k in CHOICES if f"`{k}`" not in contract]
    assert not missing, f"docs/contract.md does not document {missing}"


@pytest.mark.parametrize(("chosen", "message"), [
    ({"nope": "x"}, "unknown choice"),
    ({"bad_body_status": "418"}, "bad_body_status must be one of 400, 422"),
    ({"gray": "maybe"}, "gray must be one of"),
])
def test_bad_choices_are_value_errors(chosen: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_choices(chosen)
    with pytest.raises(ConfigError, match=message):
        load_config(None, {"choices": chosen})


def test_integers_are_accepted_for_statuses_and_overrides_win() -> None:
    assert validate_choices({"bad_body_status": 422})["bad_body_status"] == "422"
    config = load_config(None, {"choices": {"duplicate_status": "400"}, "gray": "accept"})
    assert (config.choice("duplicate_status"), config.gray) == ("400", "accept")


def test_profile_table_and_legacy_gray(tmp_path: Path) -> None:
    text = DEFAULT_PROFILE.read_text(encoding="utf-8").replace('list_order = "type"', 'list_order = "reverse"')
    path = tmp_path / "p.toml"
    path.write_text(text.replace('[emulator]\n', '[emulator]\ngray = "accept"\n', 1), encoding="utf-8")
    config = load_config(path)
    assert (config.choice("list_order"), config.gray) == ("reverse", "accept")


def test_parse_assignments() -> None:
    assert parse_assignments(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    with pytest.raises(ValueError, match="key=value"):
        parse_assignments(["novalue"])


@pytest.mark.parametrize(("args", "message"), [
    (("--choice", "oops"), "is not key=value"),
    (("--choice", "masked_format=round"), "masked_format must be one of"),
])
def test_cli_bad_choice_exits_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "graph_phone_emulator", *args], capture_output=True, text=True,
                            cwd=REPO, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("emulator: error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_lists_choices() -> None:
    result = subprocess.run([sys.executable, "-m", "graph_phone_emulator", "--list-choices"],
                            capture_output=True, text=True, cwd=REPO, timeout=30)
    assert result.returncode == 0 and all(k in result.stdout for k in CHOICES)


@pytest.mark.parametrize(("shape", "shown"), [("cc-stars", "+1 ********34"), ("x-all", "+X XXXXXXXX34"),
                                              ("tail-only", "********34")])
def test_mask_shapes(shape: str, shown: str) -> None:
    assert mask("+1 5555551234x123", shape) == shown


# -- what each switch changes (the default behaviour is covered by the other emulator tests) ---------

def test_statuses_and_codes(start: Any) -> None:
    api = start(choices={"bad_body_status": "422", "duplicate_status": "400", "slot_rule_status": "409",
                         "content_type_status": "400", "malformed_id_status": "400", "error_codes": "directory"})
    r = api.patch("alex", MOBILE_ID, {"phoneNumber": "555"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "Request_UnprocessableEntity")
    assert api.create("carol", {"phoneNumber": "+1 2065550155", "phoneType": "mobile"}).status_code == 400
    assert api.delete("carol", MOBILE_ID).status_code == 409
    r = api.call("PATCH", api.methods_path("alex", MOBILE_ID), data=b'{"phoneNumber": "+1 2065550156"}',
                 headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "Request_BadRequest")
    assert api.get("alex", "not-a-guid").status_code == 400
    r = api.get("alex", OFFICE_ID)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "Request_ResourceNotFound")
    denied = api.list("alex", mint("adele", scopes=f"{UAM}.Read"))
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "accessDenied"), "established codes stay"


def test_personal_account_and_challenge(start: Any) -> None:
    api = start(choices={"personal_account_status": "401", "www_authenticate": "absent"})
    r = api.list("alex", mint("patti", tid=PERSONAL_TENANT))
    assert r.status_code == 401 and "WWW-Authenticate" not in r.headers
    r = api.list("alex", None)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert "WWW-Authenticate" not in r.headers


def test_representation_switches(start: Any) -> None:
    api = start(choices={"odata_context": "absent", "odata_type": "present", "list_order": "reverse",
                         "location_header": "absent", "masked_format": "tail-only"})
    items = api.list("carol").json()["value"]
    assert [i["phoneType"] for i in items] == ["office", "alternateMobile", "mobile"]
    assert all(i["@odata.type"] == "#microsoft.graph.phoneAuthenticationMethod" for i in items)
    assert "@odata.context" not in api.get("carol", MOBILE_ID).json()
    r = api.create("alex", {"phoneNumber": "+1 2065550157", "phoneType": "office"})
    assert r.status_code == 201 and "Location" not in r.headers
    masked = api.get("alex", MOBILE_ID, mint("aaron", scopes=f"{UAM}.Read.All", wids=[AUTH_ADMIN])).json()
    assert masked["phoneNumber"] == "********11"


def test_seed_phone_family_and_current_self_service(start: Any) -> None:
    strict = start()
    assert strict.list("me", mint("alex", scopes=f"{PHONE}.Read")).status_code == 403
    lenient = start(choices={"seed_phone_family": "grant"})
    assert lenient.list("me", mint("alex", scopes=f"{PHONE}.Read")).status_code == 200
    current = start(edition="current", choices={"self_service_status": "400"})
    assert current.patch("me", MOBILE_ID, {"phoneNumber": "+1 2065550158"},
                         mint("alex", scopes=f"{UAM}.ReadWrite")).status_code == 400
    allowed = start(edition="current", choices={"current_self_service": "allow"})
    assert allowed.patch("me", MOBILE_ID, {"phoneNumber": "+1 2065550158"},
                         mint("alex", scopes=f"{UAM}.ReadWrite")).status_code == 204
    assert allowed.phones("alex")["mobile"]["phoneNumber"] == "+1 2065550158"


def test_delete_mobile_with_alternate_cascades(start: Any) -> None:
    api = start(choices={"delete_mobile_with_alternate": "cascade"})
    assert api.delete("carol", MOBILE_ID).status_code == 204
    assert set(api.phones("carol")) == {"office"}


def test_enable_refusal_status(start: Any) -> None:
    api = start(choices={"enable_refusal_status": "409"})
    assert api.enable("dana1", MOBILE_ID).status_code == 409
    assert api.enable("carol", ALTERNATE_ID).status_code == 409


def test_auth_admin_privileged_read(start: Any) -> None:
    """facts §4.3: an Authentication Administrator views non-admins only; masked numbers or a refusal."""
    token = mint("aaron", scopes=f"{UAM}.Read.All", wids=[AUTH_ADMIN])
    assert start().list("henrietta", token).status_code == 200
    for status in ("403", "400"):
        api = start(choices={"auth_admin_privileged_read": status})
        assert api.list("henrietta", token).status_code == int(status)
        assert api.get("alex", MOBILE_ID, token).status_code == 200, "non-admins are still read"
        assert api.list("henrietta", mint("gina", scopes=f"{UAM}.Read.All")).status_code == 200, "Global Reader"


def test_not_unique_write_answers_409_and_saves(start: Any) -> None:
    """facts §10: 409 phoneNumberNotUnique, the method saved all the same (SMS registration failed)."""
    taken = "+1 2065550199"  # dana1's and dana2's mobile
    api = start(choices={"not_unique_write": "409-applied"})
    r = api.patch("alex", MOBILE_ID, {"phoneNumber": taken})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "phoneNumberNotUnique")
    assert api.phones("alex")["mobile"] == {"id": MOBILE_ID, "phoneNumber": taken, "phoneType": "mobile",
                                            "smsSignInState": "phoneNumberNotUnique"}
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+1 2065550160"}).status_code == 204, "a unique number"
    r = api.create("adele", {"phoneNumber": taken, "phoneType": "mobile"})
    assert r.status_code == 409 and api.phones("adele")["mobile"]["phoneNumber"] == taken
    assert start().patch("alex", MOBILE_ID, {"phoneNumber": taken}).status_code == 204


def test_read_only_in_body_ignored(start: Any) -> None:
    api = start(choices={"read_only_in_body": "ignore"})
    body = {"phoneNumber": "+1 2065550161", "smsSignInState": "ready", "id": OFFICE_ID}
    assert api.patch("carol", ALTERNATE_ID, body).status_code == 204
    assert api.phones("carol")["alternateMobile"] == {"id": ALTERNATE_ID, "phoneNumber": "+1 2065550161",
                                                      "phoneType": "alternateMobile", "smsSignInState": "notSupported"}
    assert start().patch("carol", ALTERNATE_ID, body).status_code == 400


def test_number_without_space_normalised(start: Any) -> None:
    api = start(choices={"number_without_space": "normalise"})
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+442079460958x12"}).status_code == 204
    assert api.phones("alex")["mobile"]["phoneNumber"] == "+44 2079460958x12"
    assert api.patch("alex", MOBILE_ID, {"phoneNumber": "+44 20-7946-0958"}).status_code == 400, "other gray: rejected"
    assert start().patch("alex", MOBILE_ID, {"phoneNumber": "+442079460958"}).status_code == 400


def test_users_key_form_addresses_the_user(start: Any) -> None:
    """/users('upn') and /users('id') (facts §7) name the same user as /users/{id}."""
    api = start()
    by_id = api.list("carol").json()["value"]
    for key in (USERS["carol"]["upn"], USERS["carol"]["id"], USERS["carol"]["upn"].upper()):
        r = api.call("GET", f"/users('{key}')/authentication/phoneMethods")
        assert r.status_code == 200 and r.json()["value"] == by_id, key
    assert api.call("GET", "/users('nobody@contoso.test')/authentication/phoneMethods").status_code == 404
