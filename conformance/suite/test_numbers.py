"""Phone number format: invalid numbers are rejected with nothing changed; the gray zone is observed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.testing import (
    PER_GRAY_LABEL,
    PER_INVALID_LABEL,
    SPEC_FORM,
    VALIDATION_FAMILY,
    GraphClient,
    Target,
    error_code,
    expect_no_server_error,
    expect_rejected,
    expect_unchanged,
    not_unique_conflict,
    snapshot,
    suite_settings,
)
from strategies.methods import PHONE_METHOD_IDS
from strategies.phone_numbers import (
    BOUNDARY_INVALID,
    GRAY_LABELS,
    INVALID_LABELS,
    gray_zone_phone_numbers,
    invalid_phone_numbers,
)


@pytest.mark.rule("number-invalid-rejected")
@pytest.mark.parametrize("label", [pytest.param(x, marks=pytest.mark.smoke) if x == "letters_in_number" else x
                                   for x in INVALID_LABELS])
@suite_settings(PER_INVALID_LABEL)
@given(data=st.data(), operation=st.sampled_from(["update", "create"]))
def test_invalid_number_is_rejected_and_nothing_changes(target: Target, user_of, observe, label, data,
                                                        operation) -> None:
    """Every value no correct implementation may accept is rejected (4xx), and the read-back is unchanged.

    One test per defect label, so that each kind of garbage is sent on every run.
    """
    bad = data.draw(invalid_phone_numbers(labels=[label]), label="invalid number")
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    if operation == "update":
        r = target.client.update(prefix, PHONE_METHOD_IDS["mobile"], {"phoneNumber": bad.value}, token)
    else:
        r = target.client.create(prefix, {"phoneNumber": bad.value, "phoneType": "office"}, token)
    observe("invalid-number", label=bad.label, operation=operation, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r,
                    VALIDATION_FAMILY, f"{operation} with an invalid number ({bad.label}: {bad.value!r})")


@pytest.mark.rule("number-invalid-rejected")
@pytest.mark.parametrize(("label", "value"), BOUNDARY_INVALID, ids=[label for label, _ in BOUNDARY_INVALID])
def test_invalid_number_one_edit_from_valid_is_rejected(target: Target, user_of, observe, label, value) -> None:
    """The fixed corpus of invalid numbers one edit away from the seed page's example, on every run (the
    drawn examples above may land far from the line): an update and a create are both rejected, and the
    read-back shows nothing changed."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    r = target.client.update(prefix, PHONE_METHOD_IDS["mobile"], {"phoneNumber": value}, token)
    expect_rejected(target, user, before, r, VALIDATION_FAMILY, f"update with {value!r} ({label})")
    r = target.client.create(prefix, {"phoneNumber": value, "phoneType": "office"}, token)
    observe("invalid-number", label=label, operation="create", status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, VALIDATION_FAMILY, f"create with {value!r} ({label})")


@pytest.mark.rule("gray-zone-consistent")
@pytest.mark.parametrize("label", GRAY_LABELS)
@suite_settings(PER_GRAY_LABEL)
@given(data=st.data())
def test_gray_zone_outcome_is_recorded_and_consistent(target: Target, user_of, observe, label, data) -> None:
    """A number the spec leaves open may be accepted or rejected; the target must stay consistent.

    Recorded: status and stored value. Asserted: no 5xx; a 2xx leaves a number in the spec's form;
    a 4xx leaves everything as it was.
    """
    gray = data.draw(gray_zone_phone_numbers(labels=[label]), label="gray number")
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    r = target.client.update(GraphClient.user_prefix("id", user), PHONE_METHOD_IDS["mobile"],
                             {"phoneNumber": gray.value}, target.admin_token())
    expect_no_server_error(r)
    stored = target.numbers(user).get("mobile")
    observe("gray-zone", label=gray.label, input=gray.value, status=r.status_code, stored=stored,
            code=error_code(r))
    if 200 <= r.status_code < 300 or (not_unique_conflict(r) and stored != before.get("mobile", {}).get(
            "phoneNumber")):  # facts §10: a 409 phoneNumberNotUnique may have saved the number
        assert stored is not None and SPEC_FORM.match(stored), (
            f"accepted gray value {gray.value!r} ({gray.label}) but stored {stored!r}, not in the spec's form")
    else:
        expect_unchanged(target, user, before, f"rejected gray value ({gray.label})")
