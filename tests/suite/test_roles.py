"""Asking for a user by role: a role the profile leaves out skips the test; a name that is no role fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.pytest_plugin.plugin import user_or_skip
from conformance.spec.model import SELF_ADDRESSEES
from conformance.target.profile import ROLES, parse_profile
from conformance.target.target import RoleMissing, Target, UnknownRole
from strategies.permissions import ADDRESSEES


@pytest.fixture
def target() -> Target:
    """A target whose profile fills only the caller role (nothing is sent)."""
    raw = {
        "target": {"kind": "emulator", "base_url": "http://127.0.0.1:9"},
        "auth": {"kind": "mint", "secret": "s", "tenant_id": "t"},
        "roles": {"caller": ["u"]},
        "users": [{"key": "u", "id": "00000000-0000-4000-8000-000000000001", "upn": "u@x.test"}],
    }
    profile = parse_profile(raw, source=Path("p.toml"))
    return Target(profile=profile, base_url=profile.base_url, edition=profile.edition)


def test_a_filled_role_gives_its_user(target: Target) -> None:
    assert target.user("caller").key == "u"
    assert user_or_skip(target, "caller").key == "u"


def test_a_known_role_the_profile_leaves_out_skips_with_the_reason(target: Target) -> None:
    assert "global_reader" in ROLES
    with pytest.raises(RoleMissing, match="names no global_reader user"):
        target.user("global_reader")
    with pytest.raises(pytest.skip.Exception, match="names no global_reader user"):
        user_or_skip(target, "global_reader")


@pytest.mark.parametrize("name", ["ordinary_targt", "ordinary_user", "Caller", ""])
def test_a_name_that_is_no_role_is_an_error_not_a_skip(target: Target, name: str) -> None:
    with pytest.raises(UnknownRole, match=f"unknown role {name!r}"):
        target.user(name)
    with pytest.raises(UnknownRole):
        user_or_skip(target, name)
    assert not issubclass(UnknownRole, RoleMissing) and issubclass(UnknownRole, ValueError)


def test_the_addressees_other_than_the_caller_are_profile_roles() -> None:
    """A permission context's addressee names the role whose user it addresses (no second vocabulary)."""
    others = set(ADDRESSEES) - SELF_ADDRESSEES
    assert others == {"ordinary_target", "privileged_target", "privileged_auth_admin"} and others <= set(ROLES)
