"""Assertion helpers shared by the suite's tests: statuses, the error envelope, nothing-changed.

Each helper states what the spec establishes and nothing more: where the facts leave a status or
an error code open, the helpers accept the family and the caller records what came back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import requests

from conformance.target.profile import User
from conformance.target.tape import brief_body
from conformance.target.target import Target

VALIDATION_FAMILY = frozenset({400, 422})
"""Statuses a conforming target may use to reject bad input (the facts give no code)."""

CONFLICT_FAMILY = frozenset({400, 409})
"""Statuses a conforming target may use for a slot conflict (400 or 409: facts §3 [unk])."""

CONTENT_TYPE_FAMILY = frozenset({400, 415})
"""Statuses for a body without a JSON content type."""

NOT_FOUND_FAMILY = frozenset({400, 404})
"""Statuses for a method id that is not a GUID (a route that cannot exist)."""

SPEC_FORM = re.compile(r"^\+[0-9]{1,3} [0-9]+(x[0-9]+)?$")


def describe_response(response: requests.Response) -> str:
    """One line naming the request and what came back (tokens never appear)."""
    req = response.request
    return f"{req.method} {req.path_url} -> {response.status_code} {brief_body(response.text)}".rstrip()


def expect_status(response: requests.Response, allowed: int | Iterable[int], why: str) -> None:
    """Assert the status is one of ``allowed``; the message says why it had to be."""
    allowed_set = {allowed} if isinstance(allowed, int) else set(allowed)
    assert response.status_code in allowed_set, (
        f"{why}: expected {describe_statuses(allowed_set)}, got {describe_response(response)}")


def describe_statuses(statuses: Iterable[int]) -> str:
    """``204``, ``400 or 422``, ``2xx``, ``2xx or 4xx``: a whole hundred is named by its class."""
    rest = set(statuses)
    names: list[str] = []
    for hundred in range(100, 600, 100):
        block = set(range(hundred, hundred + 100))
        if block <= rest:
            names.append(f"{hundred // 100}xx")
            rest -= block
    return " or ".join([*map(str, sorted(rest)), *names])


def expect_success(response: requests.Response, why: str, owner: str) -> None:
    """Assert the request was accepted (any 2xx): the exact status is ``owner``'s claim (``delete-204``)."""
    assert 200 <= response.status_code < 300, (
        f"{why}: expected success (2xx; the exact status is {owner}'s), got {describe_response(response)}")


def expect_no_server_error(response: requests.Response) -> None:
    """Assert the target did not answer 5xx."""
    assert response.status_code < 500, f"server error: {describe_response(response)}"


def error_code(response: requests.Response) -> str | None:
    """The Graph error code of an error answer, or ``None`` when there is no envelope."""
    try:
        body = response.json()
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    return err.get("code") if isinstance(err, dict) else None


def expect_error_envelope(response: requests.Response, code: str | None = None) -> None:
    """Assert an error answer carries ``{"error": {"code": str, "message": str}}`` (and ``code``)."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"error answer is not JSON: {describe_response(response)}") from None
    err = body.get("error") if isinstance(body, dict) else None
    assert isinstance(err, dict), f"error answer has no 'error' object: {describe_response(response)}"
    assert isinstance(err.get("code"), str) and err["code"], f"error has no string code: {describe_response(response)}"
    assert isinstance(err.get("message"), str), f"error has no string message: {describe_response(response)}"
    if code is not None:
        assert err["code"].lower() == code.lower(), f"error code should be {code}: {describe_response(response)}"


def expect_error_code(response: requests.Response, code: str | None) -> None:
    """Assert the error ``code`` when the answer carries the Graph envelope; read tolerantly otherwise.

    The envelope's shape is the business of ``error-envelope``: a rule that only needs the code does
    not fail for a missing envelope.
    """
    got = error_code(response)
    if code is not None and got is not None:
        assert got.lower() == code.lower(), f"error code should be {code}, got {got}: {describe_response(response)}"


def without_annotations(item: dict[str, Any]) -> dict[str, Any]:
    """A phone method without its OData annotations (``@``-keys), for before/after comparison."""
    return {k: v for k, v in item.items() if not k.startswith("@")}


def snapshot(target: Target, user: User) -> dict[str, dict[str, Any]]:
    """The user's phone methods by type, as the administrator reads them."""
    return {t: without_annotations(item) for t, item in target.state(user).items()}


def expect_unchanged(target: Target, user: User, before: dict[str, dict[str, Any]], why: str) -> None:
    """Assert, by reading back, that the user's phone methods are exactly as in ``before``."""
    after = snapshot(target, user)
    assert after == before, f"{why}: a rejected request changed {user.key}'s methods: {state_difference(before, after)}"


def state_difference(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> str:
    """What differs between two snapshots, with values: ``mobile.phoneNumber '+1 5' -> '+1 6'; office added``."""
    parts: list[str] = []
    for kind in sorted(set(before) | set(after)):
        old, new = before.get(kind), after.get(kind)
        if old is None:
            parts.append(f"{kind} added ({_brief_method(new)})")
        elif new is None:
            parts.append(f"{kind} removed (was {_brief_method(old)})")
        else:
            parts += [f"{kind}.{key} {old.get(key)!r} -> {new.get(key)!r}"
                      for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return "; ".join(parts) or "no difference"


def _brief_method(item: dict[str, Any] | None) -> str:
    item = item or {}
    return ", ".join(f"{k}={item[k]!r}" for k in ("phoneNumber", "smsSignInState") if k in item) or "{}"


def expect_number(target: Target, user: User, phone_type: str, number: str, why: str) -> None:
    """Assert, by reading back, that ``user``'s ``phone_type`` method holds ``number``."""
    got = target.numbers(user).get(phone_type)
    assert got == number, f"{why}: {user.key}'s {phone_type} reads back {got!r}, expected {number!r}"


def expect_rejected(target: Target, user: User, before: dict[str, dict[str, Any]], response: requests.Response,
                    allowed: int | Iterable[int], why: str, *, envelope: bool = False) -> None:
    """Assert a rejection: an allowed status and (read back) nothing changed.

    The error envelope is ``error-envelope``'s claim, checked here only with ``envelope=True``.
    """
    expect_status(response, allowed, why)
    if envelope:
        expect_error_envelope(response)
    expect_unchanged(target, user, before, why)



def not_unique_conflict(response: requests.Response) -> bool:
    """True for a 409 ``phoneNumberNotUnique``: Graph's answer to a mobile write whose number another user
    holds for SMS sign-in, with the method usually saved all the same (facts §10). Not a refusal to trust:
    the read-back decides whether the write took effect."""
    return response.status_code == 409 and (error_code(response) or "").lower() == "phonenumbernotunique"
