"""Shared by every token provider: a token from the environment, and a context described without its token."""

from __future__ import annotations

import os

from conformance.core.errors import CredentialError, MalformedCredential
from strategies.permissions import PermissionContext


def env_token(env: str, name: str) -> str:
    """The token in environment variable ``env``: set, and free of whitespace and control characters.

    A token with a stray newline or space would be sent as a broken header (or split into two);
    it is refused in one line instead (the token itself is never printed).
    """
    value = os.environ.get(env)
    if not value:
        raise CredentialError(f"environment variable {env} (token {name!r}) is not set")
    bad = next((c for c in value if c.isspace() or not c.isprintable() or ord(c) > 126), None)
    if bad is not None:
        raise MalformedCredential(f"environment variable {env} (token {name!r}) contains whitespace or a "
                                  f"control character (U+{ord(bad):04X} at position {value.index(bad)}); "
                                  "a bearer token is one printable ASCII word")
    return value


def describe_context(ctx: PermissionContext) -> str:
    """A one-line, token-free description of a context for reports."""
    parts = [ctx.token_kind]
    if ctx.scopes:
        parts.append("scp=" + ",".join(ctx.scopes))
    if ctx.app_roles:
        parts.append("roles=" + ",".join(ctx.app_roles))
    if ctx.directory_roles:
        parts.append("wids=" + ",".join(ctx.directory_roles))
    parts.append("addressee=" + ctx.addressee)
    return " ".join(parts)


NAMED_CONTEXTS: dict[str, str] = {
    "admin": "delegated scp=UserAuthenticationMethod.ReadWrite.All wids=privileged_authentication_administrator",
    "auth-admin": "delegated scp=UserAuthenticationMethod.ReadWrite.All wids=authentication_administrator",
    "reader": "delegated scp=UserAuthenticationMethod.Read.All wids=global_reader",
    "self": "delegated scp=UserAuthenticationMethod.ReadWrite",
    "self-read": "delegated scp=UserAuthenticationMethod.Read",
    "app": "application roles=UserAuthenticationMethod.ReadWrite.All",
    "app-read": "application roles=UserAuthenticationMethod.Read.All",
}
"""Short names for the contexts people ask for most (``token --context admin``)."""


def token_text(ctx: PermissionContext) -> str:
    """What a token for ``ctx`` carries, in words (:func:`describe_context` without the addressee)."""
    return describe_context(ctx).rsplit(" addressee=", 1)[0]


def parse_context(text: str) -> PermissionContext:
    """A context from a name of :data:`NAMED_CONTEXTS` or a :func:`token_text` description.

    ``delegated scp=A,B wids=role1`` / ``application roles=R`` / ``expired scp=...``; an optional
    ``addressee=...`` is accepted and kept. Raises ``ValueError`` (one line) for anything else.
    """
    from strategies.permissions import DIRECTORY_ROLES, TOKEN_KINDS

    words = NAMED_CONTEXTS.get(text.strip(), text).split()
    if not words or words[0] not in TOKEN_KINDS:
        raise ValueError(f"unknown context {text!r}: a name ({', '.join(NAMED_CONTEXTS)}) or "
                         f"'KIND [scp=A,B] [roles=R] [wids=ROLE]' with KIND one of {', '.join(TOKEN_KINDS)}")
    fields: dict[str, tuple[str, ...]] = {"scp": (), "roles": (), "wids": ()}
    addressee = "me"
    for word in words[1:]:
        key, _, value = word.partition("=")
        if key == "addressee":
            addressee = value
        elif key in fields and value:
            fields[key] = tuple(v for v in value.split(",") if v)
        else:
            raise ValueError(f"context {text!r}: {word!r} is not scp=, roles=, wids= or addressee=")
    unknown = [r for r in fields["wids"] if r not in DIRECTORY_ROLES]
    if unknown:
        raise ValueError(f"context {text!r}: unknown directory role(s) {', '.join(unknown)} "
                         f"(known: {', '.join(DIRECTORY_ROLES)})")
    try:
        return PermissionContext(token_kind=words[0], scopes=fields["scp"], app_roles=fields["roles"],  # type: ignore[arg-type]
                                 directory_roles=fields["wids"], addressee=addressee)  # type: ignore[arg-type]
    except Exception as exc:  # hypothesis's InvalidArgument: an inconsistent context
        raise ValueError(f"context {text!r}: {exc}") from None
