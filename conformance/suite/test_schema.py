"""The schema layer: schemathesis over the project's OpenAPI description of phoneMethods.

Checks every answer's status code, content type and body against
``conformance/spec/openapi/phone-methods.yaml``, and that nothing answers 5xx. The ``user-id`` path
parameter is pinned to this worker's ordinary test user (by id or UPN), so nothing else is touched.

Negative data: schemathesis also sends bodies the description forbids. Where the facts leave no doubt
that every correct implementation refuses such a body (see :func:`forbidden`), the answer must be a
refusal (4xx, schemathesis' ``negative_data_rejection``) and, read back, nothing changed. Where the
description is stricter than the facts (unknown properties, a number off the pattern, other casings:
the gray zone), the answer is only checked against the description, as for any other case.

Cost: the description is loaded once per run; a case's user is brought to one of three states
(no method, a mobile, all three) keeping the numbers already held, so a case that finds its state in
place sends no set-up request, and each state serves a few cases in a row.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import OPENAPI_SPEC
from conformance.testing import (
    PER_CASE,
    Target,
    User,
    expect_unchanged,
    fresh_number,
    in_budget_plan,
    snapshot,
    suite_settings,
)
from strategies.methods import GRAY_PHONE_TYPES, PHONE_TYPES

SPEC = OPENAPI_SPEC
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REFUSAL_CHECKS = [*CHECKS, negative_data_rejection]
CASES_PER_STATE = 3
"""Consecutive cases that start from the same state (a state change costs up to three writes and a read)."""
STATES = itertools.cycle([types for types in ((), ("mobile",), ("mobile", "alternateMobile", "office"))
                          for _ in range(CASES_PER_STATE)])
FORMS = itertools.cycle(["id", "upn"])
OWN_ODATA_TYPE = "#microsoft.graph.phoneAuthenticationMethod"
NOT_UNKNOWN_TYPES = frozenset(t.casefold() for t in (*PHONE_TYPES, *GRAY_PHONE_TYPES))
"""``phoneType`` values a correct implementation may accept: the types in any casing, and the gray ones."""


def _config(mode: str) -> schemathesis.Config:
    examples = suite_settings(PER_CASE).max_examples  # schemathesis reads its own budget, not @settings
    raw: dict = {"generation": {"mode": mode, "deterministic": True, "database": "none", "max-examples": examples},
                 # a refusal is any 4xx (409 and 415 included); never a 5xx, which not_a_server_error judges
                 "checks": {"negative_data_rejection": {"expected-statuses": ["4XX"]}}}
    # unexpected methods only among those the guard lets out (it refuses TRACE, OPTIONS, HEAD, PUT, MERGE...)
    raw["phases"] = {"coverage": {"unexpected-methods": ["DELETE", "PATCH", "POST"]}}
    if in_budget_plan():  # the coverage phase enumerates every boundary of the schema: dozens of requests each
        raw["phases"] = {"coverage": {"enabled": False}}
    return schemathesis.Config.from_dict(raw)


POSITIVE = schemathesis.openapi.from_path(SPEC, config=_config("positive"))
NEGATIVE = schemathesis.openapi.from_path(SPEC, config=_config("negative"))


def forbidden(method: str, path: str, body: Any) -> str | None:
    """Why every correct implementation refuses this create or update body; ``None`` when one may accept it.

    Refused beyond doubt (facts §1-§3, the description): a body that is not a JSON object; a
    ``phoneNumber`` or ``phoneType`` that is not a string; a ``phoneType`` that is no phone type in any
    casing nor a gray one (``strategies.methods``); an ``@odata.type`` that is not a string or names
    another type than the phone method's. Not judged here: unknown or read-only properties ([unk]),
    numbers off the pattern, other casings, an ``@odata.type`` of ``null`` or without its ``#`` (the gray
    zone, as ``test_bodies`` leaves them), a create without one of its required properties (the server's
    answer is [unk], docs/rules-and-faults.md), a missing body.
    """
    verb = method.upper()
    creating = verb == "POST" and path.endswith("/phoneMethods")
    if not (creating or verb == "PATCH") or body is NOT_SET:
        return None
    if not isinstance(body, dict):
        return f"the body is a JSON {type(body).__name__}, not an object"
    for name in ("phoneNumber", "phoneType"):
        if name in body and not isinstance(body[name], str):
            return f"{name} is {body[name]!r}, not a string"
    if "phoneType" in body and body["phoneType"].casefold() not in NOT_UNKNOWN_TYPES:
        return f"phoneType {body['phoneType']!r} is no phone type"
    value = body.get("@odata.type")
    if value is not None and (not isinstance(value, str)
                              or value.lstrip("#").lower() != OWN_ODATA_TYPE.lstrip("#").lower()):
        return f"@odata.type {value!r} names another type than the phone method's"
    return None


_in_place: dict[str, tuple[object, tuple[str, ...]]] = {}
"""User id -> (the run's client, the types the user holds) while nothing sent since can have changed them
(a read, or a refused write read back unchanged)."""


def arrange(target: Target, user: User, types: tuple[str, ...]) -> None:
    """Bring ``user`` to hold exactly ``types``, keeping the numbers it holds; nothing sent when in place."""
    if _in_place.get(user.id) == (target.client, types):
        return
    _in_place.pop(user.id, None)
    held = target.numbers(user)
    want = {t: held.get(t) or fresh_number() for t in types}
    if want != held and "alternateMobile" in want:
        # replaced, not kept: a set-up that deletes the mobile (it may take the alternateMobile with it, an
        # open choice) has deleted the alternateMobile first and creates it again after
        want["alternateMobile"] = fresh_number()
    target.reset(user, want)
    _in_place[user.id] = (target.client, types)


@pytest.mark.rule("schema-conformance")
@schemathesis.pytest.parametrize(positive=POSITIVE, negative=NEGATIVE)
@suite_settings(PER_CASE)
def test_answers_match_the_description(case: schemathesis.Case, target: Target, user_of) -> None:
    """Each answer has a documented status, content type and body shape, and is never a 5xx; a body the
    facts and the description both forbid is refused, with nothing changed."""
    method = case.method.upper()
    if method != "GET" and target.profile.mode == "readonly":
        pytest.skip("mode = readonly")
    if "user-id" in (case.path_parameters or {}):
        user = user_of("ordinary_target")
        case.path_parameters["user-id"] = user.id if next(FORMS) == "id" else user.upn
    else:
        user = user_of("privileged_auth_admin")
    types = next(STATES)
    arrange(target, user, types)
    before = snapshot(target, user) if method != "GET" else None  # answered from the arranging read
    token = target.admin_token()
    refused_for = forbidden(method, case.path, case.body)
    if method != "GET":
        _in_place.pop(user.id, None)  # until a read-back shows nothing changed
    response = case.call_and_validate(base_url=target.base_url, session=target.client.session,
                                      headers={"Authorization": f"Bearer {token}"},
                                      checks=REFUSAL_CHECKS if refused_for else CHECKS)
    if refused_for:
        assert 400 <= response.status_code < 500, (
            f"{method} {case.path}: {refused_for}, yet it answered {response.status_code} (expected a 4xx refusal)")
    if before is not None and response.status_code >= 400:
        why = f"a refused {method} {case.path}" + (f" ({refused_for})" if refused_for else "")
        expect_unchanged(target, user, before, why)
        _in_place[user.id] = (target.client, types)
