"""Schemathesis over our OpenAPI description against the in-process emulator.

Every operation of ``conformance/spec/openapi/phone-methods.yaml`` is fuzzed in positive and in negative
generation mode (one pytest item per mode and operation), and every response must:

* not be a 5xx (``not_a_server_error``);
* carry a documented status code (``status_code_conformance``);
* carry a documented content type (``content_type_conformance``);
* match the documented schema (``response_schema_conformance``).

The ``user-id`` path parameter is pinned to the profile's ``ordinary_target`` users, alternating between
object id and userPrincipalName; ``/me`` is the caller, a Global Administrator (contract §3, §5, edition
``seed``). Before each example the user's phones are reset (DELETE alternateMobile, mobile, office) and
seeded with one of three states (none / mobile / all three), so that GET, PATCH, DELETE and the actions
meet both present and absent methods. Generation is derandomized and capped so the run stays short.
"""

from __future__ import annotations

import itertools
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
import schemathesis
from emukit import mint_profile_token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from graph_phone_emulator.server import start_in_thread
from strategies.methods import PHONE_METHOD_IDS

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC = REPO_ROOT / "conformance" / "spec" / "openapi" / "phone-methods.yaml"
PROFILE = REPO_ROOT / "conformance" / "targets" / "emulator.toml"

MAX_EXAMPLES = 25
GLOBAL_ADMIN_TEMPLATE = "62e90394-69f5-4237-9190-012177145e10"
ADMIN_SCOPE = "UserAuthenticationMethod.ReadWrite.All"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
RESET_ORDER = ("alternateMobile", "mobile", "office")  # the order the delete rule allows (facts §3)
SEEDS: tuple[tuple[str, ...], ...] = ((), ("mobile",), ("mobile", "alternateMobile", "office"))


def _config(mode: str) -> schemathesis.Config:
    """Schemathesis configuration for one generation mode: capped, derandomized, no example database.

    Security parameters are not generated: every request carries the helper's valid token, so negative
    generation spends its budget on bodies and path parameters instead of mostly dropping the
    ``Authorization`` header. Token failures are covered by ``test_token_failures_conform`` below.
    """
    return schemathesis.Config.from_dict(
        {
            "generation": {
                "mode": mode,
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "with-security-parameters": False,
            },
        }
    )


POSITIVE = schemathesis.openapi.from_path(SPEC, config=_config("positive"))
# The list operations have no input left to negate once user-id is pinned and auth is not generated.
NEGATIVE = schemathesis.openapi.from_path(SPEC, config=_config("negative")).exclude(
    method="GET", path_regex=r"/phoneMethods$"
)


def _number(user_index: int, phone_type: str) -> str:
    """A valid number unique per (user, type), so SMS sign-in states stay deterministic."""
    return f"+1 425555{user_index:02d}{RESET_ORDER.index(phone_type):02d}"


