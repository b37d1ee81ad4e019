"""Bad requests: bodies, content types, sizes, routes and methods — 4xx with an envelope, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emukit import MOBILE_ID, OFFICE_ID, PROFILE, USERS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CAROL = USERS["carol"]["id"]
COLLECTION = f"/users/{USERS['adele']['id']}/authentication/phoneMethods"
ITEM = f"/users/{CAROL}/authentication/phoneMethods/{MOBILE_ID}"
JSON = {"Content-Type": "application/json"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                derandomize=True, database=None)

MALFORMED = {
    "truncated": b'{"phoneNumber": "+1 4255550100"',
    "missing-value": b'{"phoneNumber": }',
    "single-quotes": b"{'phoneNumber': '+1 4255550100'}",
    "trailing-garbage": b'{"phoneNumber": "+1 4255550100"} x',
    "bare-word": b"nul",
    "nan": b'{"phoneNumber": NaN}',
    "infinity": b'{"phoneNumber": Infinity}',
    "invalid-utf8": b'{"phoneNumber": "\xff\xfe"}',
    "utf8-bom": b'\xef\xbb\xbf{"phoneNumber": "+1 4255550100"}',
    "deep-nesting": b"[" * 20000 + b"]" * 20000,
    "huge-integer": b'{"phoneNumber": ' + b"9" * 6000 + b"}",
    "duplicate-keys": b'{"phoneNumber": "+1 4255550100", "phoneNumber": "+1 4255550101"}',
    "lone-surrogate-number": b'{"phoneNumber": "\\ud800", "phoneType": "office"}',
    "lone-surrogate-key": b'{"\\ud800": 1}',
}
NOT_OBJECTS = {"array": b"[]", "string": b'"+1 4255550100"', "number": b"1", "null": b"null", "true": b"true"}


@pytest.mark.parametrize("case", list(MALFORMED) + list(NOT_OBJECTS))
@pytest.mark.parametrize(("method", "path"), [("POST", COLLECTION), ("PATCH", ITEM)])
def test_malformed_or_non_object_json_is_400(api: Any, case: str, method: str, path: str) -> None:
    before = api.snapshot()
    body = MALFORMED.get(case) or NOT_OBJECTS[case]
    r = api.call(method, path, data=body, headers=JSON)
    assert r.status_code == 400, r.text
    assert "error" in r.json()
    assert api.snapshot() == before


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml", "multipart/form-data",
                                          "application/jsonx", "application/x-www-form-urlencoded", "json"])
@pytest.mark.parametrize(("method", "path"), [("POST", COLLECTION), ("PATCH", ITEM)])
def test_body_without_a_json_content_type_is_415(api: Any, content_type: str | None, method: str,
                                                 path: str) -> None:
    before = api.snapshot()
    phone_type = "office" if method == "POST" else "mobile"
    body = json.dumps({"phoneNumber": "+1 4255550100", "phoneType": phone_type})
    headers = {"Content-Type": content_type} if content_type else {}
    r = api.call(method, path, data=body.encode(), headers=headers)
    if content_type is None:
        assert "content-type" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 415
    assert "error" in r.json()
    assert api.snapshot() == before


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/json;odata.metadata=minimal"])
def test_json_content_type_parameters_are_accepted(api: Any, content_type: str) -> None:
    body = json.dumps({"phoneNumber": "+1 4255550100", "phoneType": "office"}).encode()
    assert api.call("POST", COLLECTION, data=body, headers={"Content-Type": content_type}).status_code == 201


@pytest.mark.parametrize(("method", "path"), [("POST", COLLECTION), ("PATCH", ITEM)])
def test_empty_body_is_400(api: Any, method: str, path: str) -> None:
    assert api.call(method, path, data=b"", headers=JSON).status_code == 400
    assert api.call(method, path, data=b"  \n", headers=JSON).status_code == 400


@pytest.mark.parametrize(("method", "path"), [("POST", COLLECTION), ("PATCH", ITEM),
                                              ("DELETE", ITEM.replace(MOBILE_ID, OFFICE_ID))])
@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_64_kib_is_413(api: Any, method: str, path: str, chunked: bool) -> None:
    before = api.snapshot()
    payload = json.dumps({"phoneNumber": "+1 4255550100", "phoneType": "office", "pad": " " * 70000}).encode()
    data: Any = iter([payload[:30000], payload[30000:]]) if chunked else payload
    r = api.call(method, path, data=data, headers=JSON)
    if method == "DELETE" and chunked:
        assert r.status_code == 204  # a DELETE's body is never read; only a declared length is checked
        return
    assert r.status_code == 413
    assert "error" in r.json()
    assert api.snapshot() == before


def test_body_of_exactly_64_kib_is_read(api: Any) -> None:
    payload = json.dumps({"phoneNumber": "+1 4255550100", "phoneType": "office"}).encode()
    payload += b" " * (64 * 1024 - len(payload))
    assert len(payload) == 64 * 1024
    assert api.call("POST", COLLECTION, data=payload, headers=JSON).status_code == 201


@pytest.mark.parametrize("path", [
    "/", "/v1.0", "/v1.0/", "/v1.0/me", "/v1.0/me/authentication", "/v1.0/me/authentication/phoneMethods/",
    "/v1.0/users", f"/v1.0/users/{CAROL}", "/v2.0/me/authentication/phoneMethods",
    "/beta/me/authentication/phoneMethods", "/v1.0/me/authentication/emailMethods",
    f"/v1.0/me/authentication/phoneMethods/{MOBILE_ID}/foo",
    f"/v1.0/me/authentication/phoneMethods/{MOBILE_ID}/enableSmsSignIn/x",
    "/v1.0/Me/Authentication/PhoneMethods",
    "/v1.0/users//authentication/phoneMethods",
])
def test_unknown_routes_are_404(api: Any, path: str) -> None:
    r = api.session.get(api.base.removesuffix("/v1.0") + path, headers={"Authorization": "Bearer x"})
    assert r.status_code == 404
    assert r.json()["error"]["code"]
    assert r.headers["request-id"]


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", COLLECTION), ("DELETE", COLLECTION), ("PATCH", COLLECTION), ("POST", ITEM), ("PUT", ITEM),
    ("GET", ITEM + "/enableSmsSignIn"), ("DELETE", ITEM + "/disableSmsSignIn"),
    ("POST", COLLECTION + "/$count"), ("OPTIONS", ITEM),
])
def test_wrong_methods_are_405(api: Any, method: str, path: str) -> None:
    before = api.snapshot()
    r = api.call(method, path)
    assert r.status_code == 405
    assert r.headers["Allow"]
    assert r.json()["error"]["code"]
    assert api.snapshot() == before


def test_head_is_served_like_get(api: Any) -> None:
    r = api.call("HEAD", ITEM)
    assert (r.status_code, r.content) == (200, b"")


# -- fuzzing: never a 5xx ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
    max_leaves=12,
)
phone_bodies = st.fixed_dictionaries(
    {}, optional={
        "phoneNumber": json_values | st.sampled_from(["+1 4255550100", "+1 4255550100x1", "+44 7700900"]),
        "phoneType": json_values | st.sampled_from(["mobile", "alternateMobile", "office"]),
        "id": json_values, "@odata.type": json_values, "smsSignInState": json_values},
) | json_values


@FUZZ
@given(body=phone_bodies, method=st.sampled_from(["POST", "PATCH"]))
def test_fuzzed_bodies_never_5xx(module_api: Any, body: object, method: str) -> None:
    path = COLLECTION if method == "POST" else ITEM
    r = module_api.call(method, path, json=body)
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 201, 204, 400, 404, 409), r.text


@FUZZ
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_fuzzed_raw_bytes_never_5xx(module_api: Any, raw: bytes, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = module_api.call("PATCH", ITEM, data=raw, headers=headers)
    assert 400 <= r.status_code < 500 or r.status_code == 204, r.text


segment = st.text(st.characters(codec="ascii", exclude_characters="/?#%"), min_size=1, max_size=20)


@FUZZ
@given(user=segment, method_id=segment, method=st.sampled_from(["GET", "PATCH", "DELETE", "POST", "PUT"]))
def test_fuzzed_paths_never_5xx(module_api: Any, user: str, method_id: str, method: str) -> None:
    from urllib.parse import quote

    path = f"/users/{quote(user, safe='')}/authentication/phoneMethods/{quote(method_id, safe='')}"
    r = module_api.call(method, path, json={"phoneNumber": "+1 4255550100"})
    assert 400 <= r.status_code < 500, r.text


@FUZZ
@given(token=st.text(st.characters(codec="ascii", min_codepoint=33, max_codepoint=126), max_size=300))
def test_fuzzed_tokens_are_401(module_api: Any, token: str) -> None:
    r = module_api.call("GET", COLLECTION, token=token)
    assert r.status_code == 401, r.text


def test_a_genuine_bug_becomes_an_enveloped_500(mint_token: Any) -> None:
    """The catch-all: an unexpected exception is answered with a Graph 500 (and counted), not a crash."""
    import requests

    from graph_phone_emulator.server import start_in_thread

    loopback = requests.Session()
    loopback.trust_env = False

    running = start_in_thread(PROFILE)
    try:
        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("injected bug")

        running.emulator.methods.list = broken  # type: ignore[method-assign]
        r = loopback.get(running.base_url + COLLECTION, headers={"Authorization": f"Bearer {mint_token()}"},
                         timeout=5)
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "generalException"
        assert r.json()["error"]["innerError"]["request-id"] == r.headers["request-id"]
        assert running.emulator.server_errors.count == 1
    finally:
        running.stop(wait=False)
