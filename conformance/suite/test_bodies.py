"""Request-body annotations: a create or update body's ``@odata.type``.

The facts treat ``@odata.type`` as optional (§1); OData lets a body's type annotation name only the
expected type or one derived from it, and the project's description allows exactly
``#microsoft.graph.phoneAuthenticationMethod`` (Microsoft's SDKs send it on every write). Asserted: a
value that is not a string, or that names another Graph type, is refused with nothing changed; the
phone method's own value, or no annotation, is accepted. Left open (never sent): the name without its
``#``, other casings, ``null``.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.testing import (
    VALIDATION_FAMILY,
    GraphClient,
    Target,
    expect_number,
    expect_rejected,
    expect_success,
    fresh_number,
    snapshot,
)
from strategies.methods import PHONE_METHOD_IDS

OWN_TYPE = "#microsoft.graph.phoneAuthenticationMethod"
FOREIGN: dict[str, Any] = {
    "number": 0,
    "object": {},
    "list": [OWN_TYPE],
    "true": True,
    "email-method": "#microsoft.graph.emailAuthenticationMethod",
    "fido2-method": "#microsoft.graph.fido2AuthenticationMethod",
    "user": "#microsoft.graph.user",
    "no-such-type": "#microsoft.graph.noSuchType",
}
"""``@odata.type`` values every correct implementation refuses in a phone method's body."""


@pytest.mark.rule("odata-type-foreign-rejected")
@pytest.mark.parametrize("operation", ["create", "update"])
@pytest.mark.parametrize("label", list(FOREIGN))
def test_foreign_odata_type_is_rejected_and_nothing_changes(target: Target, user_of, operation: str,
                                                             label: str) -> None:
    """A body whose ``@odata.type`` is not the phone method's is refused (400/422), read back unchanged."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    before = snapshot(target, user)
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token(user)
    annotation = {"@odata.type": FOREIGN[label]}
    if operation == "create":
        r = target.client.create(prefix, {**annotation, "phoneNumber": fresh_number(), "phoneType": "office"}, token)
    else:
        r = target.client.update(prefix, PHONE_METHOD_IDS["mobile"], {**annotation, "phoneNumber": fresh_number()},
                                 token)
    expect_rejected(target, user, before, r, VALIDATION_FAMILY,
                    f"{operation} with @odata.type {FOREIGN[label]!r}")


@pytest.mark.rule("odata-type-foreign-rejected")
@pytest.mark.parametrize("annotated", [True, False], ids=["own-type", "absent"])
def test_own_or_absent_odata_type_is_accepted(target: Target, user_of, annotated: bool) -> None:
    """The phone method's own ``@odata.type``, or none, is accepted on create and update (read back)."""
    user = user_of("ordinary_target")
    target.ensure(user, ("mobile",))
    prefix, token = GraphClient.user_prefix("id", user), target.admin_token(user)
    annotation = {"@odata.type": OWN_TYPE} if annotated else {}
    number = fresh_number()
    r = target.client.update(prefix, PHONE_METHOD_IDS["mobile"], {**annotation, "phoneNumber": number}, token)
    expect_success(r, f"update with {annotation or 'no @odata.type'}", "update-204")
    expect_number(target, user, "mobile", number, "after the annotated update")
    office = fresh_number()
    r = target.client.create(prefix, {**annotation, "phoneNumber": office, "phoneType": "office"}, token)
    expect_success(r, f"create with {annotation or 'no @odata.type'}", "create-201")
    expect_number(target, user, "office", office, "after the annotated create")
