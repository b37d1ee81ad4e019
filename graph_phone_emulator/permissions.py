"""The permission matrix (contract §5) for editions ``seed`` and ``current``.

Scopes (delegated ``scp``) and app roles are compared case-insensitively. A higher scope implies the
lower ones of its family: ``X.ReadWrite.All`` ⊇ ``X.ReadWrite`` ⊇ ``X.Read`` and
``X.ReadWrite.All`` ⊇ ``X.Read.All`` ⊇ ``X.Read``.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_phone_emulator.faults import FaultName
from graph_phone_emulator.settings import Settings
from graph_phone_emulator.tokens import Principal

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
AUTHENTICATION_ADMINISTRATOR = "c4e39bd9-1100-46d3-8c65-fb160da0071f"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"

READ_OTHERS_ROLES = frozenset({GLOBAL_READER, AUTHENTICATION_ADMINISTRATOR,
                               PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR})
"""Directory roles that let a delegated caller read another user's phone methods."""

WRITE_OTHERS_ROLES = frozenset({AUTHENTICATION_ADMINISTRATOR, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                                GLOBAL_ADMINISTRATOR})
"""Directory roles that let a delegated caller write another user's phone methods."""

UNRESTRICTED_ROLES = frozenset({PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, GLOBAL_ADMINISTRATOR})
"""Roles that act on any user."""

FULL_READ_ROLES = UNRESTRICTED_ROLES | {GLOBAL_READER}
"""Roles that read other users' numbers unmasked."""

AUTH_ADMIN_MANAGEABLE_ROLES = frozenset({
    AUTHENTICATION_ADMINISTRATOR,
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",  # Directory Readers
    "95e79109-95c0-4d8e-aee3-d01accf2d47b",  # Guest Inviter
    "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",  # Message Center Reader
    "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
    "4a5d8f65-41da-4de4-8968-e035b65339cf",  # Reports Reader
    "75934031-6c7e-415a-99d7-48dbd49e875e",  # Usage Summary Reports Reader
})
"""The only roles a target may hold for an Authentication Administrator to write to it (facts §4.3)."""

FAMILIES = {"seed": ("userauthenticationmethod",),
            "current": ("userauthenticationmethod", "userauthmethod-phone"),
            "seed+phone": ("userauthenticationmethod", "userauthmethod-phone")}
"""Lower-cased scope families honoured per edition (``seed+phone``: edition seed under the choice
``seed_phone_family = "grant"``; the seed pages do not name the ``UserAuthMethod-Phone`` family)."""

_IMPLIED_BY = {
    "read": ("read", "readwrite", "read.all", "readwrite.all"),
    "readwrite": ("readwrite", "readwrite.all"),
    "read.all": ("read.all", "readwrite.all"),
    "readwrite.all": ("readwrite.all",),
}
_SATISFYING = {
    (edition, level): frozenset(f"{family}.{granted}" for family in families for granted in implied)
    for edition, families in FAMILIES.items() for level, implied in _IMPLIED_BY.items()
}

READ_ACTIONS = frozenset({"list", "get", "count"})
"""Actions that only read; every other action writes."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome: allowed or not (with the reason and the error kind), and whether to mask numbers."""

    allowed: bool
    masked: bool = False
    reason: str = ""
    kind: str = ""


ALLOW = Decision(True)


def has_scope(principal: Principal, edition: str, level: str) -> bool:
    """True when the caller holds a scope (or app role) implying ``level`` in the edition's families."""
    return not principal.scopes.isdisjoint(_SATISFYING[(edition, level)])


def deny(reason: str, kind: str = "") -> Decision:
    """A refusal with its reason (``kind``: an error kind whose answer is an open choice)."""
    return Decision(False, reason=reason, kind=kind)


def families_key(settings: Settings) -> str:
    """The key of :data:`FAMILIES` the edition and the ``seed_phone_family`` choice select."""
    if settings.edition == "seed" and settings.choice("seed_phone_family") == "grant":
        return "seed+phone"
    return settings.edition


def authorize(principal: Principal, action: str, *, is_self: bool, target_roles: frozenset[str],
              settings: Settings) -> Decision:
    """Decide whether ``principal`` may perform ``action`` on a user (``is_self``: the caller itself)."""
    write = action not in READ_ACTIONS
    edition = families_key(settings)
    if principal.is_app:
        if settings.faulty(FaultName.APP_MISSING_ROLE_ACCEPTED):
            return ALLOW
        level = "readwrite.all" if write else "read.all"
        if not has_scope(principal, edition, level):
            return deny(f"the application lacks a .{level} role")
        return ALLOW
    if is_self:
        return _self(principal, action, write, settings)
    return _other(principal, write, target_roles, settings)


def _self(principal: Principal, action: str, write: bool, settings: Settings) -> Decision:
    edition = families_key(settings)
    if (settings.edition == "current" and action in ("create", "update")
            and settings.choice("current_self_service") == "refuse"):
        return deny("users can't add or update their own phone methods (not self-service)", "self_service")
    if settings.faulty(FaultName.SELF_WRITE_DENIED if write else "self-read-denied"):
        return deny("self-service refused")
    level = "readwrite" if write else "read"
    return ALLOW if has_scope(principal, edition, level) else deny(f"the token lacks a .{level} scope")


def _other(principal: Principal, write: bool, target_roles: frozenset[str], settings: Settings) -> Decision:
    level = ("readwrite" if write else "read") + ("" if settings.faulty(FaultName.SELF_SCOPE_ON_OTHER) else ".all")
    if not has_scope(principal, families_key(settings), level):
        return deny(f"acting on another user needs a .{level} scope")
    wids = principal.wids
    manageable = target_roles <= AUTH_ADMIN_MANAGEABLE_ROLES
    if not write:
        if wids.isdisjoint(READ_OTHERS_ROLES):
            return deny("reading another user's methods needs an administrator or reader role")
        if (GLOBAL_READER in wids and wids.isdisjoint(UNRESTRICTED_ROLES) and not manageable
                and settings.faulty(FaultName.GLOBAL_READER_RESTRICTED)):
            return deny("a reader can't view the methods of a user holding a privileged role")
        auth_admin_only = AUTHENTICATION_ADMINISTRATOR in wids and wids.isdisjoint(FULL_READ_ROLES)
        if auth_admin_only and not manageable and settings.choice("auth_admin_privileged_read") != "masked":
            # facts §4.3: the role views the methods of non-admin users only; the refusal's status is [unk]
            return deny("an Authentication Administrator can't view the methods of a user holding a privileged "
                        "role", "privileged_read")
        masked = auth_admin_only and not settings.faulty(FaultName.UNMASKED_FOR_AUTH_ADMIN)
        return Decision(True, masked=masked)
    if wids.isdisjoint(WRITE_OTHERS_ROLES) and not settings.faulty(FaultName.SKIP_ROLE_CHECK):
        return deny("writing another user's methods needs an authentication administrator role")
    restricted = wids.isdisjoint(UNRESTRICTED_ROLES) and not manageable
    restricted = restricted and AUTHENTICATION_ADMINISTRATOR in wids
    if restricted and not settings.faulty(FaultName.AUTH_ADMIN_ON_PRIVILEGED):
        return deny("an Authentication Administrator can't manage a user holding a privileged role",
                    "privileged_target")
    return ALLOW
