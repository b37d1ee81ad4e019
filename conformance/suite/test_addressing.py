"""The three ways to address a user: /me, /users/{id}, /users/{userPrincipalName}."""

from __future__ import annotations

import uuid

import pytest

from conformance.testing import GraphClient, Target, error_code, expect_number, expect_status, fresh_number, snapshot
from strategies.methods import PHONE_METHOD_IDS

MOBILE = PHONE_METHOD_IDS["mobile"]


def _numbers_of(response) -> dict[str, str]:
    return {i["phoneType"]: i["phoneNumber"] for i in response.json()["value"]}


@pytest.mark.rule("addr-me")
@pytest.mark.parametrize("signed_in", ["caller", "ordinary_target"])
def test_me_reads_and_writes_the_signed_in_user(target: Target, user_of, signed_in) -> None:
    """/me lists the signed-in user's own methods (and, in the seed edition, updates them), nobody else's.

    Run for two different signed-in users, so that an implementation resolving /me to a fixed user fails.
    """
    me = user_of(signed_in)
    other = user_of("ordinary_target" if signed_in == "caller" else "caller")
    mine, theirs = fresh_number(), fresh_number()
    target.reset(me, {"mobile": mine})
    target.reset(other, {"mobile": theirs})
    token = target.self_token(me)
    r = target.client.list("/me", token)
    expect_status(r, 200, "listing /me")
    assert _numbers_of(r) == {"mobile": mine}, f"/me listed {_numbers_of(r)}, {me.key} holds mobile {mine}"
    r = target.client.get("/me", MOBILE, token)
    expect_status(r, 200, "getting /me's mobile")
    assert r.json().get("phoneNumber") == mine, f"/me's mobile is not {me.key}'s"
    if target.edition == "seed":
        new = fresh_number()
        r = target.client.update("/me", MOBILE, {"phoneNumber": new}, token, me=me)
        expect_status(r, 204, "updating /me's mobile")
        expect_number(target, me, "mobile", new, "after PATCH /me")
        expect_number(target, other, "mobile", theirs, "another user after PATCH /me")


@pytest.mark.rule("addr-user-id")
def test_users_id_writes_that_user_and_no_one_else(target: Target, user_of) -> None:
    """An admin's PATCH /users/{id} changes that user; the admin's own and a bystander's are untouched."""
    subject = user_of("ordinary_target")
    bystander = user_of("caller")
    admin_user = user_of("privileged_auth_admin")
    for u in (subject, bystander, admin_user):
        target.reset(u, {"mobile": fresh_number()})
    keep = {u.key: snapshot(target, u) for u in (bystander, admin_user)}
    new = fresh_number()
    r = target.client.update(GraphClient.user_prefix("id", subject), MOBILE, {"phoneNumber": new},
                             target.admin_token())
    expect_status(r, 204, "admin PATCH /users/{id}")
    expect_number(target, subject, "mobile", new, "PATCH /users/{id}")
    for u in (bystander, admin_user):
        assert snapshot(target, u) == keep[u.key], f"PATCH /users/{{id}} of {subject.key} changed {u.key}"


@pytest.mark.rule("addr-user-upn")
@pytest.mark.parametrize("form", ["upn", "upn-encoded", "upn-upper"])
def test_users_upn_addresses_the_same_user_as_id(target: Target, user_of, form) -> None:
    """/users/{upn} (raw @, %40, other case) reads and writes the same user as /users/{id}."""
    subject = user_of("ordinary_target")
    target.reset(subject, {"mobile": fresh_number()})
    token = target.admin_token()
    by_id = target.client.list(GraphClient.user_prefix("id", subject), token)
    prefix = GraphClient.user_prefix(form, subject)
    by_upn = target.client.list(prefix, token)
    expect_status(by_upn, 200, f"listing {prefix}")
    assert _numbers_of(by_upn) == _numbers_of(by_id), f"{prefix} lists another user's methods"
    new = fresh_number()
    r = target.client.update(prefix, MOBILE, {"phoneNumber": new}, token)
    expect_status(r, 204, f"PATCH {prefix}")
    expect_number(target, subject, "mobile", new, f"PATCH {prefix}")


@pytest.mark.readonly
@pytest.mark.rule("user-unknown-404")
@pytest.mark.parametrize("who", ["guid", "upn"])
def test_unknown_user_answers_404(target: Target, observe, who) -> None:
    """An unknown user (a fresh GUID or UPN) answers 404 for list and get."""
    name = str(uuid.uuid4()) if who == "guid" else f"nobody-{uuid.uuid4().hex[:8]}@example.invalid"
    token = target.admin_token()
    for r in (target.client.list(f"/users/{name}", token), target.client.get(f"/users/{name}", MOBILE, token)):
        expect_status(r, 404, f"an unknown user ({who})")
        observe("unknown-user", status=r.status_code, code=error_code(r))

