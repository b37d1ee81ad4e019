"""Identity checks (contract §3, §4 steps 2, 3, 5): 401s, the personal account, app tokens on /me."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from emukit import GRAPH_APP_ID, MOBILE_ID, OFFICE_ID, PERSONAL_TENANT, USERS


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned(alg: str) -> str:
    now = int(time.time())
    claims = {"aud": "https://graph.microsoft.com", "tid": "5f1c6a47-2b1d-4e8e-9b0a-7c3f2e9d1a10",
              "oid": USERS["patti"]["id"], "scp": "UserAuthenticationMethod.ReadWrite.All",
              "wids": USERS["patti"]["roles"], "exp": now + 600, "nbf": now - 60}
    return f"{_b64({'alg': alg, 'typ': 'JWT'})}.{_b64(claims)}.{'c2ln' if alg != 'none' else ''}"


BAD_AUTHORIZATION = {
    "missing": lambda mint: None,
    "empty-bearer": lambda mint: "Bearer ",
    "basic-scheme": lambda mint: "Basic dXNlcjpwYXNz",
    "not-a-jwt": lambda mint: "Bearer not-a-jwt",
    "three-garbage-parts": lambda mint: "Bearer a.b.c",
    "alg-none": lambda mint: "Bearer " + _unsigned("none"),
    "alg-rs256": lambda mint: "Bearer " + _unsigned("RS256"),
    "expired": lambda mint: "Bearer " + mint(exp_in=-60, nbf_in=-3600),
    "not-yet-valid": lambda mint: "Bearer " + mint(nbf_in=600),
    "bad-signature": lambda mint: "Bearer " + mint(secret="another-secret-of-sufficient-length-0123456789"),
    "wrong-audience": lambda mint: "Bearer " + mint(aud="https://management.azure.com"),
    "audience-extends-host": lambda mint: "Bearer " + mint(aud="https://graph.microsoft.com.evil.example"),
    "audience-extends-path": lambda mint: "Bearer " + mint(aud="https://graph.microsoft.com/extra"),
    "audience-list-lookalike": lambda mint: "Bearer " + mint(aud=["https://graph.microsoft.comx"]),
    "other-tenant": lambda mint: "Bearer " + mint(tid="11111111-1111-4111-8111-111111111111"),
    "no-exp": lambda mint: "Bearer " + mint(omit=("exp",)),
    "no-oid": lambda mint: "Bearer " + mint(omit=("oid",)),
    "no-tid": lambda mint: "Bearer " + mint(omit=("tid",)),
    "scp-not-a-string": lambda mint: "Bearer " + mint(scp=["UserAuthenticationMethod.ReadWrite.All"]),
    "wids-not-a-list": lambda mint: "Bearer " + mint(wids="62e90394-69f5-4237-9190-012177145e10"),
    "exp-not-a-number": lambda mint: "Bearer " + mint(exp="tomorrow"),
    "idtyp-unknown": lambda mint: "Bearer " + mint(idtyp="device"),
}

OPERATIONS = {
    "list-me": ("GET", "/me/authentication/phoneMethods", None),
    "get-user": ("GET", f"/users/{USERS['carol']['id']}/authentication/phoneMethods/{MOBILE_ID}", None),
    "create": ("POST", f"/users/{USERS['adele']['upn']}/authentication/phoneMethods",
               {"phoneNumber": "+1 4255550100", "phoneType": "office"}),
    "update": ("PATCH", f"/users/{USERS['carol']['id']}/authentication/phoneMethods/{OFFICE_ID}",
               {"phoneNumber": "+1 4255550100"}),
    "delete": ("DELETE", f"/users/{USERS['carol']['id']}/authentication/phoneMethods/{OFFICE_ID}", None),
    "enable": ("POST",
               f"/users/{USERS['alex']['id']}/authentication/phoneMethods/{MOBILE_ID}/enableSmsSignIn", None),
    "unknown-user": ("GET", "/users/nobody@contoso.test/authentication/phoneMethods", None),
}


@pytest.mark.parametrize("case", list(BAD_AUTHORIZATION))
@pytest.mark.parametrize("op", list(OPERATIONS))
def test_token_failures_are_401_with_a_challenge(api: Any, mint_token: Any, case: str, op: str) -> None:
    method, path, body = OPERATIONS[op]
    authorization = BAD_AUTHORIZATION[case](mint_token)
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = api.snapshot()
    r = api.call(method, path, token=None, headers=headers, **({"json": body} if body else {}))
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    assert api.snapshot() == before


@pytest.mark.parametrize("aud", ["https://graph.microsoft.com", GRAPH_APP_ID])
def test_both_graph_audiences_are_accepted(api: Any, mint_token: Any, aud: str) -> None:
    assert api.list("carol", mint_token(aud=aud)).status_code == 200


def test_a_cached_token_still_expires(api: Any, mint_token: Any) -> None:
    token = mint_token(exp_in=2)
    assert api.list("carol", token).status_code == 200
    time.sleep(2.2)
    assert api.list("carol", token).status_code == 401


@pytest.mark.parametrize("op", list(OPERATIONS))
def test_personal_accounts_are_refused_on_every_operation(api: Any, mint_token: Any, op: str) -> None:
    method, path, body = OPERATIONS[op]
    before = api.snapshot()
    token = mint_token(tid=PERSONAL_TENANT)
    r = api.call(method, path, token, **({"json": body} if body else {}))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "accessDenied"
    assert api.snapshot() == before


@pytest.mark.parametrize("op", ["list", "get", "create", "update", "delete", "enable", "disable"])
@pytest.mark.parametrize("roles", [["UserAuthenticationMethod.ReadWrite.All"], []])
def test_application_token_on_me_is_400(api: Any, mint_token: Any, op: str, roles: list[str]) -> None:
    token = mint_token(app_roles=roles)
    base = "/me/authentication/phoneMethods"
    method, path, body = {
        "list": ("GET", base, None),
        "get": ("GET", f"{base}/{MOBILE_ID}", None),
        "create": ("POST", base, {"phoneNumber": "+1 4255550100", "phoneType": "mobile"}),
        "update": ("PATCH", f"{base}/{MOBILE_ID}", {"phoneNumber": "+1 4255550100"}),
        "delete": ("DELETE", f"{base}/{MOBILE_ID}", None),
        "enable": ("POST", f"{base}/{MOBILE_ID}/enableSmsSignIn", None),
        "disable": ("POST", f"{base}/{MOBILE_ID}/disableSmsSignIn", None),
    }[op]
    r = api.call(method, path, token, **({"json": body} if body else {}))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BadRequest"


def test_application_token_without_idtyp_is_recognised_by_roles(api: Any, mint_token: Any) -> None:
    token = mint_token(app_roles=["UserAuthenticationMethod.Read.All"], omit=("idtyp",))
    assert api.list("me", token).status_code == 400
    assert api.list("carol", token).status_code == 200


def test_delegated_token_of_an_unknown_user_on_me_is_404(api: Any, mint_token: Any) -> None:
    token = mint_token(None, scopes="UserAuthenticationMethod.Read")
    assert api.list("me", token).status_code == 404
