"""The permission matrix of contract §5 in both editions, over real HTTP.

Two layers: a hand-written table of the matrix's notable cells, and the whole matrix (callers × scopes ×
targets × operations) checked against a small oracle written from the contract's table.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from emukit import (
    AUTH_ADMIN,
    GLOBAL_ADMIN,
    GLOBAL_READER,
    HELPDESK_ADMIN,
    MOBILE_ID,
    OFFICE_ID,
    PHONE,
    PRIV_AUTH_ADMIN,
    UAM,
    USERS,
)

OPS = ("list", "get", "create", "update", "delete", "enable", "disable")
WRITES = frozenset(OPS) - {"list", "get"}
SUCCESS = {"list": 200, "get": 200, "create": 201, "update": 204, "delete": 204, "enable": 204,
           "disable": 204}
SELF_TARGETS = ("me", "self-id", "self-upn")
TARGET_USERS = {"other": "alex", "privileged": "henrietta", "manageable": "paula", "custom-role": "chris"}
NUMBERS = {key: (f"+1 425555{i:04d}", f"+1 425666{i:04d}") for i, key in enumerate(USERS)}


def target_user(caller: str, target: str) -> str:
    return caller if target in SELF_TARGETS else TARGET_USERS[target]


def address(caller: str, target: str) -> str:
    if target == "me":
        return "me"
    user = USERS[target_user(caller, target)]
    return user["upn"].upper() if target == "self-upn" else user["id"]


def prepare(api: Any, who: str, op: str) -> None:
    """Put ``who`` in a state where ``op`` succeeds when permitted (through the directory's own rules)."""
    admin = api.admin_token
    phones = api.phones(who)
    if op in ("list", "get", "update", "enable", "disable") and "mobile" not in phones:
        assert api.create(who, {"phoneNumber": NUMBERS[who][0], "phoneType": "mobile"}, admin).ok
    if op == "create" and "office" in phones:
        assert api.delete(who, OFFICE_ID, admin).status_code == 204
    if op == "delete" and "office" not in phones:
        assert api.create(who, {"phoneNumber": NUMBERS[who][0], "phoneType": "office"}, admin).ok


def perform(api: Any, token: str, caller: str, target: str, op: str, *, prepare_state: bool = True) -> int:
    """Run ``op`` as ``token`` against ``target`` (relative to ``caller``) and return the status."""
    who = address(caller, target)
    holder = None if caller == "app" and target == "me" else target_user(caller, target)
    if prepare_state and holder is not None:
        prepare(api, holder, op)
    new_number = "+1 4255550100"
    if holder is not None:
        first, second = NUMBERS[holder]
        new_number = second if api.phones(holder).get("mobile", {}).get("phoneNumber") == first else first
    return {
        "list": lambda: api.list(who, token),
        "get": lambda: api.get(who, MOBILE_ID, token),
        "create": lambda: api.create(who, {"phoneNumber": "+1 4255550199", "phoneType": "office"}, token),
        "update": lambda: api.patch(who, MOBILE_ID, {"phoneNumber": new_number}, token),
        "delete": lambda: api.delete(who, OFFICE_ID, token),
        "enable": lambda: api.enable(who, MOBILE_ID, token),
        "disable": lambda: api.disable(who, MOBILE_ID, token),
    }[op]().status_code


def token_for(mint: Any, caller: str, grants: str) -> str:
    """A delegated token for ``caller`` with space-separated scopes, or an app token with those roles."""
    if caller == "app":
        return mint(app_roles=grants.split())
    return mint(caller, scopes=grants)


# -- the oracle: contract §5 written out -------------------------------------------------------------

_IMPLIED = {"Read": ("Read", "ReadWrite", "Read.All", "ReadWrite.All"),
            "ReadWrite": ("ReadWrite", "ReadWrite.All"),
            "Read.All": ("Read.All", "ReadWrite.All"),
            "ReadWrite.All": ("ReadWrite.All",)}


def expected(edition: str, caller: str, grants: str, target: str, op: str) -> int:
    """The status contract §5 prescribes."""
    families = (UAM,) if edition == "seed" else (UAM, PHONE)
    granted = set(grants.split())
    write = op in WRITES

    def holds(level: str) -> bool:
        return any(f"{family}.{implied}" in granted for family in families for implied in _IMPLIED[level])

    ok = SUCCESS[op]
    if caller == "app":
        if target == "me":
            return 400
        return ok if holds("ReadWrite.All" if write else "Read.All") else 403
    if target in SELF_TARGETS:
        if edition == "current" and op in ("create", "update"):
            return 403
        return ok if holds("ReadWrite" if write else "Read") else 403
    roles = set(USERS[caller].get("roles", []))
    if not holds("ReadWrite.All" if write else "Read.All"):
        return 403
    if not write:
        return ok if roles & {GLOBAL_READER, AUTH_ADMIN, PRIV_AUTH_ADMIN, GLOBAL_ADMIN} else 403
    if not roles & {AUTH_ADMIN, PRIV_AUTH_ADMIN, GLOBAL_ADMIN}:
        return 403
    if not roles & {PRIV_AUTH_ADMIN, GLOBAL_ADMIN} and target in ("privileged", "custom-role"):
        return 403
    return ok


# -- hand-written cells -------------------------------------------------------------------------------

R, RW, RA, RWA = (f"{UAM}.Read", f"{UAM}.ReadWrite", f"{UAM}.Read.All", f"{UAM}.ReadWrite.All")
PR, PRW, PRA, PRWA = (f"{PHONE}.Read", f"{PHONE}.ReadWrite", f"{PHONE}.Read.All", f"{PHONE}.ReadWrite.All")

CELLS = [
    # edition, caller, scopes/roles, target, op, status
    ("seed", "adele", R, "me", "list", 200),
    ("seed", "adele", R, "me", "get", 200),
    ("seed", "adele", R, "me", "create", 403),
    ("seed", "adele", RW, "me", "create", 201),
    ("seed", "adele", RW, "me", "update", 204),
    ("seed", "adele", RW, "self-id", "update", 204),
    ("seed", "adele", RW, "self-upn", "delete", 204),
    ("seed", "adele", RW, "me", "enable", 204),
    ("seed", "adele", "", "me", "list", 403),
    ("seed", "adele", PRW, "me", "list", 403),  # the granular family does not exist in seed
    ("seed", "adele", RWA, "other", "list", 403),  # no directory role
    ("seed", "adele", RWA, "other", "update", 403),
    ("seed", "gina", RA, "other", "get", 200),
    ("seed", "gina", RWA, "other", "update", 403),  # Global Reader can't write
    ("seed", "aaron", RWA, "other", "create", 201),
    ("seed", "aaron", RWA, "manageable", "delete", 204),
    ("seed", "aaron", RWA, "privileged", "update", 403),
    ("seed", "aaron", RWA, "custom-role", "enable", 403),
    ("seed", "aaron", RA, "privileged", "list", 200),  # reading is not restricted by the target's roles
    ("seed", "aaron", RW, "other", "update", 403),  # .ReadWrite is not .All
    ("seed", "patti", RWA, "privileged", "update", 204),
    ("seed", "patti", RA, "other", "update", 403),
    ("seed", "grady", RWA, "custom-role", "delete", 204),
    ("seed", "hank", RWA, "other", "list", 403),  # Helpdesk Administrator is not a reading role
    ("seed", "app", RA, "other", "list", 200),
    ("seed", "app", RA, "other", "update", 403),
    ("seed", "app", RWA, "privileged", "delete", 204),
    ("seed", "app", RW, "other", "get", 403),  # application roles are always .All
    ("seed", "app", RWA, "me", "list", 400),
    ("seed", "app", PRWA, "other", "list", 403),
    ("current", "adele", RWA, "me", "create", 403),  # not self-service, whatever the scope
    ("current", "adele", RW, "self-upn", "update", 403),
    ("current", "grady", RWA, "me", "update", 403),  # ... or the role
    ("current", "adele", RW, "me", "delete", 204),
    ("current", "adele", PRW, "me", "disable", 204),
    ("current", "adele", PR, "me", "list", 200),
    ("current", "adele", PRW, "self-id", "get", 200),
    ("current", "patti", PRWA, "other", "create", 201),
    ("current", "aaron", PRWA, "privileged", "create", 403),
    ("current", "gina", PRA, "other", "list", 200),
    ("current", "app", PRWA, "other", "update", 204),
    ("current", "app", PRA, "other", "get", 200),
    ("current", "app", PRA, "other", "delete", 403),
]


@pytest.mark.parametrize(("edition", "caller", "grants", "target", "op", "status"), CELLS,
                         ids=[f"{c[0]}-{c[1]}-{c[2] or 'none'}-{c[3]}-{c[4]}" for c in CELLS])
def test_matrix_cell(start: Any, mint_token: Any, edition: str, caller: str, grants: str, target: str,
                     op: str, status: int) -> None:
    api = start(edition=edition)
    api.admin_token = mint_token(app_roles=[RWA])
    assert expected(edition, caller, grants, target, op) == status, "the oracle disagrees with the table"
    token = token_for(mint_token, caller, grants)
    assert perform(api, token, caller, target, op) == status
    if status >= 400:
        prepared = api.snapshot()
        assert perform(api, token, caller, target, op, prepare_state=False) == status
        assert api.snapshot() == prepared, "a refused request changed state"


# -- the whole matrix ---------------------------------------------------------------------------------

DELEGATED_CALLERS = ("adele", "aaron", "patti", "grady", "gina", "hank")
DELEGATED_GRANTS = ("", R, RW, RA, RWA, PR, PRW, PRA, PRWA, f"{R} {PRWA}")
APP_GRANTS = ("", RA, RWA, PRA, PRWA, RW)
DELEGATED_TARGETS = ("me", "self-upn", "other", "privileged", "manageable")
APP_TARGETS = ("me", "other", "privileged")

GROUPS = [(e, c, g) for e in ("seed", "current") for c in DELEGATED_CALLERS for g in DELEGATED_GRANTS]
GROUPS += [(e, "app", g) for e in ("seed", "current") for g in APP_GRANTS]


@pytest.fixture(scope="module")
def editions(module_start: Any, mint_token: Any) -> dict[str, Any]:
    """One emulator per edition, shared by the whole-matrix tests (each check prepares its own state)."""
    apis = {edition: module_start(edition=edition) for edition in ("seed", "current")}
    for api in apis.values():
        api.admin_token = mint_token(app_roles=[RWA])
    return apis


@pytest.mark.parametrize(("edition", "caller", "grants"), GROUPS,
                         ids=[f"{e}-{c}-{g.replace(' ', '+') or 'none'}" for e, c, g in GROUPS])
def test_whole_matrix(editions: dict[str, Any], mint_token: Any, edition: str, caller: str,
                      grants: str) -> None:
    api = editions[edition]
    token = token_for(mint_token, caller, grants)
    targets = APP_TARGETS if caller == "app" else DELEGATED_TARGETS
    mismatches = []
    for target, op in itertools.product(targets, OPS):
        want = expected(edition, caller, grants, target, op)
        got = perform(api, token, caller, target, op, prepare_state=want < 400)
        if got != want:
            mismatches.append(f"{target}/{op}: got {got}, want {want}")
    assert not mismatches, "\n".join(mismatches)


def test_helpdesk_role_id_is_what_the_profile_gives_henrietta() -> None:
    assert USERS["henrietta"]["roles"] == [HELPDESK_ADMIN]
