"""The rule model's permission matrix, checked against hand-written cases of contract §5."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.spec.model import OPERATIONS, expected_outcome, granted_levels, read_visibility
from strategies.permissions import PermissionContext, permission_contexts

UAM = "UserAuthenticationMethod"
PHONE = "UserAuthMethod-Phone"


def ctx(kind="delegated", scopes=(), roles=(), app_roles=(), addressee="me") -> PermissionContext:
    return PermissionContext(token_kind=kind, scopes=tuple(scopes), app_roles=tuple(app_roles),
                             directory_roles=tuple(roles), addressee=addressee)


CASES = [
    # (operation, context, edition, statuses, rule)
    ("update", ctx(scopes=[f"{UAM}.ReadWrite"]), "seed", {204}, "perm-self-write"),
    ("update", ctx(scopes=[f"{UAM}.Read"]), "seed", {403}, "perm-self-write"),
    # current pages: self-service create/update unsupported, the service's answer [unk]: open
    ("update", ctx(scopes=[f"{UAM}.ReadWrite"]), "current", {204, 400, 403}, "perm-current-no-self-service"),
    ("update", ctx(scopes=[f"{UAM}.Read"]), "current", {400, 403}, "perm-current-no-self-service"),
    ("delete", ctx(scopes=[f"{PHONE}.ReadWrite"]), "current", {204}, "perm-self-write"),
    # the seed pages do not name the UserAuthMethod-Phone family: granted or not, recorded
    ("delete", ctx(scopes=[f"{PHONE}.ReadWrite"]), "seed", {204, 403}, "perm-self-write"),
    ("list", ctx(scopes=[f"{PHONE}.Read"], addressee="self_id"), "seed", {200, 403}, "perm-self-read"),
    ("delete", ctx(scopes=[f"{PHONE}.Read"]), "seed", {403}, "perm-self-write"),
    ("list", ctx(scopes=[f"{UAM}.Read"], addressee="self_upn"), "seed", {200}, "perm-self-read"),
    ("list", ctx(scopes=["User.Read"], addressee="self_id"), "seed", {403}, "perm-self-read"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite"], roles=["authentication_administrator"], addressee="ordinary_target"),
     "seed", {403}, "perm-other-needs-all-scope"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite.All"], addressee="ordinary_target"), "seed", {403},
     "perm-other-needs-role"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite.All"], roles=["global_reader"], addressee="ordinary_target"), "seed",
     {403}, "perm-other-needs-role"),
    ("list", ctx(scopes=[f"{UAM}.Read.All"], roles=["global_reader"], addressee="ordinary_target"), "seed", {200},
     "perm-other-needs-role"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite.All"], roles=["authentication_administrator"],
                   addressee="ordinary_target"), "seed", {204}, "perm-other-needs-role"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite.All"], roles=["authentication_administrator"],
                   addressee="privileged_target"), "seed", {400, 403}, "perm-auth-admin-not-on-privileged"),
    ("update", ctx(scopes=[f"{UAM}.ReadWrite.All"], roles=["privileged_authentication_administrator"],
                   addressee="privileged_target"), "seed", {204}, "perm-other-needs-role"),
    ("update", ctx(scopes=[f"{PHONE}.ReadWrite.All"], roles=["global_administrator"], addressee="ordinary_target"),
     "seed", {204, 403}, "perm-other-needs-all-scope"),
    ("update", ctx(scopes=[f"{PHONE}.ReadWrite.All"], addressee="ordinary_target"), "seed", {403},
     "perm-other-needs-all-scope"),
    ("update", ctx(kind="application", app_roles=[f"{PHONE}.ReadWrite.All"], addressee="ordinary_target"), "seed",
     {204, 403}, "perm-app-needs-role"),
    ("update", ctx(scopes=[f"{PHONE}.ReadWrite.All"], roles=["global_administrator"], addressee="ordinary_target"),
     "current", {204}, "perm-other-needs-role"),
    ("update", ctx(kind="application", app_roles=[f"{UAM}.ReadWrite.All"], addressee="me"), "seed", {400},
     "perm-app-on-me-400"),
    ("update", ctx(kind="application", app_roles=[f"{UAM}.Read.All"], addressee="ordinary_target"), "seed", {403},
     "perm-app-needs-role"),
    ("get", ctx(kind="application", app_roles=[f"{UAM}.Read.All"], addressee="privileged_target"), "seed", {200},
     "perm-app-needs-role"),
    ("get", ctx(kind="personal_account", scopes=[f"{UAM}.ReadWrite.All"]), "seed", {401, 403},
     "perm-personal-account-refused"),
    ("get", ctx(kind="expired", scopes=[f"{UAM}.ReadWrite.All"]), "current", {401}, "auth-expired-401"),
    ("enable", ctx(kind="none"), "seed", {401}, "auth-missing-401"),
    ("get", ctx(kind="empty"), "seed", {401}, "auth-missing-401"),
    ("update", ctx(kind="not_yet_valid", scopes=[f"{UAM}.ReadWrite.All"]), "seed", {401}, "auth-not-yet-valid-401"),
]



@pytest.mark.parametrize(("operation", "context", "edition", "statuses", "rule"), CASES)
def test_model_matches_the_contract(operation, context, edition, statuses, rule) -> None:
    expected = expected_outcome(operation, context, edition)
    assert set(expected.statuses) == statuses
    assert expected.rule == rule
    if statuses & {200, 201, 204} and len(statuses) > 1:
        assert expected.open, "a success beside a refusal is an open outcome"


def test_silence_is_open_and_documented_refusals_stay_asserted() -> None:
    """A family the seed pages do not name neither grants nor refuses; a documented refusal stays one."""
    phone_self = expected_outcome("list", ctx(scopes=[f"{PHONE}.Read"]), "seed")
    assert phone_self.open and phone_self.code == "accessDenied"
    no_role = expected_outcome("update", ctx(scopes=[f"{PHONE}.ReadWrite.All"], addressee="ordinary_target"), "seed")
    assert not no_role.open and no_role.statuses == {403}
    irrelevant = expected_outcome("list", ctx(scopes=["User.Read"]), "current")
    assert not irrelevant.open and irrelevant.statuses == {403}


def test_higher_permissions_imply_lower() -> None:
    assert granted_levels((f"{UAM}.ReadWrite.All",), "seed") == {"ReadWrite.All", "Read.All", "ReadWrite", "Read"}
    assert granted_levels((f"{PHONE}.Read",), "seed") == frozenset()
    assert granted_levels((f"{PHONE}.Read",), "current") == {"Read"}


def test_visibility_of_numbers() -> None:
    aa = ctx(scopes=[f"{UAM}.Read.All"], roles=["authentication_administrator"], addressee="ordinary_target")
    assert read_visibility(aa) == "masked"
    assert read_visibility(ctx(roles=["authentication_administrator"], addressee="me")) == "full"
    both = ctx(roles=["authentication_administrator", "global_reader"], addressee="ordinary_target")
    assert read_visibility(both) == "either"


@given(context=permission_contexts())
def test_model_is_total_over_drawn_contexts(context) -> None:
    """Every drawn context gets an answer for every operation in both editions, never an exception."""
    for edition in ("seed", "current"):
        for operation in OPERATIONS:
            expected = expected_outcome(operation, context, edition)
            assert expected.statuses and expected.rule


def test_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError):
        expected_outcome("patch", ctx(), "seed")


def test_an_authentication_administrators_read_of_an_admin_is_open_and_a_global_readers_is_not() -> None:
    """facts §4.3: the Authentication Administrator views non-admins only (the answer is [unk]); a Global
    Reader reads any user (D-rbac-r)."""
    def ctx(roles: tuple[str, ...], addressee: str) -> PermissionContext:
        return PermissionContext("delegated", scopes=("UserAuthenticationMethod.Read.All",), directory_roles=roles,
                                 addressee=addressee)

    for addressee in ("privileged_target", "privileged_auth_admin"):
        for op in ("list", "get"):
            e = expected_outcome(op, ctx(("authentication_administrator",), addressee), "seed")
            assert e.open and e.statuses == {200, 400, 403} and e.rule == "perm-auth-admin-not-on-privileged"
            assert read_visibility(ctx(("authentication_administrator",), addressee)) == "masked"
            reader = expected_outcome(op, ctx(("global_reader",), addressee), "current")
            assert reader.statuses == {200} and not reader.open and reader.rule == "perm-other-needs-role"
    plain = expected_outcome("list", ctx(("authentication_administrator",), "ordinary_target"), "seed")
    assert plain.statuses == {200} and not plain.open


@pytest.mark.parametrize(("kind", "rule"), [("unsigned", "auth-unsigned-401"), ("no_exp", "auth-no-exp-401"),
                                            ("audience_lookalike_host", "auth-wrong-audience-401"),
                                            ("audience_lookalike_path", "auth-wrong-audience-401")])
def test_rfc_8725_tokens_are_401(kind: str, rule: str) -> None:
    granted = PermissionContext(kind, scopes=("UserAuthenticationMethod.ReadWrite.All",),  # type: ignore[arg-type]
                                directory_roles=("privileged_authentication_administrator",),
                                addressee="ordinary_target")
    for op in OPERATIONS:
        e = expected_outcome(op, granted, "seed")
        assert (e.statuses, e.rule, e.code) == ({401}, rule, "InvalidAuthenticationToken")
