"""Permission contexts: plain, consistent data that covers the boundaries of the permission matrix."""

from __future__ import annotations

import collections
import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis.errors import InvalidArgument

from strategies import (
    ADDRESSEES,
    ALL_APP_ROLES,
    ALL_SCOPES,
    DIRECTORY_ROLES,
    TOKEN_KINDS,
    PermissionContext,
    permission_contexts,
)
from strategies.samples import draw_examples

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=300)
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_constants() -> None:
    assert len(DIRECTORY_ROLES) == 15
    assert {
        "global_administrator",
        "privileged_authentication_administrator",
        "authentication_administrator",
        "global_reader",
        "helpdesk_administrator",
    } <= set(DIRECTORY_ROLES)
    assert all(GUID.fullmatch(t) for t in DIRECTORY_ROLES.values())
    assert len(set(DIRECTORY_ROLES.values())) == 15
    assert DIRECTORY_ROLES["authentication_administrator"] == "c4e39bd9-1100-46d3-8c65-fb160da0071f"
    for family in ("UserAuthenticationMethod", "UserAuthMethod-Phone"):
        for level in ("Read", "ReadWrite", "Read.All", "ReadWrite.All"):
            assert f"{family}.{level}" in ALL_SCOPES
    assert "User.Read" in ALL_SCOPES
    assert len(ALL_SCOPES) == 9
    assert all(role.endswith(".All") for role in ALL_APP_ROLES)
    assert set(TOKEN_KINDS) == {
        "delegated",
        "application",
        "none",
        "empty",
        "malformed",
        "expired",
        "not_yet_valid",
        "bad_signature",
        "wrong_audience",
        "personal_account",
        "unsigned",
        "no_exp",
        "audience_lookalike_host",
        "audience_lookalike_path",
    }
    assert set(ADDRESSEES) == {"me", "self_id", "self_upn", "ordinary_target", "privileged_target",
                               "privileged_auth_admin"}


@SETTINGS
@given(permission_contexts())
def test_contexts_are_consistent(context: PermissionContext) -> None:
    assert context.token_kind in TOKEN_KINDS
    assert context.addressee in ADDRESSEES
    assert set(context.scopes) <= set(ALL_SCOPES)
    assert set(context.app_roles) <= set(ALL_APP_ROLES)
    assert set(context.directory_roles) <= set(DIRECTORY_ROLES)
    assert len(set(context.scopes)) == len(context.scopes)
    if context.token_kind == "application":
        assert not context.scopes and not context.directory_roles
    else:
        assert not context.app_roles
    if context.token_kind == "none":
        assert not context.scopes and not context.directory_roles
    assert context.role_template_ids == tuple(DIRECTORY_ROLES[r] for r in context.directory_roles)
    assert hash(context) == hash(PermissionContext(**{f: getattr(context, f) for f in context.__slots__}))


@SETTINGS
@given(permission_contexts(token_kinds=["application"], addressees=("ordinary_target", "privileged_target")))
def test_contexts_can_be_narrowed(context: PermissionContext) -> None:
    assert context.token_kind == "application"
    assert not context.is_self


@functools.cache
def _sample() -> tuple[PermissionContext, ...]:
    return tuple(draw_examples(permission_contexts(), 1000, seed=0))


def test_the_boundaries_are_drawn() -> None:
    sample = _sample()
    assert {c.token_kind for c in sample} == set(TOKEN_KINDS)
    assert {c.addressee for c in sample} == set(ADDRESSEES)
    delegated = [c for c in sample if c.token_kind not in ("application", "none")]  # and delegated-like
    # exactly one scope: each of them
    assert {c.scopes[0] for c in delegated if len(c.scopes) == 1} == set(ALL_SCOPES)
    # a scope together with its .All twin
    for family in ("UserAuthenticationMethod", "UserAuthMethod-Phone"):
        for level in ("Read", "ReadWrite"):
            assert any({f"{family}.{level}", f"{family}.{level}.All"} <= set(c.scopes) for c in delegated)
    assert any(not c.scopes for c in delegated)
    # each directory role alone, and no role
    assert {c.directory_roles[0] for c in delegated if len(c.directory_roles) == 1} == set(DIRECTORY_ROLES)
    assert any(not c.directory_roles for c in delegated)
    # applications with and without roles, each role alone
    apps = [c for c in sample if c.token_kind == "application"]
    assert any(not c.app_roles for c in apps)
    assert {c.app_roles[0] for c in apps if len(c.app_roles) == 1} == set(ALL_APP_ROLES)
    kinds = collections.Counter(c.token_kind for c in sample)
    assert kinds["delegated"] > kinds["application"] > kinds["expired"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token_kinds": []},
        {"token_kinds": ["admin"]},
        {"token_kinds": "delegated"},
        {"addressees": []},
        {"addressees": ["someone_else"]},
    ],
)
def test_permission_contexts_rejects_impossible_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        permission_contexts(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token_kind": "admin"},
        {"token_kind": "delegated", "addressee": "nobody"},
        {"token_kind": "delegated", "addressee": "ordinary_user"},
        {"token_kind": "delegated", "directory_roles": ("Global Administrator",)},
        {"token_kind": "delegated", "scopes": ["UserAuthenticationMethod.Read"]},
        {"token_kind": "delegated", "app_roles": "UserAuthenticationMethod.Read.All"},
        {"token_kind": "none", "directory_roles": ("global_reader", 3)},
    ],
)
def test_permission_context_rejects_malformed_data(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        PermissionContext(**kwargs)  # type: ignore[arg-type]


def test_permission_context_is_plain_frozen_data() -> None:
    context = PermissionContext("delegated", scopes=("UserAuthenticationMethod.Read",), addressee="self_upn")
    assert context.is_self
    assert context.app_roles == () and context.directory_roles == ()
    with pytest.raises(AttributeError):
        context.addressee = "me"  # type: ignore[misc]


def test_pairwise_rows_cover_every_pair_and_keep_the_required_rows_first() -> None:
    from itertools import combinations

    from strategies.permissions import pairwise_rows

    factors = [("a", ("1", "2", "3")), ("b", ("x", "y")), ("c", ("p", "q", "r", "s"))]
    required = [{"a": "3", "b": "y", "c": "s"}]
    rows = pairwise_rows(factors, required=required)
    assert rows[0] == required[0]
    for (n1, v1), (n2, v2) in combinations(factors, 2):
        assert {(r[n1], r[n2]) for r in rows} == {(x, y) for x in v1 for y in v2}
    assert len(rows) < 3 * 2 * 4
    assert pairwise_rows(factors) == pairwise_rows(factors), "deterministic"
