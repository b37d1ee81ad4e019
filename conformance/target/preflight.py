"""Preflight: before any test, check the target answers and accepts the suite's credentials."""

from __future__ import annotations

import sys

import requests
from hypothesis.errors import InvalidArgument

from conformance.core.errors import CredentialError, EnvironmentBroken, MalformedCredential, TargetUnreachable
from conformance.target.auth.claims import compare, decode
from conformance.target.auth.contexts import describe_context
from conformance.target.auth.providers import ADMIN_CONTEXT, TokenProvider, make_provider
from conformance.target.client import GraphClient, RetryPolicy, TargetBroken
from conformance.target.profile import TargetProfile, User
from strategies.permissions import PermissionContext


def preflight(profile: TargetProfile, edition: str) -> None:
    """Raise :class:`TargetUnreachable` (exit 3) when the target does not answer or refuses our token.

    For pre-acquired (static) and MSAL tokens, first decode each one (never verify, never print) and
    say in one line on stderr which role lacks which scope, application permission or directory
    role; then check that the target accepts each token (one read per distinct token).
    """
    provider = make_provider(profile)
    retry = RetryPolicy(attempts=profile.retry_attempts, max_wait_s=profile.retry_max_wait_s,
                        run_retry_budget=profile.retry_budget)
    client = GraphClient(profile.base_url, timeout_s=15.0, retry=retry)
    tokens: list[tuple[str, str, User | None]] = []
    if profile.auth.kind in ("static", "msal"):
        seen: set[str] = set()
        for worker in _workers(profile):  # each worker's own tokens (README: --jobs N with tokens per worker)
            own = provider if worker == 0 else make_provider(profile, worker)
            tokens += _decode_tokens(profile, own, worker, skip=seen)
            if not own.supports(ADMIN_CONTEXT):
                raise CredentialError(f"no token of the profile stands for the administrator the suite sets up and "
                                      f"restores users with ({describe_context(ADMIN_CONTEXT)})"
                                      + (f" for worker {worker}" if worker else ""))
    admin_role = "privileged_auth_admin" if profile.has_role("privileged_auth_admin") else "caller"
    subject = provider.subject(ADMIN_CONTEXT, profile.user_for(admin_role))
    token = provider.token(ADMIN_CONTEXT, subject)
    user = profile.user_for("caller")
    r = _read(client, profile, user, token)
    if r.status_code == 401:
        raise TargetUnreachable(f"target {profile.base_url} rejected the administrator's credentials (401)")
    if r.status_code >= 500 or (r.status_code == 404 and "json" not in r.headers.get("Content-Type", "")):
        raise TargetUnreachable(f"target {profile.base_url} does not look like Graph ({r.status_code})")
    rejected = [name for name, value, who in tokens
                if value != token and _read(client, profile, who or user, value).status_code == 401]
    if rejected:
        raise TargetUnreachable(f"target {profile.base_url} rejected the credentials of {', '.join(rejected)} (401)")


def _read(client: GraphClient, profile: TargetProfile, user: User, token: str | None) -> requests.Response:
    try:
        return client.list(GraphClient.user_prefix("id", user), token)
    except TargetBroken as exc:
        if exc.unanswered:
            raise TargetUnreachable(f"target {profile.base_url} unreachable: {exc}") from None
        raise EnvironmentBroken(f"preflight: target {profile.base_url} answered but the run cannot start: "
                                f"{exc}") from None


def _workers(profile: TargetProfile) -> list[int]:
    """Worker 0 and every worker a token entry of the profile is reserved for."""
    auth = profile.auth
    declared = {e.worker for e in auth.static_tokens} | {e.get("worker") for e in auth.msal.get("delegated", ())}
    return sorted({0} | {w for w in declared if w is not None})


def token_sources(profile: TargetProfile, provider: TokenProvider,
                  worker: int = 0) -> list[tuple[str, PermissionContext, User | None]]:
    """Every token the profile configures for ``worker``: ``(name, the context it stands for, who signs in)``."""
    configured = getattr(provider, "configured", None)
    if configured is not None:
        return [(c.name, c.ctx, c.user) for c in configured()]
    out = []
    for e in profile.auth.static_tokens:
        if not e.serves(worker):
            continue
        user = profile.users.get(e.user) if e.user else None
        addressee = "ordinary_target" if e.kind == "application" else "me"
        try:
            ctx = PermissionContext(token_kind=e.kind, scopes=e.scopes, app_roles=e.app_roles,  # type: ignore[arg-type]
                                    directory_roles=e.directory_roles, addressee=addressee)
        except InvalidArgument as exc:
            raise CredentialError(f"[[auth.static]] {e.name}: {exc}") from None
        out.append((e.name, ctx, user))
    return out


def _decode_tokens(profile: TargetProfile, provider: TokenProvider, worker: int = 0,
                   skip: set[str] | None = None) -> list[tuple[str, str, User | None]]:
    """Decode every token configured for ``worker`` (but those named in ``skip``, which it grows); print one
    line naming what each role lacks; return the tokens."""
    problems: list[str] = []
    tokens: list[tuple[str, str, User | None]] = []
    skip = set() if skip is None else skip
    for name, ctx, user in token_sources(profile, provider, worker):
        if name in skip:
            continue
        skip.add(name)
        if ctx.token_kind not in ("delegated", "application"):
            continue
        who = f"{name} ({user.key})" if user else name
        try:
            token = provider.token(ctx, user)
        except CredentialError as exc:
            if _serves_admin(ctx) or isinstance(exc, MalformedCredential):
                raise  # nothing can run without the administrator, nor with a garbled token: one line, exit 2
            problems.append(f"{who}: {exc}")
            continue
        if token is None:
            continue
        tokens.append((name, token, user))
        claims = decode(token)
        if claims is None:
            problems.append(f"{who}: not a JWT, its permissions cannot be read")
            continue
        found = [compare(claims, ctx).lacks()]
        oid = str(claims.get("oid") or "").lower()
        if user is not None and oid and oid != user.id.lower():
            found.insert(0, f"is signed in as {claims.get('upn') or oid}, not {user.upn}")
        if any(found):
            problems.append(f"{who} {'; '.join(x for x in found if x)}")
    if problems:
        print("preflight: " + "; ".join(problems), file=sys.stderr, flush=True)
    return tokens


def _serves_admin(ctx: PermissionContext) -> bool:
    return (ctx.token_kind == ADMIN_CONTEXT.token_kind and set(ADMIN_CONTEXT.scopes) <= set(ctx.scopes)
            and set(ctx.directory_roles) == set(ADMIN_CONTEXT.directory_roles))
