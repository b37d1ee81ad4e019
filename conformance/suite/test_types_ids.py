"""Phone types and their fixed ids: the id↔type mapping, unknown types, absent and unknown methods."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.testing import (
    FEW_BEHAVIOURS,
    NOT_FOUND_FAMILY,
    VALIDATION_FAMILY,
    WIDENS_EXHAUSTIVE,
    GraphClient,
    Target,
    error_code,
    expect_rejected,
    expect_status,
    expect_unchanged,
    fresh_number,
    snapshot,
    suite_settings,
)
from strategies.methods import (
    PHONE_METHOD_IDS,
    PHONE_TYPES,
    malformed_method_ids,
    unknown_method_ids,
    unknown_phone_types,
)

CASE_VARIANTS = ("Mobile", "MOBILE", "alternatemobile", "Office", "unknownFutureValue")
"""phoneType spellings whose handling the facts leave open (§2 evolvable enum, §7 case): observed only."""


@pytest.mark.rule("id-type-mapping")
@pytest.mark.parametrize(("phone_type", "method_id"), list(PHONE_METHOD_IDS.items()))
def test_each_type_lives_under_its_fixed_id(target: Target, user_of, phone_type, method_id) -> None:
    """A created method has its type's fixed id; get by that id and the list agree on the type."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()} if phone_type == "alternateMobile" else {})
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    r = target.client.create(prefix, {"phoneNumber": fresh_number(), "phoneType": phone_type}, token)
    expect_status(r, 201, f"creating a {phone_type}")
    assert r.json().get("id") == method_id, f"a created {phone_type} has id {r.json().get('id')}, not {method_id}"
    g = target.client.get(prefix, method_id, token)
    expect_status(g, 200, f"getting {phone_type} by its id")
    assert g.json().get("phoneType") == phone_type, f"id {method_id} holds a {g.json().get('phoneType')}"
    for item in target.client.list(prefix, token).json()["value"]:
        assert PHONE_METHOD_IDS.get(item.get("phoneType")) == item.get("id"), f"listed {item} breaks the mapping"


@pytest.mark.rule("phone-type-unknown-rejected")
@suite_settings(FEW_BEHAVIOURS)
@given(bad_type=unknown_phone_types(case_variants=False), operation=st.sampled_from(["create", "update"]))
@example(bad_type="fax", operation="create")  # the boundary every run sends: a create, where no slot refuses first
def test_unknown_phone_type_is_rejected(target: Target, user_of, observe, bad_type, operation) -> None:
    """A phoneType that is not one of the three (case-sensitive) is rejected and nothing changes."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()})
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    body = {"phoneNumber": fresh_number(), "phoneType": bad_type}
    if operation == "create":
        r = target.client.create(prefix, body, token)
    else:
        r = target.client.update(prefix, PHONE_METHOD_IDS["mobile"], body, token)
    observe("unknown-phone-type", value=bad_type, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, VALIDATION_FAMILY, f"{operation} with phoneType {bad_type!r}")


@pytest.mark.rule("phone-type-unknown-rejected")
@pytest.mark.parametrize("spelling", CASE_VARIANTS)
def test_open_phone_type_spellings_are_recorded(target: Target, user_of, observe, spelling) -> None:
    """Case variants and unknownFutureValue are observed; asserted only: a 4xx changes nothing, a 2xx
    stores one of the three canonical types."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()})
    before = snapshot(target, user)
    r = target.client.create(GraphClient.user_prefix("id", user), {"phoneNumber": fresh_number(),
                             "phoneType": spelling}, target.admin_token())
    observe("phone-type-spelling", value=spelling, status=r.status_code, code=error_code(r))
    if 200 <= r.status_code < 300:
        assert set(target.numbers(user)) <= set(PHONE_TYPES), f"{spelling!r} stored a non-canonical type"
    else:
        expect_status(r, range(400, 500), f"create with phoneType {spelling!r}")
        expect_unchanged(target, user, before, f"create with phoneType {spelling!r}")


def _probe(target: Target, operation: str, prefix: str, method_id: str, token: str | None):
    """GET, PATCH (with a valid number) or DELETE one method id."""
    if operation == "get":
        return target.client.get(prefix, method_id, token)
    if operation == "update":
        return target.client.update(prefix, method_id, {"phoneNumber": fresh_number()}, token)
    return target.client.delete(prefix, method_id, token)


