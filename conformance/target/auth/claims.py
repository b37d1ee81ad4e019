"""What a bearer token stands for, read from its claims (decoded, never verified, never printed).

Used by the preflight (which role's token lacks which scope or directory role) and by the MSAL
provider (does a real token stand for exactly the permission context a test asks for?). Only the
phone-method permission families and the directory roles of the rule model count; ``User.Read``,
``openid`` and other roles a real token carries are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

from conformance.spec.model import OPERATIONS, expected_outcome, read_visibility
from strategies.permissions import DELEGATED_FAMILIES, DIRECTORY_ROLES, PermissionContext

ROLE_NAMES = {v: k for k, v in DIRECTORY_ROLES.items()}
"""Directory role template id -> the rule model's role name."""


def decode(token: str | None) -> dict[str, Any] | None:
    """The token's claims without verifying anything; ``None`` for a token that is not a JWT."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def relevant(permissions: set[str]) -> set[str]:
    """The permissions of the phone-method families."""
    return {p for p in permissions if p.split(".", 1)[0] in DELEGATED_FAMILIES}


def role_names(template_ids: tuple[str, ...] | list[str]) -> set[str]:
    """The rule model's names of directory role template ids (unknown ids are left out)."""
    return {ROLE_NAMES[t.lower()] for t in template_ids if t.lower() in ROLE_NAMES}


@dataclass(frozen=True)
class Comparison:
    """How a token's claims differ from the context it should stand for."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    missing_roles: tuple[str, ...] = ()
    extra_roles: tuple[str, ...] = ()
    wrong_kind: str | None = None
    roles_known: bool = True
    noun: str = "scope"

    @property
    def exact(self) -> bool:
        """True when the token stands for exactly the context."""
        return not (self.missing or self.extra or self.missing_roles or self.extra_roles or self.wrong_kind)

    def lacks(self) -> str:
        """``lacks scope X, directory role Y`` (empty when nothing is missing)."""
        parts = []
        if self.wrong_kind:
            parts.append(self.wrong_kind)
        if self.missing:
            parts.append(f"lacks {self.noun} {', '.join(self.missing)}")
        if self.missing_roles:
            parts.append("lacks directory role " + ", ".join(self.missing_roles))
        return "; ".join(parts)


def compare(claims: dict[str, Any], ctx: PermissionContext) -> Comparison:
    """Compare a token's claims with ``ctx`` (scopes or app roles, and directory roles via ``wids``)."""
    if ctx.token_kind == "application":
        if claims.get("idtyp") == "user" or claims.get("scp"):
            return Comparison(wrong_kind="is a delegated token, not an application token")
        have = relevant(set(claims.get("roles") or []))
        want = set(ctx.app_roles)
        return Comparison(missing=tuple(sorted(want - have)), extra=tuple(sorted(have - want)),
                          noun="application permission")
    if claims.get("idtyp") == "app" or (claims.get("roles") and not claims.get("scp")):
        return Comparison(wrong_kind="is an application token, not a delegated one")
    have = relevant(set(str(claims.get("scp") or "").split()))
    want = set(ctx.scopes)
    wids = claims.get("wids")
    if not isinstance(wids, list):
        return Comparison(missing=tuple(sorted(want - have)), extra=tuple(sorted(have - want)), roles_known=False)
    held, need = role_names(wids), set(ctx.directory_roles)
    return Comparison(missing=tuple(sorted(want - have)), extra=tuple(sorted(have - want)),
                      missing_roles=tuple(sorted(need - held)), extra_roles=tuple(sorted(held - need)))


def stands_for(claims: dict[str, Any], ctx: PermissionContext, edition: str) -> bool:
    """True when the rule model cannot tell the token's real context from ``ctx``.

    A real token carries every consented permission, not only the ones asked for; that is harmless
    when the extra ones change no expected answer (``ReadWrite.All`` beside ``Read.All``), and makes
    the token stand for another context when they do.
    """

    diff = compare(claims, ctx)
    if diff.wrong_kind:
        return False
    if ctx.token_kind == "application":
        actual = PermissionContext(token_kind="application", app_roles=tuple(sorted(relevant(
            set(claims.get("roles") or [])))), addressee=ctx.addressee)
    else:
        roles = tuple(sorted(role_names(claims["wids"]))) if diff.roles_known else ctx.directory_roles
        actual = PermissionContext(token_kind="delegated", scopes=tuple(sorted(relevant(
            set(str(claims.get("scp") or "").split())))), directory_roles=roles, addressee=ctx.addressee)

    def outcome(c: PermissionContext, op: str) -> tuple[frozenset[int], str | None]:
        e = expected_outcome(op, c, edition)
        return e.statuses, e.code

    return (all(outcome(actual, op) == outcome(ctx, op) for op in OPERATIONS)
            and read_visibility(actual) == read_visibility(ctx))