@dataclass
class Target:
    """The running emulator, the admin caller and the per-example reset/seed logic."""

    base_url: str
    admin: dict[str, Any]
    targets: list[dict[str, Any]]
    headers: dict[str, str]
    session: requests.Session = field(default_factory=requests.Session)
    _addresses: Iterator[tuple[dict[str, Any], str]] = field(init=False)
    _seeds: Iterator[tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.session.headers.update(self.headers)
        forms = [(user, user[key]) for user in self.targets for key in ("id", "upn")]
        self._addresses = itertools.cycle(forms)
        self._seeds = itertools.cycle(SEEDS)

    def _methods_url(self, user_id: str) -> str:
        return f"{self.base_url}/users/{user_id}/authentication/phoneMethods"

    def reset(self, user: dict[str, Any], seed: tuple[str, ...], index: int) -> None:
        """Delete every phone of ``user`` (allowed order), then create the phones named in ``seed``."""
        url = self._methods_url(user["id"])
        for phone_type in RESET_ORDER:
            r = self.session.delete(f"{url}/{PHONE_METHOD_IDS[phone_type]}")
            assert r.status_code in (204, 404), f"reset: DELETE {phone_type} -> {r.status_code} {r.text}"
        for phone_type in seed:
            body = {"phoneNumber": _number(index, phone_type), "phoneType": phone_type}
            r = self.session.post(url, json=body)
            assert r.status_code == 201, f"seed: POST {body} -> {r.status_code} {r.text}"

    def prepare(self, case: schemathesis.Case) -> None:
        """Pin ``user-id`` to a test user (id or UPN) and reset that user's (or the caller's) phones."""
        seed = next(self._seeds)
        if "user-id" in (case.path_parameters or {}):
            user, address = next(self._addresses)
            case.path_parameters["user-id"] = address
        else:
            user = self.admin  # /me is the caller
        index = ([self.admin, *self.targets]).index(user)
        self.reset(user, seed, index)


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    """Start the emulator with the default profile; mint a Global Administrator token."""
    profile = tomllib.loads(PROFILE.read_text(encoding="utf-8"))
    users = {u["key"]: u for u in profile["users"]}
    admin = users[profile["roles"]["global_admin"][0]]
    targets = [users[key] for key in profile["roles"]["ordinary_target"]]
    token = mint_profile_token(profile, admin, scope=ADMIN_SCOPE, wids=[GLOBAL_ADMIN_TEMPLATE])
    with start_in_thread() as emulator:
        t = Target(
            base_url=emulator.base_url,
            admin=admin,
            targets=targets,
            headers={"Authorization": f"Bearer {token}"},
        )
        yield t
        t.session.close()


@schemathesis.pytest.parametrize(positive=POSITIVE, negative=NEGATIVE)
def test_emulator_conforms_to_description(case: schemathesis.Case, target: Target) -> None:
    """No 5xx; status code, content type and body as documented, in both generation modes."""
    target.prepare(case)
    case.call_and_validate(
        base_url=target.base_url,
        session=target.session,
        headers=target.headers,
        checks=CHECKS,
    )


def _operations() -> list[schemathesis.APIOperation]:
    return [result.ok() for result in POSITIVE.get_all_operations()]


def _bad_tokens(profile: dict[str, Any], admin: dict[str, Any]) -> dict[str, str | None]:
    """Authorization header values every operation must answer with 401 (contract §4 step 2)."""
    good = mint_profile_token(profile, admin, scope=ADMIN_SCOPE, wids=[GLOBAL_ADMIN_TEMPLATE])
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-profile-secret-0123456789abcdef", algorithm="HS256")
    now = int(time.time())
    expired = jwt.encode(
        {**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 600},
        profile["auth"]["secret"],
        algorithm="HS256",
    )
    return {
        "missing": None,
        "not-a-jwt": "Bearer not-a-jwt",
        "bad-signature": f"Bearer {forged}",
        "expired": f"Bearer {expired}",
    }


@pytest.mark.parametrize("kind", ["missing", "not-a-jwt", "bad-signature", "expired"])
@pytest.mark.parametrize("operation", _operations(), ids=lambda op: op.label)
def test_token_failures_conform(operation: schemathesis.APIOperation, kind: str, target: Target) -> None:
    """Each operation answers a token failure with a documented 401 and the Graph error envelope."""
    profile = tomllib.loads(PROFILE.read_text(encoding="utf-8"))
    authorization = _bad_tokens(profile, target.admin)[kind]
    path_parameters = {}
    if "{user-id}" in operation.path:
        path_parameters["user-id"] = target.targets[0]["id"]
    if "{phoneAuthenticationMethod-id}" in operation.path:
        path_parameters["phoneAuthenticationMethod-id"] = PHONE_METHOD_IDS["mobile"]
    body: Any = None
    if operation.method.upper() in ("POST", "PATCH") and operation.body:
        body = {"phoneNumber": "+1 4255550100", "phoneType": "mobile"}
    url = target.base_url + operation.path.format_map(path_parameters)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.request(operation.method.upper(), url, json=body, headers=headers, timeout=10)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    case = (
        operation.Case(path_parameters=path_parameters, body=body)
        if body is not None
        else operation.Case(path_parameters=path_parameters)
    )
    case.validate_response(response, checks=CHECKS)
