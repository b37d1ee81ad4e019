"""Derandomized probes for ``observe`` and ``diff``: one set-up, one request, one read-back.

A :class:`Scenario` is plain data: whose methods (a profile role), the state that user is brought
to first (fixed synthetic numbers, never a user's), the caller, and the one request under study.
:func:`run_scenario` plays it against a :class:`~conformance.target.target.Target` (so the write guard and
the journal apply) and returns an :class:`Outcome`: status, error code, the body's shape and the
user's phone methods read back afterwards. The same scenario list, in the same order, gives the
same requests on every target; only the answers differ.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, replace
from typing import Any

import requests

from conformance.core.errors import ToolError
from conformance.pytest_plugin.checks import error_code
from conformance.target.auth.providers import ADMIN_CONTEXT, SELF_CONTEXT
from conformance.target.client import PHONE_METHODS, GraphClient, TargetBroken
from conformance.target.profile import User
from conformance.target.target import RoleMissing, SetupFailed, Target
from strategies.methods import PHONE_METHOD_IDS
from strategies.permissions import PermissionContext

MOBILE, ALTERNATE, OFFICE = (PHONE_METHOD_IDS[t] for t in ("mobile", "alternateMobile", "office"))
UNKNOWN_USER = "00000000-0000-4000-8000-0000000000ab"
"""A user id no directory holds (a version-4 GUID of zeros and one byte)."""

NUMBERS = {
    "ordinary_target": ("+1 2065550100", "+1 2065550101", "+1 2065550102", "+1 2065550111"),
    "caller": ("+1 4255550100", "+1 4255550101", "+1 4255550102", "+1 4255550111"),
    "privileged_target": ("+1 2025550100", "+1 2025550101", "+1 2025550102", "+1 2025550111"),
    "policy_off_user": ("+1 2065550120", "+1 2065550121", "+1 2065550122", "+1 2065550123"),
}
"""Per role: the synthetic numbers (555-01xx, reserved for fiction) for mobile, alternate, office, new."""

_RWA, _RW = ("UserAuthenticationMethod.ReadWrite.All",), ("UserAuthenticationMethod.ReadWrite",)
CALLERS: dict[str, PermissionContext] = {
    "admin": ADMIN_CONTEXT,
    "self": SELF_CONTEXT,
    "self_phone_read": PermissionContext("delegated", scopes=("UserAuthMethod-Phone.Read",), addressee="me"),
    "auth_admin_read": PermissionContext("delegated", scopes=("UserAuthenticationMethod.Read.All",),
                                         directory_roles=("authentication_administrator",),
                                         addressee="ordinary_target"),
    "auth_admin_write": PermissionContext("delegated", scopes=_RWA, directory_roles=("authentication_administrator",),
                                          addressee="privileged_target"),
    "caller_on_other": PermissionContext("delegated", scopes=_RW, addressee="ordinary_target"),
    "app": PermissionContext("application", app_roles=_RWA, addressee="ordinary_target"),
    "app_no_role": PermissionContext("application", app_roles=(), addressee="ordinary_target"),
    "app_on_me": PermissionContext("application", app_roles=_RWA, addressee="me"),
    **{kind: replace(ADMIN_CONTEXT, token_kind=kind)  # type: ignore[arg-type]
       for kind in ("none", "malformed", "expired", "bad_signature", "wrong_audience", "personal_account")},
}
"""The callers a scenario may name; the token's signed-in user is the role's user for self callers."""

SELF_CALLERS = frozenset({"self", "self_phone_read", "app_on_me"})
_NO_BODY: Any = object()


@dataclass(frozen=True)
class Scenario:
    """One derandomized probe (see the module docstring)."""

    id: str
    role: str
    setup: tuple[str, ...]
    """Phone types the user holds before the probe (numbers from :data:`NUMBERS`)."""
    method: str
    path: str
    """The path after the user prefix, e.g. ``/authentication/phoneMethods/{id}``."""
    caller: str = "admin"
    addressing: str = "id"
    """``id``, ``upn``, ``upn-encoded``, ``me`` or ``unknown`` (a user no directory holds)."""
    body: Any = _NO_BODY
    raw: bytes | None = None
    content_type: str | None = None
    """The Content-Type of a ``raw`` body (None: no header)."""
    needs: tuple[str, ...] = ()
    """Other roles the profile must name (e.g. ``auth_admin``)."""
    note: str = ""

    def describe(self) -> str:
        """``PATCH /users/{ordinary_target}/authentication/phoneMethods/{mobile} as admin`` (no values)."""
        who = {"me": "/me", "unknown": "/users/{unknown}"}.get(self.addressing, f"/users/{{{self.role}}}")
        path = self.path
        for name, value in (("mobile", MOBILE), ("alternateMobile", ALTERNATE), ("office", OFFICE)):
            path = path.replace(value, "{" + name + "}")
        return f"{self.method} {who}{path} as {self.caller}"


@dataclass
class Outcome:
    """What one scenario got back: comparable across targets (no tokens, no messages, no ids of requests)."""

    scenario: str
    status: int | None = None
    code: str | None = None
    shape: Any = None
    headers: dict[str, bool] = field(default_factory=dict)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    body: Any = None
    skipped: str | None = None
    requests: int = 0

    def portable_view(self) -> dict[str, Any]:
        """The fields ``diff`` compares across targets: status, error code, body shape, state (or the skip)."""
        if self.skipped:
            return {"skipped": self.skipped}
        return {"status": self.status, "code": self.code, "shape": self.shape, "state": self.state}


def number(role: str, kind: str) -> str:
    """The synthetic number of ``role``'s ``kind`` (``mobile``, ``alternateMobile``, ``office`` or ``new``)."""
    index = ("mobile", "alternateMobile", "office", "new").index(kind)
    return NUMBERS.get(role, NUMBERS["ordinary_target"])[index]


