"""The ways to address a user: /me, /users/{id}, /users/{userPrincipalName} (as written, in another case,
%40-encoded) and /users('{userPrincipalName}'), each by every kind of caller on every kind of user."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from conformance.spec.model import expected_outcome, read_visibility
from conformance.testing import (
    GraphClient,
    Target,
    describe_context,
    error_code,
    expect_number,
    expect_status,
    fresh_number,
    snapshot,
)
from strategies.methods import PHONE_METHOD_IDS
from strategies.permissions import ADDRESS_FORMS, PermissionContext, pairwise_rows

MOBILE = PHONE_METHOD_IDS["mobile"]


def _numbers_of(response) -> dict[str, str]:
    return {i["phoneType"]: i["phoneNumber"] for i in response.json()["value"]}


@pytest.mark.rule("addr-me")
@pytest.mark.parametrize("signed_in", ["caller", "ordinary_target"])
def test_me_reads_and_writes_the_signed_in_user(target: Target, user_of, signed_in) -> None:
    """/me lists the signed-in user's own methods (and, in the seed edition, updates them), nobody else's.

    Run for two different signed-in users, so that an implementation resolving /me to a fixed user fails.
    """
    me = user_of(signed_in)
    other = user_of("ordinary_target" if signed_in == "caller" else "caller")
    mine, theirs = fresh_number(), fresh_number()
    target.reset(me, {"mobile": mine})
    target.reset(other, {"mobile": theirs})
    token = target.self_token(me)
    r = target.client.list("/me", token)
    expect_status(r, 200, "listing /me")
    assert _numbers_of(r) == {"mobile": mine}, f"/me listed {_numbers_of(r)}, {me.key} holds mobile {mine}"
    r = target.client.get("/me", MOBILE, token)
    expect_status(r, 200, "getting /me's mobile")
    assert r.json().get("phoneNumber") == mine, f"/me's mobile is not {me.key}'s"
    if target.edition == "seed":
        new = fresh_number()
        r = target.client.update("/me", MOBILE, {"phoneNumber": new}, token, me=me)
        expect_status(r, 204, "updating /me's mobile")
        expect_number(target, me, "mobile", new, "after PATCH /me")
        expect_number(target, other, "mobile", theirs, "another user after PATCH /me")


CALLERS = {
    # a caller context of each kind: who may act on whom is the rule model's business
    "privileged_auth_admin": PermissionContext("delegated", scopes=("UserAuthenticationMethod.ReadWrite.All",),
                                               directory_roles=("privileged_authentication_administrator",)),
    "auth_admin": PermissionContext("delegated", scopes=("UserAuthenticationMethod.ReadWrite.All",),
                                    directory_roles=("authentication_administrator",)),
    "global_reader": PermissionContext("delegated", scopes=("UserAuthenticationMethod.Read.All",),
                                       directory_roles=("global_reader",)),
    "no_role": PermissionContext("delegated", scopes=("UserAuthenticationMethod.ReadWrite.All",)),
    "plain_user": PermissionContext("delegated", scopes=("UserAuthenticationMethod.ReadWrite",)),
    "application": PermissionContext("application", app_roles=("UserAuthenticationMethod.ReadWrite.All",)),
}
ADDRESSEE_KINDS = ("ordinary_target", "privileged_target", "privileged_auth_admin", "self")
"""A plain user, an admin, a privileged admin, the caller itself."""

DECISIVE = [{"caller": "auth_admin", "form": form, "addressee": "privileged_target", "operation": "update"}
            for form in ADDRESS_FORMS]
"""The refusal that depends on who the addressed user is (an Authentication Administrator writing to an admin),
under every address form: a check that looks the user up one way only shows here."""

ROWS = pairwise_rows([("caller", tuple(CALLERS)), ("form", ADDRESS_FORMS), ("addressee", ADDRESSEE_KINDS),
                      ("operation", ("get", "update"))], required=DECISIVE)
"""Every pair of (caller, address form, addressee kind, operation) values at least once."""


def _context(row: dict[str, str]) -> PermissionContext:
    addressee = row["addressee"]
    if addressee == "self":
        addressee = "self_id" if row["form"] == "id" else "self_upn"
    return replace(CALLERS[row["caller"]], addressee=addressee)


def _rules(row: dict[str, str]) -> list[str]:
    ctx = _context(row)
    decided = {expected_outcome(row["operation"], ctx, edition).rule for edition in ("seed", "current")}
    return sorted(decided | {"addr-user-id" if row["form"] == "id" else "addr-user-upn"})


def _row_params():
    for row in ROWS:
        name = "-".join(row.values())
        yield pytest.param(row, id=name, marks=[pytest.mark.rule(*_rules(row))])


@pytest.mark.parametrize("row", list(_row_params()))
def test_every_address_form_reaches_the_addressed_user_only(target: Target, user_of, observe, row) -> None:
    """A read or a write through each address form (id, UPN, UPN in another case, %40, /users('upn')) by
    each kind of caller on each kind of user answers what the rule model says, for that user only.

    Another user's mobile (the same method id: ids are the same for every user) is read just before, so
    an answer keyed by the method id alone shows; a write changes the addressed user and no neighbour;
    a refusal changes nothing.
    """
    ctx = _context(row)
    if not target.provider.supports(ctx):
        pytest.skip(f"the profile's tokens cannot stand for {describe_context(ctx)}")
    if ctx.addressee == "privileged_auth_admin" and not target.provider.can_mint:
        pytest.skip("the privileged administrator sets up and reads back: only a minting provider can address them")
    caller = target.provider.subject(ctx, user_of("caller"))
    user = caller if ctx.addressee in ("self_id", "self_upn") else user_of(ctx.addressee)
    neighbour = user_of("ordinary_target" if user.id != user_of("ordinary_target").id else "privileged_target")
    if target.frugal:  # the budget plan: keep the (fresh, distinct) numbers the users already hold
        target.ensure(neighbour, ("mobile",))
        target.ensure(user, ("mobile",))
        mine, theirs = target.numbers(user)["mobile"], target.numbers(neighbour)["mobile"]
        if mine == theirs:
            theirs = fresh_number()
            target.reset(neighbour, {"mobile": theirs})
    else:
        mine, theirs = fresh_number(), fresh_number()
        target.reset(neighbour, {"mobile": theirs})
        target.reset(user, {"mobile": mine})
    before = {u.key: snapshot(target, u) for u in (user, neighbour)}
    prefix = GraphClient.user_prefix(row["form"], user)
    expected = expected_outcome(row["operation"], ctx, target.edition)
    where = (f"{row['operation']} {prefix} as [{describe_context(ctx)}] in edition {target.edition} "
             f"({expected.rule})")
    r = target.client.get(GraphClient.user_prefix("id", neighbour), MOBILE, target.admin_token(neighbour))
    expect_status(r, 200, f"reading {neighbour.key}'s mobile first")
    token = target.token(ctx, caller)
    if row["operation"] == "get":
        r = target.client.get(prefix, MOBILE, token)
    else:
        new = fresh_number()
        r = target.client.update(prefix, MOBILE, {"phoneNumber": new}, token, me=caller)
    expect_status(r, expected.statuses, where)
    if expected.open or len(expected.statuses) > 1:
        observe("permission-open", rule=expected.rule, operation=row["operation"], context=describe_context(ctx),
                edition=target.edition, status=r.status_code, code=error_code(r))
    if not 200 <= r.status_code < 300:
        for u in (user, neighbour):
            assert snapshot(target, u) == before[u.key], f"{where}: a refused request changed {u.key}"
        return
    if row["operation"] == "get":
        shown = r.json().get("phoneNumber")
        assert shown != theirs, f"{where}: answered {neighbour.key}'s mobile {theirs}, the user read just before"
        if read_visibility(ctx) == "full":
            assert shown == mine, f"{where}: read {shown!r}, {user.key} holds {mine}"
        return
    expect_number(target, user, "mobile", new, where)
    assert snapshot(target, neighbour) == before[neighbour.key], f"{where}: changed {neighbour.key} too"


def _unknown_name(who: str, known) -> str:
    """A user key no user has: fresh, or one step from a known user's id or UPN."""
    if who == "guid":
        return str(uuid.uuid4())
    if who == "upn":
        return f"nobody-{uuid.uuid4().hex[:8]}@example.invalid"
    if who == "known-local-part":  # a known user's name before @, at a domain no user has
        return known.upn.partition("@")[0] + "@example.invalid"
    last = known.id[-1].lower()  # a known object id with its last hex digit changed
    return known.id[:-1] + ("0" if last != "0" else "1")


@pytest.mark.readonly
@pytest.mark.rule("user-unknown-404")
@pytest.mark.parametrize("who", ["guid", "upn", "known-local-part", "near-id"])
def test_unknown_user_answers_404(target: Target, user_of, observe, who) -> None:
    """An unknown user answers 404 for list and get: a fresh GUID or UPN, and names one step from a known
    user's (its UPN's part before @ at another domain, its id with one digit changed), which must not
    resolve to that user."""
    name = _unknown_name(who, user_of("ordinary_target"))
    token = target.admin_token()
    for r in (target.client.list(f"/users/{name}", token), target.client.get(f"/users/{name}", MOBILE, token)):
        expect_status(r, 404, f"an unknown user ({who}: {name})")
        observe("unknown-user", status=r.status_code, code=error_code(r))