@pytest.mark.rule("method-absent-404")
@pytest.mark.parametrize("absent", PHONE_TYPES)
@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_absent_method_answers_404_and_creates_nothing(target: Target, user_of, absent, operation) -> None:
    """GET, PATCH or DELETE of a type the user does not hold answers 404; nothing appears."""
    user = user_of("ordinary_target")
    held = {"office": fresh_number()} if absent != "office" else {"mobile": fresh_number()}
    target.reset(user, held)
    before = snapshot(target, user)
    prefix, token, mid = GraphClient.user_prefix("id", user), target.admin_token(), PHONE_METHOD_IDS[absent]
    r = _probe(target, operation, prefix, mid, token)
    expect_rejected(target, user, before, r, 404, f"{operation} of an absent {absent}")


@pytest.mark.rule("method-absent-404")
@suite_settings(WIDENS_EXHAUSTIVE)
@given(method_id=unknown_method_ids(), operation=st.sampled_from(["get", "update", "delete"]))
def test_unknown_method_id_answers_404(target: Target, user_of, method_id, operation) -> None:
    """A well-formed GUID that is none of the three fixed ids names no method: 404, nothing changes."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()})
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token()
    r = _probe(target, operation, prefix, method_id, token)
    expect_rejected(target, user, before, r, 404, f"{operation} of unknown id {method_id}", envelope=False)


@pytest.mark.rule("method-absent-404")
@suite_settings(WIDENS_EXHAUSTIVE)
@given(method_id=malformed_method_ids())
def test_malformed_method_id_is_rejected(target: Target, user_of, observe, method_id) -> None:
    """An id that is not a GUID names no method: 400 or 404 (the facts leave which open), nothing changes."""
    user = user_of("ordinary_target")
    target.reset(user, {"mobile": fresh_number()})
    before = snapshot(target, user)
    r = target.client.update(GraphClient.user_prefix("id", user), method_id, {"phoneNumber": fresh_number()},
                             target.admin_token())
    observe("malformed-method-id", value=method_id, status=r.status_code, code=error_code(r))
    expect_rejected(target, user, before, r, NOT_FOUND_FAMILY, f"PATCH of malformed id {method_id!r}", envelope=False)


READ_ONLY_CASES = [
    # (operation, property, value sent): a value no correct implementation would store for that method
    ("update", "smsSignInState", "ready"),
    ("create", "smsSignInState", "ready"),
    ("update", "id", PHONE_METHOD_IDS["office"]),
    ("create", "id", PHONE_METHOD_IDS["mobile"]),
]


@pytest.mark.rule("read-only-properties-ignored")
@pytest.mark.parametrize(("operation", "prop", "value"), READ_ONLY_CASES,
                         ids=[f"{o}-{p}" for o, p, _ in READ_ONLY_CASES])
def test_read_only_property_sent_never_takes_the_sent_value(target: Target, user_of, observe, operation, prop,
                                                           value) -> None:
    """``id`` and ``smsSignInState`` are read-only (facts §1-2); whether a body carrying one is refused or
    accepted with it ignored is [unk] (§7), so the answer is recorded and the state read back: a refusal
    changed nothing, a success changed the number and never took the sent value.

    The office phone is written (its smsSignInState is notSupported whatever happens), the id sent is
    another type's.
    """
    user = user_of("ordinary_target")
    start = {"mobile": fresh_number()} | ({"office": fresh_number()} if operation == "update" else {})
    target.reset(user, start)
    before = snapshot(target, user)
    prefix, token, number = GraphClient.user_prefix("id", user), target.admin_token(), fresh_number()
    if operation == "create":
        written = "office"
        r = target.client.create(prefix, {"phoneNumber": number, "phoneType": "office", prop: value}, token)
    else:
        written = "mobile" if prop == "id" else "office"
        r = target.client.update(prefix, PHONE_METHOD_IDS[written], {"phoneNumber": number, prop: value}, token)
    observe("read-only-property", operation=operation, property=prop, status=r.status_code, code=error_code(r))
    why = f"{operation} of the {written} phone sending {prop}={value!r}"
    assert r.status_code < 500, f"{why}: server error {r.status_code}"
    if not 200 <= r.status_code < 300:
        expect_unchanged(target, user, before, why)
        return
    after = snapshot(target, user)
    assert set(after) == set(before) | {written}, f"{why}: the user now holds {sorted(after)}"
    item = after[written]
    assert item.get("phoneNumber") == number, f"{why}: answered {r.status_code}, the number reads {item}"
    if prop == "smsSignInState":
        assert item.get("smsSignInState") != value, f"{why}: the read-only state took the sent value: {item}"
    else:
        assert item.get("id") == PHONE_METHOD_IDS[written], f"{why}: the read-only id took the sent value: {item}"
        others = {t: v for t, v in after.items() if t != written}
        assert others == {t: v for t, v in before.items() if t != written}, f"{why}: another method changed"
