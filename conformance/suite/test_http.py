"""HTTP-level rules: the JSON content type, malformed bodies, the error envelope, no server errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.testing import (
    CONTENT_TYPE_FAMILY,
    SELF_CONTEXT,
    VALIDATION_FAMILY,
    GraphClient,
    Target,
    error_code,
    expect_error_envelope,
    expect_no_server_error,
    expect_rejected,
    expect_status,
    expect_unchanged,
    fresh_number,
    snapshot,
    suite_settings,
)
from strategies.methods import PHONE_METHOD_IDS

MOBILE = PHONE_METHOD_IDS["mobile"]


@pytest.mark.rule("content-type-required")
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("operation", ["update", "create"])
def test_body_without_json_content_type_is_rejected(target: Target, user_of, observe, content_type,
                                                     operation) -> None:
    """A valid JSON body sent without Content-Type application/json is rejected; nothing changes."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix = GraphClient.user_prefix("id", user)
    body = {"phoneNumber": fresh_number()} if operation == "update" else {"phoneNumber": fresh_number(),
                                                                         "phoneType": "office"}
    headers = {"Content-Type": content_type} if content_type else {}
    method, path = ("PATCH", f"{prefix}/authentication/phoneMethods/{MOBILE}") if operation == "update" \
        else ("POST", f"{prefix}/authentication/phoneMethods")
    r = target.client.request(method, path, token=target.admin_token(), data=json.dumps(body).encode(),
                              headers=headers)
    observe("content-type", content_type=content_type, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r,
                    CONTENT_TYPE_FAMILY, f"{operation} with Content-Type {content_type!r}", envelope=False)


@pytest.mark.rule("malformed-json-rejected")
@pytest.mark.parametrize("raw", ['{"phoneNumber": ', '{"phoneNumber": "+1 2065550100",}', "phoneNumber=+1",
                                 "[", '{"phoneNumber": "+1 2065550100"} trailing'])
def test_malformed_json_is_rejected(target: Target, user_of, raw) -> None:
    """A body that is not valid JSON answers 400 with the error envelope; nothing changes."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    path = f"{GraphClient.user_prefix('id', user)}/authentication/phoneMethods/{MOBILE}"
    r = target.client.request("PATCH", path, token=target.admin_token(), data=raw.encode(),
                              headers={"Content-Type": "application/json"})
    expect_rejected(target, user, before, r, 400, f"malformed JSON {raw!r}")


@pytest.mark.rule("error-envelope")
@pytest.mark.parametrize("case", ["401", pytest.param("403", marks=pytest.mark.smoke), "404", "400"])
def test_error_answers_carry_the_graph_envelope(target: Target, user_of, case) -> None:
    """401, 403, 404 and 400 answers carry {"error": {"code", "message"}} (401 code InvalidAuthenticationToken)."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix = GraphClient.user_prefix("id", user)
    c = target.client
    if case == "401":
        r, code = c.list(prefix, None), "InvalidAuthenticationToken"
    elif case == "403":
        caller = user_of("caller")
        r, code = c.update(prefix, MOBILE, {"phoneNumber": fresh_number()}, target.token(SELF_CONTEXT, caller)), \
            "accessDenied"
    elif case == "404":
        r, code = c.get(prefix, PHONE_METHOD_IDS["office"], target.admin_token()), None
    else:
        r, code = c.update(prefix, MOBILE, {"phoneNumber": "not a number"}, target.admin_token()), None
    expect_status(r, VALIDATION_FAMILY if case == "400" else int(case), f"the {case} case")
    expect_error_envelope(r, code)
    expect_unchanged(target, user, before, f"the {case} case")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({}, optional={"phoneNumber": JSON, "phoneType": JSON, "id": JSON,
                                        "smsSignInState": JSON, "@odata.type": JSON}),
)


RAW = st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode),
                JSON.map(lambda v: json.dumps(v).encode()[:-1]))
"""Bytes sent as application/json: arbitrary, text, and JSON cut short."""


@pytest.mark.rule("no-server-error")
@suite_settings()
@given(body=st.one_of(BODIES, RAW), operation=st.sampled_from(["update", "create"]))
def test_no_body_makes_the_target_fail(target: Target, user_of, body, operation) -> None:
    """Whatever body is sent (JSON or not), the target answers below 500; a rejection changes nothing."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    path = f"{prefix}/authentication/phoneMethods" + (f"/{MOBILE}" if operation == "update" else "")
    method = "PATCH" if operation == "update" else "POST"
    if isinstance(body, bytes):
        r = target.client.request(method, path, token=token, data=body, headers={"Content-Type": "application/json"})
    else:
        r = target.client.request(method, path, token=token, json=body)
    expect_no_server_error(r)
    if r.status_code >= 400:
        expect_unchanged(target, user, before, f"a rejected {operation}")
