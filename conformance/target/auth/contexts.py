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
