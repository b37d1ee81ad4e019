"""SMS sign-in: the state after a mobile change, non-mobile methods, enable and disable."""

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
    expect_unchanged,
    fresh_number,
    snapshot,
)
from strategies.methods import PHONE_METHOD_IDS

MOBILE = PHONE_METHOD_IDS["mobile"]


def _state(target: Target, user, phone_type: str = "mobile") -> str | None:
    return target.state(user).get(phone_type, {}).get("smsSignInState")


def _sms_user(target: Target, user_of):
    user = user_of("caller")
    if not user.sms_sign_in:
        pytest.skip(f"{user.key} is not enabled for SMS sign-in in the profile")
    return user


@pytest.mark.rule("sms-state-after-mobile-change")
def test_changing_the_mobile_registers_it_for_sms_sign_in(target: Target, user_of, observe) -> None:
    """A new unique mobile number becomes ready; one another user holds becomes phoneNumberNotUnique.

    The second change may be answered 409 (facts §10: saved all the same, only the registration failed):
    the read decides, and the answer is recorded.
    """
    user, other = _sms_user(target, user_of), user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()})
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    expect_status(target.client.action(prefix, MOBILE, "disableSmsSignIn", token), 204, "disabling SMS sign-in")
    assert _state(target, user) == "notEnabled", "disableSmsSignIn did not leave notEnabled"
    expect_status(target.client.update(prefix, MOBILE, {"phoneNumber": fresh_number()}, token), 204,
                  "changing the mobile")
    assert _state(target, user) == "ready", (
        f"after a change to a unique number, smsSignInState is {_state(target, user)!r}, not ready")
    taken = fresh_number()
    target.reset(other, {"mobile": taken})
    before = snapshot(target, user)
    r = target.client.update(prefix, MOBILE, {"phoneNumber": taken}, token)
    # facts §10: Graph may answer 409 phoneNumberNotUnique and save the number all the same; read back
    expect_status(r, {204} | CONFLICT_FAMILY, "changing the mobile to another user's number")
    applied = target.numbers(user).get("mobile") == taken
    observe("not-unique-write", operation="update", status=r.status_code, code=error_code(r), applied=applied)
    if r.status_code != 204 and not applied:
        expect_unchanged(target, user, before, "a refused change to another user's number")
        return
    assert applied, f"answered 204 but {user.key}'s mobile is not {taken}"
    assert _state(target, user) == "phoneNumberNotUnique", (
        f"a number another user holds gives {_state(target, user)!r}, not phoneNumberNotUnique")


@pytest.mark.rule("sms-state-after-mobile-change")
def test_user_outside_the_sms_policy_is_not_allowed(target: Target, user_of) -> None:
    """A mobile of a user outside the SMS sign-in policy reports notAllowedByPolicy."""
    user = user_of("policy_off_user")
    if user.sms_sign_in:
        pytest.skip(f"{user.key} is enabled for SMS sign-in in the profile")
    target.reset(user, {"mobile": fresh_number()})
    assert _state(target, user) == "notAllowedByPolicy", f"got {_state(target, user)!r}"


@pytest.mark.rule("sms-state-non-mobile")
@pytest.mark.parametrize("phone_type", ["alternateMobile", "office"])
def test_non_mobile_methods_are_not_supported_for_sms(target: Target, user_of, phone_type) -> None:
    """alternateMobile and office report smsSignInState notSupported."""
    user = _sms_user(target, user_of)
    target.reset(user, {"mobile": fresh_number(), phone_type: fresh_number()})
    assert _state(target, user, phone_type) == "notSupported", f"{phone_type}: {_state(target, user, phone_type)!r}"


