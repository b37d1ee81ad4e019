"""Create, list, get and delete, and the rules across a user's three slots."""

from __future__ import annotations

import pytest

from conformance.testing import (
    CONFLICT_FAMILY,
    VALIDATION_FAMILY,
    GraphClient,
    Target,
    error_code,
    expect_rejected,
    expect_status,
    expect_success,
    fresh_number,
    snapshot,
)
from strategies.methods import PHONE_METHOD_IDS, PHONE_TYPES

SMS_STATES = {"notSupported", "notAllowedByPolicy", "notEnabled", "phoneNumberNotUnique", "ready",
              "notConfigured", "unknownFutureValue"}


def _admin(target: Target, user):
    return GraphClient.user_prefix("id", user), target.admin_token()


@pytest.mark.rule("create-201")
@pytest.mark.parametrize("phone_type", PHONE_TYPES)
def test_create_answers_201_with_the_object(target: Target, user_of, phone_type) -> None:
    """POST answers 201 with the created method: its number, type and fixed id."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()} if phone_type == "alternateMobile" else {})
    prefix, token = _admin(target, user)
    number = fresh_number(extension=phone_type == "office")
    r = target.client.create(prefix, {"phoneNumber": number, "phoneType": phone_type}, token)
    expect_status(r, 201, f"creating a {phone_type}")
    body = r.json()
    assert body.get("phoneNumber") == number and body.get("phoneType") == phone_type, f"created {body}"
    assert body.get("id") == PHONE_METHOD_IDS[phone_type], f"created {phone_type} has id {body.get('id')}"


@pytest.mark.readonly
@pytest.mark.rule("list-200")
def test_list_answers_200_with_a_value_array(target: Target, user_of) -> None:
    """GET .../phoneMethods answers 200 with {"value": [...]}, at most one method per type."""
    user = user_of("ordinary_target")
    prefix, token = _admin(target, user)
    # probed before any set-up, which reads state through this very answer
    body = _expect_value_list(target.client.list(prefix, token))
    if target.profile.mode != "readonly":
        target.reset(user, {"mobile": fresh_number(), "office": fresh_number()})
        body = _expect_value_list(target.client.list(prefix, token))
    kinds = [i.get("phoneType") for i in body["value"]]
    assert len(kinds) == len(set(kinds)) <= 3 and set(kinds) <= set(PHONE_TYPES), f"listed types {kinds}"
    if target.profile.mode != "readonly":
        assert set(kinds) == {"mobile", "office"}, f"listed {kinds}, the user holds mobile and office"


def _expect_value_list(r) -> dict:
    expect_status(r, 200, "listing phone methods")
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("value"), list), (
        f"list body is not {{'value': [...]}}: {body!r:.200}")
    return body


@pytest.mark.rule("get-200")
@pytest.mark.parametrize("phone_type", ["mobile", "office"])
def test_get_answers_200_with_the_method(target: Target, user_of, phone_type) -> None:
    """GET .../phoneMethods/{id} answers 200 with id, phoneNumber, phoneType and smsSignInState."""
    user = user_of("ordinary_target")
    number = fresh_number()
    target.reset(user, {phone_type: number})
    prefix, token = _admin(target, user)
    r = target.client.get(prefix, PHONE_METHOD_IDS[phone_type], token)
    expect_status(r, 200, f"getting the {phone_type}")
    body = r.json()
    assert body.get("id") == PHONE_METHOD_IDS[phone_type], f"get returned id {body.get('id')}"
    assert body.get("phoneType") == phone_type and body.get("phoneNumber") == number, f"get returned {body}"
    assert body.get("smsSignInState") in SMS_STATES, f"smsSignInState {body.get('smsSignInState')!r}"


@pytest.mark.rule("delete-204")
@pytest.mark.parametrize("phone_type", PHONE_TYPES)
def test_delete_answers_204_and_the_method_is_gone(target: Target, user_of, phone_type) -> None:
    """DELETE answers 204 with no body; the method no longer lists nor gets."""
    user = user_of("ordinary_target")
    start = {phone_type: fresh_number()}
    if phone_type == "alternateMobile":
        start["mobile"] = fresh_number()
    target.reset(user, start)
    prefix, token = _admin(target, user)
    r = target.client.delete(prefix, PHONE_METHOD_IDS[phone_type], token)
    expect_status(r, 204, f"deleting the {phone_type}")
    assert r.content == b"", "204 must have an empty body"
    assert phone_type not in target.numbers(user), f"the deleted {phone_type} is still listed"
    expect_status(target.client.get(prefix, PHONE_METHOD_IDS[phone_type], token), 404, "getting a deleted method")


@pytest.mark.rule("one-per-type")
@pytest.mark.parametrize("phone_type", PHONE_TYPES)
def test_second_method_of_a_type_is_rejected(target: Target, user_of, observe, phone_type) -> None:
    """Adding a type the user already has is rejected (400 or 409) and the first stays as it was."""
    user = user_of("ordinary_target")
    start = {phone_type: fresh_number()}
    if phone_type == "alternateMobile":
        start["mobile"] = fresh_number()
    target.reset(user, start)
    before = snapshot(target, user)
    prefix, token = _admin(target, user)
    r = target.client.create(prefix, {"phoneNumber": fresh_number(), "phoneType": phone_type}, token)
    observe("duplicate-type", phone_type=phone_type, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, CONFLICT_FAMILY, f"a second {phone_type}")


@pytest.mark.rule("alternate-needs-mobile")
@pytest.mark.parametrize("held", [{}, {"office": "x"}])
def test_alternate_mobile_needs_a_mobile(target: Target, user_of, observe, held) -> None:
    """alternateMobile cannot be created for a user without a mobile; nothing changes."""
    user = user_of("ordinary_target")
    target.reset(user, {k: fresh_number() for k in held})
    before = snapshot(target, user)
    prefix, token = _admin(target, user)
    r = target.client.create(prefix, {"phoneNumber": fresh_number(), "phoneType": "alternateMobile"}, token)
    observe("alternate-without-mobile", status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, CONFLICT_FAMILY | VALIDATION_FAMILY, "alternateMobile without a mobile")


@pytest.mark.rule("delete-order")
def test_mobile_cannot_be_deleted_before_the_alternate(target: Target, user_of, observe) -> None:
    """Deleting mobile while alternateMobile exists never leaves the alternate alone; alternate first works.

    The invariant is documented (a user can't hold an alternateMobile without a mobile), the refusal
    only inferred: a 4xx must change nothing, a 2xx must take the alternate along. Which one is recorded.
    """
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number(), "alternateMobile": fresh_number()})
    before = snapshot(target, user)
    prefix, token = _admin(target, user)
    r = target.client.delete(prefix, PHONE_METHOD_IDS["mobile"], token)
    observe("delete-mobile-with-alternate", status=r.status_code, code=error_code(r))
    if 200 <= r.status_code < 300:
        held = target.numbers(user)
        assert "alternateMobile" not in held or "mobile" in held, (
            f"deleting mobile answered {r.status_code} and left an alternateMobile without a mobile: {sorted(held)}")
        assert "mobile" not in held, f"deleting mobile answered {r.status_code} but the mobile is still there"
        return
    expect_rejected(target, user, before, r,
                    CONFLICT_FAMILY | VALIDATION_FAMILY, "deleting mobile while alternateMobile exists")
    expect_success(target.client.delete(prefix, PHONE_METHOD_IDS["alternateMobile"], token),
                   "deleting alternateMobile first", "delete-204")
    expect_success(target.client.delete(prefix, PHONE_METHOD_IDS["mobile"], token), "then mobile", "delete-204")
    assert target.numbers(user) == {}, "both deletes were accepted but methods remain"
