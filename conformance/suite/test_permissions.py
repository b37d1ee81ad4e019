"""Permissions and authentication: every operation under drawn contexts, against the rule model.

The expected answer comes from :func:`conformance.spec.model.expected_outcome` (one pure function per
edition). Each rule gets its own test, drawing the contexts in which that rule decides (and contexts
that must be allowed, so that a target that refuses too much fails too). Where the edition's pages
leave the answer open (a permission family they do not name, self-service in ``current``), the
answer is recorded as a ``permission-open`` observation and only its consistency is asserted.

The addressed user is named in every address form (object id, UPN, UPN in another case, ``%40``,
``/users('upn')``): drawn with the context, and rotated through the boundaries.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from conformance.spec.model import (
    AUTH_FAILURE_RULES,
    OPERATIONS,
    PRIVILEGED_ADDRESSEES,
    READS,
    SELF_ADDRESSEES,
    WRITES,
    expected_outcome,
    read_visibility,
)
from conformance.testing import (
    PER_CASE,
    GraphClient,
    Target,
    describe_context,
    describe_response,
    error_code,
    expect_error_code,
    expect_unchanged,
    fresh_number,
    snapshot,
    suite_settings,
)
from strategies.methods import PHONE_METHOD_IDS
from strategies.permissions import ADDRESS_FORMS, UPN_FORMS, PermissionContext, permission_contexts

OTHERS = ("ordinary_target", "privileged_target", "privileged_auth_admin")
"""Addressees other than the caller (a plain user, an admin, a privileged admin): the profile roles of the
users that stand for them."""
PRIVILEGED = tuple(sorted(PRIVILEGED_ADDRESSEES))
ALL_ADDRESSEES = (*sorted(SELF_ADDRESSEES), *OTHERS)

# rule -> (token kinds, addressees, operations) whose contexts the rule decides
PLAN: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "perm-self-read": (("delegated",), tuple(sorted(SELF_ADDRESSEES)), tuple(sorted(READS))),
    "perm-self-write": (("delegated",), tuple(sorted(SELF_ADDRESSEES)), tuple(sorted(WRITES))),
    "perm-other-needs-all-scope": (("delegated",), OTHERS, OPERATIONS),
    "perm-other-needs-role": (("delegated",), OTHERS, OPERATIONS),
    "perm-auth-admin-not-on-privileged": (("delegated",), PRIVILEGED, OPERATIONS),
    "perm-app-on-me-400": (("application",), ("me",), OPERATIONS),
    "perm-app-needs-role": (("application",), ("self_id", "self_upn", *OTHERS), OPERATIONS),
    "perm-personal-account-refused": (("personal_account",), ALL_ADDRESSEES, OPERATIONS),
    "perm-current-no-self-service": (("delegated",), tuple(sorted(SELF_ADDRESSEES)), ("create", "update")),
    "auth-missing-401": (("none", "empty"), ALL_ADDRESSEES, OPERATIONS),
    "auth-malformed-401": (("malformed",), ALL_ADDRESSEES, OPERATIONS),
    "auth-expired-401": (("expired",), ALL_ADDRESSEES, OPERATIONS),
    "auth-not-yet-valid-401": (("not_yet_valid",), ALL_ADDRESSEES, OPERATIONS),
    "auth-bad-signature-401": (("bad_signature",), ALL_ADDRESSEES, OPERATIONS),
    "auth-wrong-audience-401": (("wrong_audience", "audience_lookalike_host", "audience_lookalike_path"),
                                ALL_ADDRESSEES, OPERATIONS),
    "auth-unsigned-401": (("unsigned",), ALL_ADDRESSEES, OPERATIONS),
    "auth-no-exp-401": (("no_exp",), ALL_ADDRESSEES, OPERATIONS),
}

def _ctx(kind: str = "delegated", scopes: tuple[str, ...] = (), roles: tuple[str, ...] = (),
         app_roles: tuple[str, ...] = (), addressee: str = "ordinary_target") -> PermissionContext:
    return PermissionContext(token_kind=kind, scopes=scopes, app_roles=app_roles, directory_roles=roles,
                             addressee=addressee)


_RW, _R = ("UserAuthenticationMethod.ReadWrite",), ("UserAuthenticationMethod.Read",)
_RWA, _RA = ("UserAuthenticationMethod.ReadWrite.All",), ("UserAuthenticationMethod.Read.All",)
_PHONE_R, _PHONE_RW = ("UserAuthMethod-Phone.Read",), ("UserAuthMethod-Phone.ReadWrite",)
_PHONE_RWA = ("UserAuthMethod-Phone.ReadWrite.All",)
_PAA, _AA = ("privileged_authentication_administrator",), ("authentication_administrator",)
_GRANTED = _ctx(scopes=_RWA, roles=_PAA)


def _broken(kind: str) -> list[tuple[PermissionContext, str]]:
    """A token broken in one way whose claims would otherwise grant everything."""
    return [(replace(_GRANTED, token_kind=kind), op) for op in ("update", "list")]


BOUNDARIES: dict[str, list[tuple[PermissionContext, str]]] = {
    # the contexts one step either side of each rule's line, each sent on every run
    "perm-self-read": [(_ctx(addressee="me"), "list"), (_ctx(scopes=_R, addressee="self_upn"), "get"),
                       (_ctx(scopes=_PHONE_R, addressee="me"), "list")],
    "perm-self-write": [(_ctx(scopes=_R, addressee="me"), "delete"),
                        (_ctx(scopes=_RW, addressee="self_id"), "delete"),
                        (_ctx(scopes=_RW, addressee="me"), "disable"),
                        (_ctx(scopes=_PHONE_RW, addressee="me"), "delete")],
    "perm-other-needs-all-scope": [(_ctx(scopes=_RW, roles=_PAA), "update"), (_ctx(scopes=_R, roles=_PAA), "list"),
                                   (_ctx(scopes=_RWA, roles=_PAA), "update")],
    "perm-other-needs-role": [(_ctx(scopes=_RWA), "update"), (_ctx(scopes=_RWA, roles=("global_reader",)), "delete"),
                              (_ctx(scopes=_RWA, roles=_AA), "update"), (_ctx(scopes=_RA), "list"),
                              # a Global Reader reads any user, admins included (facts §4.3, D-rbac-r)
                              (_ctx(scopes=_RA, roles=("global_reader",), addressee="privileged_target"), "list")],
    "perm-auth-admin-not-on-privileged": [(_ctx(scopes=_RWA, roles=_AA, addressee="privileged_target"), "update"),
                                          (_ctx(scopes=_RWA, roles=_PAA, addressee="privileged_target"), "update"),
                                          # facts §4.3: viewing admins is not the role's; status recorded
                                          (_ctx(scopes=_RA, roles=_AA, addressee="privileged_auth_admin"), "get")],
    "perm-app-on-me-400": [(_ctx("application", app_roles=_RWA, addressee="me"), "update")],
    "perm-app-needs-role": [(_ctx("application"), "update"), (_ctx("application", app_roles=_RA), "delete"),
                            (_ctx("application", app_roles=_RWA), "update"),
                            (_ctx("application", app_roles=_PHONE_RWA), "update")],
    "perm-personal-account-refused": _broken("personal_account"),
    "perm-current-no-self-service": [(_ctx(scopes=_RWA, roles=_PAA, addressee="me"), "update"),
                                     (_ctx(scopes=_RW, addressee="self_id"), "create"),
                                     (_ctx(scopes=_RW, addressee="me"), "update")],
}
for _kind, _rule in AUTH_FAILURE_RULES.items():
    # a second way to break the same rule (a look-alike audience) is sent once, on a write
    BOUNDARIES.setdefault(_rule, []).extend(_broken(_kind) if _rule not in BOUNDARIES else _broken(_kind)[:1])


SMOKE: set[str] = set()  # the smoke plan's permission denial is test_http's 403 case


def address_form(addressee: str, form: str) -> str:
    """The address form a request uses for ``addressee`` when ``form`` was drawn: ``/me`` is itself,
    ``self_id`` names the caller by id, ``self_upn`` by a UPN form; the others take ``form`` as it is."""
    if addressee == "me":
        return "me"
    if addressee == "self_id":
        return "id"
    if addressee == "self_upn":
        return form if form in UPN_FORMS else UPN_FORMS[ADDRESS_FORMS.index(form) % len(UPN_FORMS)]
    return form


def _addressed(target: Target, user_of, ctx, caller, form: str = "id"):
    """The user a context's addressee names, and the path prefix that addresses them in ``form``."""
    how = address_form(ctx.addressee, form)
    if ctx.addressee in SELF_ADDRESSEES:
        return caller, GraphClient.user_prefix(how, caller)
    user = user_of(ctx.addressee)  # the other addressees are profile roles
    return user, GraphClient.user_prefix(how, user)


