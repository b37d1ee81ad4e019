"""The rule model: what an operation must answer under a permission context, per spec edition.

One pure function, :func:`expected_outcome`, states the permission rules of the seed page and of the
facts file (§4) once. Tests compare a target's answer with it; they never restate the rules.

It asserts only what an edition's pages state. Where they are silent, it considers every reading a
correct implementation may take and, when the readings disagree, returns an *open* outcome: any of
their answers is conforming, the test records which one came back (like the gray zone) and asserts
only consistency (a refusal changes nothing, a success takes effect). Two silences are modelled:

* a permission family a later page documents but this edition's pages do not name
  (``UserAuthMethod-Phone.*`` in edition ``seed``): it may grant like its documented twin, or not;
* self-service create and update in edition ``current``: the pages say they are not supported, the
  service's answer is not established (facts §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

READS = frozenset({"list", "get"})
WRITES = frozenset({"create", "update", "delete", "enable", "disable"})
OPERATIONS = ("list", "get", "create", "update", "delete", "enable", "disable")
SELF_ADDRESSEES = frozenset({"me", "self_id", "self_upn"})
PRIVILEGED_ADDRESSEES = frozenset({"privileged_target", "privileged_auth_admin"})
"""Other users holding a role outside the list an Authentication Administrator may manage (facts §4.3)."""

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
    "empty": "auth-missing-401",
    "malformed": "auth-malformed-401",
    "expired": "auth-expired-401",
    "not_yet_valid": "auth-not-yet-valid-401",
    "bad_signature": "auth-bad-signature-401",
    "wrong_audience": "auth-wrong-audience-401",
    "audience_lookalike_host": "auth-wrong-audience-401",
    "audience_lookalike_path": "auth-wrong-audience-401",
    "unsigned": "auth-unsigned-401",
    "no_exp": "auth-no-exp-401",
}

FAMILIES = {"seed": ("UserAuthenticationMethod",),
            "current": ("UserAuthenticationMethod", "UserAuthMethod-Phone")}
"""The permission families each edition's pages document."""

UNDOCUMENTED_FAMILIES = {"seed": ("UserAuthMethod-Phone",), "current": ()}
"""Families later pages document but an edition's pages do not name: they neither grant nor refuse there."""

REFUSAL_OPEN_STATUSES = frozenset({400, 403})
"""Refusals whose status the facts leave open ([unk]): self-service in ``current``, an Authentication
Administrator on a privileged user (facts §4.3, §8)."""

PRIVILEGED_READ_STATUSES = frozenset({200, 400, 403})
"""An Authentication Administrator reading a privileged user: the role description allows viewing
non-admin users only, the service's answer is [unk] (facts §4.3): refused, or masked numbers."""

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
    addressee: str


@dataclass(frozen=True)
class Expected:
    """The statuses a conforming target may answer, the rule that decides, and an established code.

    ``open``: the pages leave the answer open between several readings (``statuses`` is their union);
    the test records what came back and asserts consistency only.
    """

    statuses: frozenset[int]
    rule: str
    code: str | None = None
    open: bool = False

    @property
    def allowed(self) -> bool:
        """True when the operation must succeed."""
        return all(200 <= s < 300 for s in self.statuses)


@dataclass(frozen=True)
class _Reading:
    """One way a correct implementation may read the pages' silences."""

    undocumented_grants: bool = False
    self_service: bool = False


def granted_levels(permissions: tuple[str, ...], edition: str, *, undocumented: bool = False) -> frozenset[str]:
    """The permission levels (``Read``, ``ReadWrite.All``, ...) that ``permissions`` grant in ``edition``.

    ``undocumented``: count the families the edition's pages do not name as granting too.
    """
    families = FAMILIES[edition] + (UNDOCUMENTED_FAMILIES[edition] if undocumented else ())
    levels: set[str] = set()
    for perm in permissions:
        for family in families:
            prefix = family + "."
            if perm.startswith(prefix) and perm[len(prefix):] in _IMPLIES:
                levels.update(_IMPLIES[perm[len(prefix):]])
    return frozenset(levels)


def expected_outcome(operation: str, ctx: Context, edition: str) -> Expected:
    """What ``operation`` must answer when called under ``ctx`` on a target of ``edition``.

    Assumes the request itself is well formed and the method it names exists (or, for create, is
    free), so that only authentication and authorization decide. When the edition's pages leave the
    answer open for ``ctx``, the result is ``open`` and its statuses are every reading's.
    """
    if operation not in SUCCESS_STATUS:
        raise ValueError(f"unknown operation {operation!r}")
    if edition not in FAMILIES:
        raise ValueError(f"unknown edition {edition!r}")
    outcomes = [_decide(operation, ctx, edition, reading) for reading in _readings(operation, ctx, edition)]
    strict = outcomes[0]
    if all((o.statuses, o.code) == (strict.statuses, strict.code) for o in outcomes):
        return strict
    refusal_codes = {o.code for o in outcomes if not o.allowed}
    return Expected(frozenset().union(*(o.statuses for o in outcomes)), strict.rule,
                    refusal_codes.pop() if len(refusal_codes) == 1 else None, open=True)


