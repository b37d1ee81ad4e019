"""The rule model: what an operation must answer under a permission context, per spec edition.

One pure function, :func:`expected_outcome`, states the permission rules of the seed page and of the
facts file (§4) once. Tests compare a target's answer with it; they never restate the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

READS = frozenset({"list", "get"})
WRITES = frozenset({"create", "update", "delete", "enable", "disable"})
OPERATIONS = ("list", "get", "create", "update", "delete", "enable", "disable")
SELF_TARGETS = frozenset({"me", "self_id", "self_upn"})

SUCCESS_STATUS = {"list": 200, "get": 200, "create": 201, "update": 204, "delete": 204, "enable": 204,
                  "disable": 204}

PERSONAL_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"

READ_ROLES = frozenset({"global_reader", "authentication_administrator",
                        "privileged_authentication_administrator", "global_administrator"})
WRITE_ROLES = frozenset({"authentication_administrator", "privileged_authentication_administrator",
                         "global_administrator"})
UNRESTRICTED_WRITE_ROLES = frozenset({"privileged_authentication_administrator", "global_administrator"})

AUTH_FAILURE_RULES = {
    "none": "auth-missing-401",
    "malformed": "auth-malformed-401",
    "expired": "auth-expired-401",
    "bad_signature": "auth-bad-signature-401",
    "wrong_audience": "auth-wrong-audience-401",
}

FAMILIES = {"seed": ("UserAuthenticationMethod",),
            "current": ("UserAuthenticationMethod", "UserAuthMethod-Phone")}

# a permission grants itself and what it implies
_IMPLIES = {
    "ReadWrite.All": ("ReadWrite.All", "Read.All", "ReadWrite", "Read"),
    "Read.All": ("Read.All", "Read"),
    "ReadWrite": ("ReadWrite", "Read"),
    "Read": ("Read",),
}


class Context(Protocol):
    """What the model reads of a permission context (see ``strategies.permissions``)."""

    token_kind: str
    scopes: tuple[str, ...]
    app_roles: tuple[str, ...]
    directory_roles: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class Expected:
    """The statuses a conforming target may answer, the rule that decides, and an established code."""

    statuses: frozenset[int]
    rule: str
    code: str | None = None

    @property
    def allowed(self) -> bool:
        """True when the operation must succeed."""
        return all(200 <= s < 300 for s in self.statuses)


def granted_levels(permissions: tuple[str, ...], edition: str) -> frozenset[str]:
    """The permission levels (``Read``, ``ReadWrite.All``, ...) that ``permissions`` grant in ``edition``."""
    levels: set[str] = set()
    for perm in permissions:
        for family in FAMILIES[edition]:
            prefix = family + "."
            if perm.startswith(prefix) and perm[len(prefix):] in _IMPLIES:
                levels.update(_IMPLIES[perm[len(prefix):]])
    return frozenset(levels)


def expected_outcome(operation: str, ctx: Context, edition: str) -> Expected:
    """What ``operation`` must answer when called under ``ctx`` on a target of ``edition``.

    Assumes the request itself is well formed and the method it names exists (or, for create, is
    free), so that only authentication and authorization decide.
    """
    if operation not in SUCCESS_STATUS:
        raise ValueError(f"unknown operation {operation!r}")
    if edition not in FAMILIES:
        raise ValueError(f"unknown edition {edition!r}")
    ok = Expected(frozenset({SUCCESS_STATUS[operation]}), _success_rule(operation, ctx, edition))
    kind = ctx.token_kind
    if kind in AUTH_FAILURE_RULES:
        return Expected(frozenset({401}), AUTH_FAILURE_RULES[kind], "InvalidAuthenticationToken")
    if kind == "personal_account":
        return Expected(frozenset({401, 403}), "perm-personal-account-refused")
    write = operation in WRITES
    if kind == "application":
        if ctx.target == "me":
            return Expected(frozenset({400}), "perm-app-on-me-400", "BadRequest")
        levels = granted_levels(ctx.app_roles, edition)
        needed = "ReadWrite.All" if write else "Read.All"
        return ok if needed in levels else _denied("perm-app-needs-role")
    if kind != "delegated":
        raise ValueError(f"unknown token kind {kind!r}")
    levels = granted_levels(ctx.scopes, edition)
    roles = frozenset(ctx.directory_roles)
    if ctx.target in SELF_TARGETS:
        if write and edition == "current" and operation in {"create", "update"}:
            return _denied("perm-current-no-self-service")
        if write:
            return ok if "ReadWrite" in levels else _denied("perm-self-write")
        return ok if "Read" in levels else _denied("perm-self-read")
    if (write and "ReadWrite.All" not in levels) or (not write and "Read.All" not in levels):
        return _denied("perm-other-needs-all-scope")
    if not roles & (WRITE_ROLES if write else READ_ROLES):
        return _denied("perm-other-needs-role")
    if write and ctx.target == "privileged_user" and not roles & UNRESTRICTED_WRITE_ROLES:
        return _denied("perm-auth-admin-not-on-privileged")
    return ok


def read_visibility(ctx: Context) -> str:
    """How numbers must appear in a successful read under ``ctx``: ``full``, ``masked`` or ``either``.

    An Authentication Administrator reading another user sees masked numbers (facts §3); a Global
    Reader's view is not established, so a context holding both is ``either``.
    """
    roles = frozenset(ctx.directory_roles)
    if ctx.token_kind != "delegated" or ctx.target in SELF_TARGETS or roles & UNRESTRICTED_WRITE_ROLES:
        return "full"
    if "global_reader" in roles:
        return "either"
    return "masked" if "authentication_administrator" in roles else "full"


def _denied(rule: str) -> Expected:
    return Expected(frozenset({403}), rule, "accessDenied")


def _success_rule(operation: str, ctx: Context, edition: str) -> str:
    if ctx.token_kind == "application":
        return "perm-app-needs-role"
    if ctx.target in SELF_TARGETS:
        return "perm-self-write" if operation in WRITES else "perm-self-read"
    return "perm-other-needs-role"