def _send(target: Target, operation: str, prefix: str, token: str | None, me) -> object:
    c, mobile, office = target.client, PHONE_METHOD_IDS["mobile"], PHONE_METHOD_IDS["office"]
    if operation == "list":
        return c.list(prefix, token)
    if operation == "get":
        return c.get(prefix, mobile, token)
    if operation == "create":
        return c.create(prefix, {"phoneNumber": fresh_number(), "phoneType": "office"}, token, me=me)
    if operation == "update":
        return c.update(prefix, mobile, {"phoneNumber": fresh_number()}, token, me=me)
    if operation == "delete":
        return c.delete(prefix, office, token, me=me)
    return c.action(prefix, mobile, "enableSmsSignIn" if operation == "enable" else "disableSmsSignIn", token, me=me)


def _params():
    for rule in PLAN:
        marks = [pytest.mark.rule(rule)] + ([pytest.mark.smoke] if rule in SMOKE else [])
        yield pytest.param(rule, marks=marks, id=rule)


@pytest.mark.parametrize("rule", list(_params()))
@suite_settings(PER_CASE)
@given(data=st.data())
def test_operation_under_context_matches_the_rule_model(target: Target, user_of, observe, rule, data) -> None:
    """The target answers what the rule model says; a refusal changes nothing; a success takes effect.

    Under the budget plan the boundaries below already send each rule's edges once; this draws few contexts.
    """
    kinds, addressees, operations = PLAN[rule]
    drawn = st.tuples(permission_contexts(token_kinds=list(kinds), addressees=list(addressees)),
                      st.sampled_from(operations))
    ctx, operation = data.draw(drawn, label="context, operation")
    expected = expected_outcome(operation, ctx, target.edition)
    assume(expected.rule == rule or expected.allowed)
    form = data.draw(st.sampled_from(ADDRESS_FORMS), label="address form")
    _check(target, user_of, observe, ctx, operation, lambda why: assume(False), form)


