"""The schema layer: schemathesis over the project's OpenAPI description of phoneMethods.

Checks every answer's status code, content type and body against
``conformance/spec/openapi/phone-methods.yaml``, and that nothing answers 5xx. The ``user-id`` path
parameter is pinned to this worker's ordinary test user (by id or UPN), so nothing else is touched.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import OPENAPI_SPEC
from conformance.testing import (
    PER_CASE,
    Target,
    expect_unchanged,
    fresh_number,
    in_budget_plan,
    snapshot,
    suite_settings,
)

SPEC = OPENAPI_SPEC
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
STATES = itertools.cycle([{}, {"mobile": None}, {"mobile": None, "alternateMobile": None, "office": None}])
FORMS = itertools.cycle(["id", "upn"])


def _config(mode: str) -> schemathesis.Config:
    examples = suite_settings(PER_CASE).max_examples  # schemathesis reads its own budget, not @settings
    raw: dict = {"generation": {"mode": mode, "deterministic": True, "database": "none", "max-examples": examples}}
    # unexpected methods only among those the guard lets out (it refuses TRACE, OPTIONS, HEAD, PUT, MERGE...)
    raw["phases"] = {"coverage": {"unexpected-methods": ["DELETE", "PATCH", "POST"]}}
    if in_budget_plan():  # the coverage phase enumerates every boundary of the schema: dozens of requests each
        raw["phases"] = {"coverage": {"enabled": False}}
    return schemathesis.Config.from_dict(raw)


POSITIVE = schemathesis.openapi.from_path(SPEC, config=_config("positive"))
NEGATIVE = schemathesis.openapi.from_path(SPEC, config=_config("negative"))


@pytest.mark.rule("schema-conformance")
@schemathesis.pytest.parametrize(positive=POSITIVE, negative=NEGATIVE)
@suite_settings(PER_CASE)
def test_answers_match_the_description(case: schemathesis.Case, target: Target, user_of) -> None:
    """Each answer has a documented status, content type and body shape, and is never a 5xx."""
    if case.method.upper() != "GET" and target.profile.mode == "readonly":
        pytest.skip("mode = readonly")
    if "user-id" in (case.path_parameters or {}):
        user = user_of("ordinary_target")
        case.path_parameters["user-id"] = user.id if next(FORMS) == "id" else user.upn
    else:
        user = user_of("privileged_auth_admin")
    target.reset(user, {k: fresh_number() for k in next(STATES)})
    before = snapshot(target, user)
    token = target.admin_token()
    response = case.call_and_validate(base_url=target.base_url, session=target.client.session,
                                      headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
    if case.method.upper() != "GET" and response.status_code >= 400:
        expect_unchanged(target, user, before, f"a rejected {case.method.upper()} {case.path}")
