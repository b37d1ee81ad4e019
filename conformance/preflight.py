"""Preflight: before any test, check the target answers and accepts the suite's credentials."""

from __future__ import annotations

import jwt

from conformance.auth import ADMIN_CONTEXT, make_provider
from conformance.client import GraphClient, TargetBroken
from conformance.errors import TargetUnreachable
from conformance.profile import TargetProfile


def token_summary(token: str) -> dict[str, object]:
    """The authorization-relevant claims of a token, decoded without verifying (never the token)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {"decodable": False}
    return {"decodable": True, "scp": claims.get("scp", ""), "roles": claims.get("roles", []),
            "wids": claims.get("wids", []), "aud": claims.get("aud"), "exp": claims.get("exp")}


def preflight(profile: TargetProfile, edition: str) -> None:
    """Raise :class:`TargetUnreachable` (exit 3) when the target does not answer or refuses our token."""
    provider = make_provider(profile)
    admin_role = "privileged_auth_admin" if profile.has_role("privileged_auth_admin") else "caller"
    subject = provider.subject(ADMIN_CONTEXT, profile.user_for(admin_role))
    token = provider.token(ADMIN_CONTEXT, subject)
    client = GraphClient(profile.base_url, timeout_s=15.0)
    user = profile.user_for("caller")
    try:
        r = client.list(GraphClient.user_prefix("id", user), token)
    except TargetBroken as exc:
        raise TargetUnreachable(f"target {profile.base_url} unreachable: {exc}") from None
    if r.status_code == 401:
        raise TargetUnreachable(f"target {profile.base_url} rejected the administrator's credentials (401)")
    if r.status_code >= 500 or r.status_code == 404 and "json" not in r.headers.get("Content-Type", ""):
        raise TargetUnreachable(f"target {profile.base_url} does not look like Graph ({r.status_code})")