def _boundary_params():
    n_all = 0
    for rule, cases in BOUNDARIES.items():
        for n, (ctx, operation) in enumerate(cases):
            form = ADDRESS_FORMS[n_all % len(ADDRESS_FORMS)]  # the boundaries between them use every form
            n_all += 1
            yield pytest.param(rule, ctx, operation, form, marks=[pytest.mark.rule(rule)], id=f"{rule}-{n}")


@pytest.mark.parametrize(("rule", "ctx", "operation", "form"), list(_boundary_params()))
def test_boundary_context_matches_the_rule_model(target: Target, user_of, observe, rule, ctx, operation,
                                                 form) -> None:
    """Each context one step either side of a rule's line, sent on every run: the rule model's answer."""
    _check(target, user_of, observe, ctx, operation, pytest.skip, form)


def _check(target: Target, user_of, observe, ctx: PermissionContext, operation: str, give_up,
           form: str = "id") -> None:
    """Send ``operation`` under ``ctx`` (the user named in address ``form``) and compare with the rule model
    (``give_up(reason)`` when it can't run)."""
    expected = expected_outcome(operation, ctx, target.edition)
    if not target.provider.supports(ctx):
        pytest.skip(f"the profile's tokens cannot stand for {describe_context(ctx)}")
    if ctx.addressee == "privileged_auth_admin" and not target.provider.can_mint:
        give_up("the privileged administrator sets up and reads back: a token provider that cannot sign in "
                "another administrator cannot address them")
    caller = target.provider.subject(ctx, user_of("caller"))
    user, prefix = _addressed(target, user_of, ctx, caller, form)
    if operation == "enable" and not user.sms_sign_in:
        give_up(f"{user.key} is not enabled for SMS sign-in")
    target.ensure(user, ("mobile",) if operation == "create" else ("mobile", "office"))
    before = snapshot(target, user)
    r = _send(target, operation, prefix, target.token(ctx, caller), caller)
    where = (f"{operation} {prefix} as [{describe_context(ctx)}] in edition {target.edition} "
             f"({expected.rule})")
    observe("permission", rule=expected.rule, operation=operation, context=describe_context(ctx),
            expected=sorted(expected.statuses), status=r.status_code, open=expected.open)  # the report's matrix
    # allowed is this rule's claim; which 2xx is create-201's, update-204's, delete-204's (read back below)
    allowed = all(200 <= s < 300 for s in expected.statuses) and 200 <= r.status_code < 300
    assert allowed or r.status_code in expected.statuses, (
        f"{where}: expected {sorted(expected.statuses)}, got {describe_response(r)}")
    if r.status_code == 401:
        observe("www-authenticate", present="WWW-Authenticate" in r.headers)
    if expected.open or len(expected.statuses) > 1:
        observe("permission-open", rule=expected.rule, operation=operation, context=describe_context(ctx),
                edition=target.edition, status=r.status_code, code=error_code(r))
    if not 200 <= r.status_code < 300:
        expect_error_code(r, expected.code)  # the envelope's shape is error-envelope's
        expect_unchanged(target, user, before, where)
        return
    _expect_effect(target, user, operation, before, r, read_visibility(ctx), where)