def methods_path(method_id: str | None = None, action: str | None = None) -> str:
    """``/authentication/phoneMethods[/{id}[/{action}]]``."""
    path = PHONE_METHODS + (f"/{method_id}" if method_id else "")
    return path + (f"/{action}" if action else "")


def run_scenarios(target: Target, scenarios: list[Scenario]) -> list[Outcome]:
    """Play ``scenarios`` in order; a scenario the profile cannot play is an outcome with ``skipped``."""
    return [run_scenario(target, s) for s in scenarios]


def run_scenario(target: Target, sc: Scenario) -> Outcome:
    """Bring the user to ``sc.setup``, send the probe, read the user back (see :class:`Scenario`)."""
    before = target.client.requests_sent
    out = _run(target, sc)
    out.requests = target.client.requests_sent - before
    return out


def _run(target: Target, sc: Scenario) -> Outcome:
    ctx = CALLERS[sc.caller]
    try:
        for role in sc.needs:
            target.user(role)
        user = target.user(sc.role)
    except RoleMissing as exc:
        return Outcome(sc.id, skipped=str(exc))
    if not target.provider.supports(ctx):
        return Outcome(sc.id, skipped=f"the profile's tokens cannot stand for caller {sc.caller}")
    subject = _subject(target, sc, user)
    if sc.caller in SELF_CALLERS:
        user = subject
    try:
        target.reset(user, {kind: number(sc.role, kind) for kind in sc.setup})
    except SetupFailed as exc:
        return Outcome(sc.id, skipped=f"set-up failed: {exc}")
    token = target.admin_token(user) if sc.caller == "admin" else target.token(ctx, subject)
    try:
        response = _send(target, sc, user, token, subject)
    except TargetBroken as exc:
        return Outcome(sc.id, skipped=f"no answer: {exc}")
    state = _state(target, user)
    return Outcome(sc.id, status=response.status_code, code=error_code(response), shape=body_shape(response),
                   headers={"location": "Location" in response.headers,
                            "www-authenticate": "WWW-Authenticate" in response.headers},
                   state=state, body=_json(response))


def _subject(target: Target, sc: Scenario, user: User) -> User:
    """The user the scenario's token is signed in as."""
    ctx = CALLERS[sc.caller]
    if sc.caller in SELF_CALLERS:
        return target.provider.subject(ctx, user)
    if sc.caller.startswith("auth_admin"):
        return target.provider.subject(ctx, target.user("auth_admin"))
    return target.provider.subject(ctx, target.user("caller"))


def _prefix(sc: Scenario, user: User) -> str:
    if sc.addressing == "unknown":
        return f"/users/{UNKNOWN_USER}"
    return GraphClient.user_prefix(sc.addressing, user)


def _send(target: Target, sc: Scenario, user: User, token: str | None, subject: User) -> requests.Response:
    path = _prefix(sc, user) + sc.path
    me = subject if sc.addressing == "me" else None
    if sc.raw is not None:
        headers = {"Content-Type": sc.content_type} if sc.content_type else {}
        return target.client.request(sc.method, path, token=token, data=sc.raw, headers=headers, me=me)
    if sc.body is _NO_BODY:
        return target.client.request(sc.method, path, token=token, me=me)
    return target.client.request(sc.method, path, token=token, json=sc.body, me=me)


def _state(target: Target, user: User) -> dict[str, dict[str, Any]]:
    try:
        items = target.state(user)
    except SetupFailed as exc:
        return {"unreadable": {"reason": str(exc)}}
    keep = ("id", "phoneNumber", "phoneType", "smsSignInState")
    return {kind: {k: item.get(k) for k in keep} for kind, item in sorted(items.items())}


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


LITERAL_KEYS = frozenset({"phoneType", "smsSignInState", "id", "code"})
"""Keys whose string values a shape keeps as they are (enumerations, fixed ids, error codes)."""


def number_shape(value: str) -> str:
    """A phone number with every digit written ``#``: ``+1 ********34`` -> ``+# ********##``."""
    return "".join("#" if ch.isdigit() else ch for ch in value)


def body_shape(response: requests.Response) -> Any:
    """The body's shape: JSON structure with value types; enumerations kept; numbers as :func:`number_shape`."""
    if not response.content:
        return "empty"
    data = _json(response)
    if data is None and response.content.strip() != b"null":
        media = response.headers.get("Content-Type", "").partition(";")[0].strip() or "?"
        return f"text ({media})"
    return _shape(data, None)


def _shape(value: Any, key: str | None) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v, None) for v in value]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    if key == "phoneNumber":
        return number_shape(value)
    if key in LITERAL_KEYS:
        return value
    return "str"


@functools.cache
def example(kind: str, label: str) -> Any:
    """The first (simplest) value the strategies draw for an ``invalid`` or ``gray`` label, seed 0."""
    from strategies.phone_numbers import gray_zone_phone_numbers, invalid_phone_numbers
    from strategies.samples import draw_examples

    strategy = invalid_phone_numbers(labels=[label]) if kind == "invalid" else gray_zone_phone_numbers(labels=[label])
    drawn = draw_examples(strategy, 1, seed=0)
    if not drawn:  # pragma: no cover - every label has values
        raise ToolError(f"no {kind} example for label {label}")
    return drawn[0].value


def raw_json(body: Any) -> bytes:
    """``body`` serialised as the client would send it."""
    return json.dumps(body).encode()