def _readings(operation: str, ctx: Context, edition: str) -> list[_Reading]:
    """The strict reading first, then each reading a page's silence allows for this context."""
    held = ctx.app_roles if ctx.token_kind == "application" else ctx.scopes
    silent_family = any(p.split(".", 1)[0] in UNDOCUMENTED_FAMILIES[edition] for p in held)
    self_service = (edition == "current" and operation in ("create", "update") and ctx.token_kind == "delegated"
                    and ctx.addressee in SELF_ADDRESSEES)
    return [_Reading(g, s) for g in ((False, True) if silent_family else (False,))
            for s in ((False, True) if self_service else (False,))]


def _decide(operation: str, ctx: Context, edition: str, reading: _Reading) -> Expected:
    ok = Expected(frozenset({SUCCESS_STATUS[operation]}), _success_rule(operation, ctx))
    kind = ctx.token_kind
    if kind in AUTH_FAILURE_RULES:
        return Expected(frozenset({401}), AUTH_FAILURE_RULES[kind], "InvalidAuthenticationToken")
    if kind == "personal_account":
        return Expected(frozenset({401, 403}), "perm-personal-account-refused")
    write = operation in WRITES
    if kind == "application":
        if ctx.addressee == "me":
            return Expected(frozenset({400}), "perm-app-on-me-400", "BadRequest")
        levels = granted_levels(ctx.app_roles, edition, undocumented=reading.undocumented_grants)
        needed = "ReadWrite.All" if write else "Read.All"
        return ok if needed in levels else _denied("perm-app-needs-role")
    if kind != "delegated":
        raise ValueError(f"unknown token kind {kind!r}")
    levels = granted_levels(ctx.scopes, edition, undocumented=reading.undocumented_grants)
    roles = frozenset(ctx.directory_roles)
    if ctx.addressee in SELF_ADDRESSEES:
        if write and edition == "current" and operation in {"create", "update"} and not reading.self_service:
            return Expected(REFUSAL_OPEN_STATUSES, "perm-current-no-self-service")
        if write:
            return ok if "ReadWrite" in levels else _denied("perm-self-write")
        return ok if "Read" in levels else _denied("perm-self-read")
    if (write and "ReadWrite.All" not in levels) or (not write and "Read.All" not in levels):
        return _denied("perm-other-needs-all-scope")
    if not roles & (WRITE_ROLES if write else READ_ROLES):
        return _denied("perm-other-needs-role")
    if write and ctx.addressee in PRIVILEGED_ADDRESSEES and not roles & UNRESTRICTED_WRITE_ROLES:
        return Expected(REFUSAL_OPEN_STATUSES, "perm-auth-admin-not-on-privileged")
    if (not write and ctx.addressee in PRIVILEGED_ADDRESSEES
            and not roles & (UNRESTRICTED_WRITE_ROLES | {"global_reader"})):
        # facts §4.3: an Authentication Administrator may *view* non-admin users' methods only
        return Expected(PRIVILEGED_READ_STATUSES, "perm-auth-admin-not-on-privileged", open=True)
    return ok


def read_visibility(ctx: Context) -> str:
    """How numbers must appear in a successful read under ``ctx``: ``full``, ``masked`` or ``either``.

    An Authentication Administrator reading another user sees masked numbers (facts §3; reading an admin,
    when it is answered at all: facts §4.3); a Privileged
    Authentication Administrator reads them (``standard/read``, facts §4.3), a user their own. A Global
    Reader's and an application's view are not established: ``either`` (a context holding a Global
    Reader and an Authentication Administrator too).
    """
    roles = frozenset(ctx.directory_roles)
    if ctx.token_kind == "application":
        return "either"
    if ctx.token_kind != "delegated" or ctx.addressee in SELF_ADDRESSEES or roles & UNRESTRICTED_WRITE_ROLES:
        return "full"
    if "global_reader" in roles:
        return "either"
    return "masked" if "authentication_administrator" in roles else "full"


def _denied(rule: str) -> Expected:
    return Expected(frozenset({403}), rule, "accessDenied")


def _success_rule(operation: str, ctx: Context) -> str:
    if ctx.token_kind == "application":
        return "perm-app-needs-role"
    if ctx.addressee in SELF_ADDRESSEES:
        return "perm-self-write" if operation in WRITES else "perm-self-read"
    return "perm-other-needs-role"