def _expect_effect(target: Target, user, operation: str, before, response, visibility: str, where: str) -> None:
    after = snapshot(target, user)
    if operation in READS:
        items = response.json().get("value", []) if operation == "list" else [response.json()]
        shown = {i.get("phoneType"): i.get("phoneNumber") for i in items}
        full = {t: v["phoneNumber"] for t, v in before.items()}
        if operation == "get":
            full = {"mobile": full["mobile"]}
        if visibility == "full":
            assert shown == full, f"{where}: read {shown}, the user holds {full}"
            return
        assert set(shown) == set(full), f"{where}: read the types {sorted(shown)}, the user holds {sorted(full)}"
        if visibility == "masked":
            assert not any(reveals(shown[t], full[t]) for t in full), (
                f"{where}: an Authentication Administrator must not see the full numbers, saw {shown}")
        return
    changed = {
        "create": lambda: "office" in after and "office" not in before,
        "update": lambda: after["mobile"]["phoneNumber"] != before["mobile"]["phoneNumber"],
        "delete": lambda: "office" not in after,
        "enable": lambda: after["mobile"].get("smsSignInState") in {"ready", "phoneNumberNotUnique"},
        "disable": lambda: after["mobile"].get("smsSignInState") == "notEnabled",
    }[operation]
    assert changed(), f"{where}: answered {response.status_code} but the change is not there: {after}"


def reveals(shown: object, number: str) -> bool:
    """True when a read shows ``number`` in full: as sent, or its national digits all in a row.

    The facts say an Authentication Administrator sees masked numbers, not how they look: anything
    that does not give the whole number away passes.
    """
    if not isinstance(shown, str):
        return False
    national = number.partition(" ")[2].partition("x")[0]
    digits = "".join(ch for ch in shown if ch.isdigit())
    return shown == number or (bool(national) and national in digits)


@pytest.mark.rule("perm-masked-numbers-auth-admin")
@pytest.mark.parametrize("operation", ["list", "get"])
def test_authentication_administrator_sees_masked_numbers(target: Target, user_of, observe, operation) -> None:
    """An Authentication Administrator listing or getting another user's method does not see the full number.

    Asserted: the method is there and its number is not given away; the shape shown is recorded.
    """
    ctx = PermissionContext(token_kind="delegated", scopes=("UserAuthenticationMethod.Read.All",), app_roles=(),
                            directory_roles=("authentication_administrator",), addressee="ordinary_target")
    if not target.provider.supports(ctx):
        pytest.skip(f"the profile's tokens cannot stand for {describe_context(ctx)}")
    user = user_of("ordinary_target")
    number = fresh_number()
    target.reset(user, {"mobile": number})
    admin = target.provider.subject(ctx, user_of("auth_admin"))
    prefix, token = GraphClient.user_prefix("id", user), target.token(ctx, admin)
    if operation == "list":
        r = target.client.list(prefix, token)
    else:
        r = target.client.get(prefix, PHONE_METHOD_IDS["mobile"], token)
    assert r.status_code == 200, f"an Authentication Administrator's {operation} of another user: {r.status_code}"
    items = r.json().get("value", []) if operation == "list" else [r.json()]
    shown = [i.get("phoneNumber") for i in items if i.get("phoneType") == "mobile"]
    assert shown, f"an Authentication Administrator's {operation} shows no mobile: {items}"
    observe("masked-number", operation=operation, shape="".join("9" if c.isdigit() else c for c in str(shown[0])))
    assert not any(reveals(v, number) for v in shown), (
        f"an Authentication Administrator's {operation} shows the full number: {shown}")