@pytest.mark.rule("sms-enable-disable")
def test_enable_and_disable_sms_sign_in_on_the_mobile(target: Target, user_of) -> None:
    """disableSmsSignIn answers 204 and sets notEnabled; enableSmsSignIn answers 204 and sets ready."""
    user = _sms_user(target, user_of)
    target.reset(user, {"mobile": fresh_number()})
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    for name in ("microsoft.graph.disableSmsSignIn", "disableSmsSignIn"):
        r = target.client.action(prefix, MOBILE, name, token)
        expect_status(r, 204, name)
        assert _state(target, user) == "notEnabled", f"after {name}: {_state(target, user)!r}"
    r = target.client.action(prefix, MOBILE, "enableSmsSignIn", token)
    expect_status(r, 204, "enableSmsSignIn on a unique mobile")
    assert _state(target, user) == "ready", f"after enableSmsSignIn: {_state(target, user)!r}"


@pytest.mark.rule("sms-enable-disable")
@pytest.mark.parametrize("phone_type", ["alternateMobile", "office"])
def test_enable_sms_sign_in_on_a_non_mobile_is_rejected(target: Target, user_of, observe, phone_type) -> None:
    """enableSmsSignIn on a non-mobile method is rejected and nothing changes.

    Its twin, disableSmsSignIn, on the same method: whether it is refused or a no-op is not established
    (the answer is recorded), but it changes nothing either: a non-mobile stays notSupported (facts §2).
    """
    user = _sms_user(target, user_of)
    target.reset(user, {"mobile": fresh_number(), phone_type: fresh_number()})
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    r = target.client.action(prefix, PHONE_METHOD_IDS[phone_type], "enableSmsSignIn", token)
    observe("enable-sms-non-mobile", phone_type=phone_type, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r,
                    VALIDATION_FAMILY | {404, 409}, f"enableSmsSignIn on {phone_type}", envelope=False)
    r = target.client.action(prefix, PHONE_METHOD_IDS[phone_type], "disableSmsSignIn", token)
    observe("disable-sms-non-mobile", phone_type=phone_type, status=r.status_code, code=error_code(r))
    assert r.status_code < 500, f"disableSmsSignIn on {phone_type}: server error {r.status_code}"
    expect_unchanged(target, user, before, f"disableSmsSignIn on {phone_type} (answered {r.status_code})")


ENABLE_REFUSED = VALIDATION_FAMILY | CONFLICT_FAMILY | {403}
"""Statuses for an enableSmsSignIn refused by a precondition (facts §3: the status is [unk])."""


@pytest.mark.rule("sms-enable-preconditions")
@pytest.mark.parametrize("precondition", ["unique_number", "in_policy", "mobile_only"])
def test_enable_sms_sign_in_refused_when_a_precondition_fails(target: Target, user_of, observe,
                                                              precondition) -> None:
    """enableSmsSignIn needs a mobile, a number no other user holds and a user inside the SMS sign-in policy.

    Each failed precondition: refused, nothing changed (read back), and the read shows the state that
    names the reason (phoneNumberNotUnique, notAllowedByPolicy, notSupported).
    """
    method, shown = PHONE_METHOD_IDS["mobile"], "mobile"
    if precondition == "in_policy":
        user = user_of("policy_off_user")
        if user.sms_sign_in:
            pytest.skip(f"{user.key} is enabled for SMS sign-in in the profile")
        target.reset(user, {"mobile": fresh_number()})
        state = "notAllowedByPolicy"
    elif precondition == "unique_number":
        user, other = _sms_user(target, user_of), user_of("ordinary_target")
        taken = fresh_number()
        target.reset(other, {"mobile": taken})
        target.reset(user, {"mobile": taken})
        state = "phoneNumberNotUnique"
    else:
        user = _sms_user(target, user_of)
        target.reset(user, {"mobile": fresh_number(), "office": fresh_number()})
        method, shown, state = PHONE_METHOD_IDS["office"], "office", "notSupported"
    before = snapshot(target, user)
    r = target.client.action(GraphClient.user_prefix("id", user), method, "enableSmsSignIn", target.admin_token())
    observe("enable-sms-refused", precondition=precondition, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, ENABLE_REFUSED, f"enableSmsSignIn without {precondition}")
    assert _state(target, user, shown) == state, (
        f"after enableSmsSignIn was refused ({precondition}) the {shown} reads {_state(target, user, shown)!r}, "
        f"not {state}")
