"""Token providers: how the suite gets a bearer token for a permission context.

* ``mint``: sign HS256 tokens with the profile's secret carrying exactly the claims a context needs
  (emulators that accept such tokens).
* ``static``: pre-acquired tokens from environment variables, one per role; only the contexts those
  tokens stand for can be run, the rest are skipped with the reason.
* ``msal``: real Microsoft identity tokens (see :mod:`conformance.target.auth.msal_tokens`, optional extra).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Protocol

import jwt

from conformance.core.errors import CredentialError
from conformance.spec.model import PERSONAL_TENANT
from conformance.target.auth.contexts import describe_context, env_token
from conformance.target.auth.msal_tokens import MsalProvider
from conformance.target.profile import StaticToken, TargetProfile, User
from strategies.permissions import DIRECTORY_ROLES, PermissionContext

GRAPH_AUDIENCE = "https://graph.microsoft.com"
WRONG_AUDIENCE = "https://management.azure.com"
LOOKALIKE_AUDIENCES = {"audience_lookalike_host": "https://graph.microsoft.com.evil.example",
                       "audience_lookalike_path": "https://graph.microsoft.com/extra"}
"""Audiences that extend Graph's URI: a prefix comparison would take them for Graph's (RFC 8725 §3.9)."""

ADMIN_CONTEXT = PermissionContext(
    token_kind="delegated",
    scopes=("UserAuthenticationMethod.ReadWrite.All",),
    app_roles=(),
    directory_roles=("privileged_authentication_administrator",),
    addressee="ordinary_target",
)
"""The context the suite uses to set up state and read it back: a Privileged Authentication Admin."""

SELF_CONTEXT = PermissionContext(
    token_kind="delegated",
    scopes=("UserAuthenticationMethod.ReadWrite",),
    app_roles=(),
    directory_roles=(),
    addressee="me",
)
"""An ordinary user managing their own phone methods (seed page: acting on self)."""


class TokenProvider(Protocol):
    """Gives a bearer token (or ``None`` for no Authorization header) for a permission context."""

    can_mint: bool

    def supports(self, ctx: PermissionContext) -> bool:
        """True when this provider can produce a token for ``ctx``."""
        ...

    def token(self, ctx: PermissionContext, subject: User | None) -> str | None:
        """A token for ``ctx`` whose signed-in user is ``subject`` (ignored for application tokens)."""
        ...

    def subject(self, ctx: PermissionContext, default: User) -> User:
        """The user a delegated token for ``ctx`` is signed in as."""
        ...


@dataclass
class MintProvider:
    """Signs HS256 tokens with the profile's secret (the emulator's token format, contract §3)."""

    profile: TargetProfile
    can_mint: bool = True

    def __post_init__(self) -> None:
        self._secret = self.profile.auth.resolved_secret()

    def supports(self, ctx: PermissionContext) -> bool:
        """Every context can be minted."""
        return True

    def subject(self, ctx: PermissionContext, default: User) -> User:
        """Minted tokens are signed in as whichever user the test chose."""
        return default

    def token(self, ctx: PermissionContext, subject: User | None) -> str | None:
        """Mint the token ``ctx`` describes, broken in the way its ``token_kind`` says."""
        kind = ctx.token_kind
        if kind == "none":
            return None
        if kind == "empty":
            return ""
        if kind == "malformed":
            return "not-a-jwt." + secrets.token_urlsafe(12)
        claims = self.claims(ctx, subject)
        if kind == "unsigned":  # RFC 8725 §2.1: alg none, an empty signature
            return jwt.encode(claims, None, algorithm="none")
        key = self._secret if kind != "bad_signature" else self._secret + "-but-not-quite"
        return jwt.encode(claims, key, algorithm="HS256")

    def claims(self, ctx: PermissionContext, subject: User | None) -> dict[str, object]:
        """The claims of the token for ``ctx`` (Entra's names: tid, oid, scp or roles, wids, idtyp)."""
        now = int(time.time())
        tid = PERSONAL_TENANT if ctx.token_kind == "personal_account" else self.profile.auth.tenant_id
        audience = LOOKALIKE_AUDIENCES.get(ctx.token_kind, GRAPH_AUDIENCE)
        claims: dict[str, object] = {
            "aud": WRONG_AUDIENCE if ctx.token_kind == "wrong_audience" else audience,
            "iss": f"https://sts.windows.net/{tid}/",
            "tid": tid,
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        if ctx.token_kind == "expired":
            claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 600)
        if ctx.token_kind == "not_yet_valid":  # RFC 7519 §4.1.5: not to be accepted before nbf
            claims.update(iat=now, nbf=now + 3600, exp=now + 7200)
        if ctx.token_kind == "no_exp":
            del claims["exp"]
        if ctx.token_kind == "application":
            app = self.profile.auth.app_id or "00000000-0000-0000-0000-00000000a990"
            claims.update(oid=app, appid=app, idtyp="app", roles=list(ctx.app_roles))
            return claims
        if subject is None:
            raise ValueError("a delegated token needs a signed-in user")
        claims.update(
            oid=subject.id,
            upn=subject.upn,
            idtyp="user",
            scp=" ".join(ctx.scopes),
            wids=[DIRECTORY_ROLES[r] for r in ctx.directory_roles],
        )
        return claims


@dataclass
class StaticProvider:
    """Pre-acquired tokens from the environment; each stands for one fixed context.

    Entries with ``worker = N`` serve only pytest-xdist worker ``N`` (and come first for it); entries
    without serve every worker.
    """

    profile: TargetProfile
    can_mint: bool = False
    worker: int = 0

    def _match(self, ctx: PermissionContext) -> StaticToken | None:
        entries = sorted((e for e in self.profile.auth.static_tokens if e.serves(self.worker)),
                         key=lambda e: e.worker is None)
        for entry in entries:
            if (entry.kind == ctx.token_kind and set(entry.scopes) == set(ctx.scopes)
                    and set(entry.app_roles) == set(ctx.app_roles)
                    and set(entry.directory_roles) == set(ctx.directory_roles)):
                return entry
        return None

    def contexts(self, target: str) -> list[PermissionContext]:
        """The contexts the configured tokens stand for, aimed at ``target``."""
        return [PermissionContext(token_kind=e.kind, scopes=e.scopes, app_roles=e.app_roles,
                                  directory_roles=e.directory_roles, target=target)
                for e in self.profile.auth.static_tokens if e.serves(self.worker)]

    def supports(self, ctx: PermissionContext) -> bool:
        """True when a configured token stands for ``ctx`` (``none`` and ``empty`` need no token)."""
        return ctx.token_kind in ("none", "empty") or self._match(ctx) is not None

    def subject(self, ctx: PermissionContext, default: User) -> User:
        """The user the matching token was issued to."""
        entry = self._match(ctx)
        if entry is not None and entry.user:
            return self.profile.users[entry.user]
        return default

    def token(self, ctx: PermissionContext, subject: User | None) -> str | None:
        """Read the matching token from its environment variable."""
        if ctx.token_kind == "none":
            return None
        if ctx.token_kind == "empty":
            return ""
        entry = self._match(ctx)
        if entry is None:
            raise CredentialError(f"no static token stands for context {describe_context(ctx)}")
        return env_token(entry.env, entry.name)


def make_provider(profile: TargetProfile, worker: int = 0) -> TokenProvider:
    """Build the token provider the profile's ``[auth] kind`` names, with pytest-xdist worker ``worker``'s tokens."""
    if profile.auth.kind == "mint":
        return MintProvider(profile)
    if profile.auth.kind == "static":
        return StaticProvider(profile, worker=worker)
    return MsalProvider(profile, worker=worker)
