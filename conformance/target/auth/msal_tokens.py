"""Real Microsoft identity tokens through MSAL (``[auth] kind = "msal"``; ``pip install '.[tenant]'``).

* The **application** context: MSAL's confidential client with a client secret or a certificate,
  both from the environment (``client_secret_env``, or ``certificate_path_env`` +
  ``certificate_thumbprint_env``). It stands for the application permissions listed in
  ``app_roles`` (what an administrator granted the app registration).
* **Delegated** contexts: one ``[[auth.msal.delegated]]`` entry per test user who signs in, with the
  scopes that may be requested for them. A test's context is served by the entry whose user holds
  exactly the context's directory roles (the profile's ``[[users]].roles``) and whose scopes include
  the context's; the token is requested with the context's scopes (from the rule model). Tokens
  come from MSAL's device-code flow (the message goes to stderr) with a token cache file outside
  the repository, or, for unattended CI, pre-acquired from the environment (``token_env``).

A real token carries every permission consented for it; before a token is used for a context, its
claims (decoded, not verified) are checked to stand for that context under the rule model, and a
context it does not stand for is reported unsupported (the test skips with the reason). Tokens are
never printed or logged. ``msal`` is imported only when a token must be acquired through it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.core.errors import CredentialError, ToolError
from conformance.target.auth.claims import decode, role_names, stands_for
from conformance.target.auth.contexts import describe_context, env_token
from conformance.target.profile import TargetProfile, User
from strategies.permissions import PermissionContext

GRAPH = "https://graph.microsoft.com"
APP_SCOPES = (f"{GRAPH}/.default",)
MISSING_MSAL = "msal is not installed: pip install '.[tenant]'"


def import_msal() -> Any:
    """The ``msal`` module, or a one-line :class:`ToolError` (exit 2) saying how to install it."""
    try:
        import msal
    except ImportError:
        raise ToolError(MISSING_MSAL) from None
    return msal


@dataclass(frozen=True)
class Configured:
    """A token source of the profile: the context it stands for and who signs in."""

    name: str
    ctx: PermissionContext
    user: User | None
    token_env: str | None = None


def _one_line(text: Any) -> str:
    first = str(text or "").strip().splitlines()
    return first[0][:200] if first else ""


class MsalProvider:
    """The token provider for ``[auth] kind = "msal"`` (the ``TokenProvider`` protocol of ``providers``)."""

    can_mint = False

    def __init__(self, profile: TargetProfile, *, interactive: bool | None = None, worker: int = 0) -> None:
        self.profile = profile
        self.worker = worker
        self.cfg = profile.auth.msal
        if interactive is None:
            interactive = bool(self.cfg.get("device_code", True)) and not os.environ.get("PYTEST_XDIST_WORKER")
        self.interactive = interactive
        self.entries = self._entries()
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}
        self._verdicts: dict[PermissionContext, bool] = {}
        self._public: Any = None
        self._confidential: Any = None
        self._cache: Any = None
        needs_msal = any(e.token_env is None for e in self.entries)
        self._msal = import_msal() if needs_msal else None

    # -- configuration --------------------------------------------------------------------------
    def has_app_credential(self) -> bool:
        """True when a client secret or certificate is configured (the application context)."""
        return bool(self.cfg.get("client_secret_env") or self.cfg.get("certificate_path_env"))

    def _entries(self) -> list[Configured]:
        out = []
        if self.has_app_credential():
            out.append(Configured("application", PermissionContext(
                token_kind="application", app_roles=tuple(self.cfg.get("app_roles", ())), addressee="ordinary_target"),
                None))
        delegated = [e for e in self.cfg.get("delegated", ()) if e.get("worker") in (None, self.worker)]
        for e in sorted(delegated, key=lambda e: e.get("worker") is None):  # this worker's own entries first
            user = self.profile.users[e["user"]]
            ctx = PermissionContext(token_kind="delegated", scopes=tuple(e["scopes"]),
                                    directory_roles=tuple(sorted(role_names(user.roles))), addressee="me")
            out.append(Configured(e["name"], ctx, user, e.get("token_env")))
        return out

    def configured(self) -> list[Configured]:
        """Every token source of the profile (for the preflight)."""
        return list(self.entries)

    def _entry(self, ctx: PermissionContext) -> Configured | None:
        for e in self.entries:
            if e.ctx.token_kind != ctx.token_kind:
                continue
            if ctx.token_kind == "application":
                if set(e.ctx.app_roles) == set(ctx.app_roles):
                    return e
                continue
            fixed = e.token_env is not None
            scopes_ok = set(ctx.scopes) == set(e.ctx.scopes) if fixed else set(ctx.scopes) <= set(e.ctx.scopes)
            if scopes_ok and set(e.ctx.directory_roles) == set(ctx.directory_roles) and ctx.scopes:
                return e
        return None

    # -- the protocol ---------------------------------------------------------------------------
    def supports(self, ctx: PermissionContext) -> bool:
        """True when a configured token source serves ``ctx`` and its real token stands for it."""
        if ctx.token_kind in ("none", "empty", "malformed"):
            return True
        if ctx in self._verdicts:
            return self._verdicts[ctx]
        entry = self._entry(ctx)
        verdict = False
        if entry is not None:
            try:
                claims = decode(self.token(ctx, entry.user))
            except ToolError as exc:
                print(f"msal: {entry.name}: {exc}", file=sys.stderr)
                claims = None
            verdict = claims is not None and stands_for(claims, ctx, self.profile.edition)
        self._verdicts[ctx] = verdict
        return verdict

    def subject(self, ctx: PermissionContext, default: User) -> User:
        """The user the serving entry signs in as (``default`` when none serves ``ctx``)."""
        entry = self._entry(ctx) if ctx.token_kind == "delegated" else None
        return entry.user if entry is not None and entry.user is not None else default

    def token(self, ctx: PermissionContext, subject: User | None) -> str | None:
        """A token for ``ctx``: none, a harmless malformed one, or a real one from the serving entry."""
        if ctx.token_kind == "none":
            return None
        if ctx.token_kind == "empty":
            return ""
        if ctx.token_kind == "malformed":
            return "not-a-jwt.conformance-suite"
        entry = self._entry(ctx)
        if entry is None:
            raise CredentialError(f"no [auth.msal] entry serves the context {_describe(ctx)}")
        if entry.token_env:

            return env_token(entry.token_env, entry.name)
        scopes = APP_SCOPES if ctx.token_kind == "application" else tuple(f"{GRAPH}/{s}" for s in ctx.scopes)
        key = (entry.name, scopes)
        if key not in self._tokens:
            self._tokens[key] = (self._app_token() if ctx.token_kind == "application"
                                 else self._user_token(entry, list(scopes)))
        return self._tokens[key]

    # -- MSAL -----------------------------------------------------------------------------------
    def _app_token(self) -> str:
        if self._confidential is None:
            self._confidential = self._msal.ConfidentialClientApplication(
                self.cfg["client_id"], authority=self.cfg["authority"], client_credential=self._credential())
        result = self._confidential.acquire_token_for_client(scopes=list(APP_SCOPES))
        return self._access_token(result, "application")

    def _credential(self) -> Any:
        secret_env = self.cfg.get("client_secret_env")
        if secret_env:
            secret = os.environ.get(secret_env)
            if not secret:
                raise CredentialError(f"environment variable {secret_env} (the client secret) is not set")
            return secret
        path_env, thumb_env = self.cfg["certificate_path_env"], self.cfg["certificate_thumbprint_env"]
        path, thumbprint = os.environ.get(path_env), os.environ.get(thumb_env)
        if not path or not thumbprint:
            missing = path_env if not path else thumb_env
            raise CredentialError(f"environment variable {missing} (the client certificate) is not set")
        try:
            key = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialError(f"cannot read the certificate named by {path_env} ({type(exc).__name__})") from None
        return {"private_key": key, "thumbprint": thumbprint.replace(":", "")}

    def _user_token(self, entry: Configured, scopes: list[str]) -> str:
        assert entry.user is not None
        app = self._public_app()
        result = None
        accounts = app.get_accounts(username=entry.user.upn)
        if accounts:
            result = app.acquire_token_silent(scopes, account=accounts[0])
        if not result:
            if not self.interactive:
                raise CredentialError(f"no cached sign-in for {entry.user.upn} ({entry.name}); sign in once with "
                                      "device_code = true outside pytest-xdist, or set token_env")
            flow = app.initiate_device_flow(scopes=scopes)
            if "user_code" not in flow:
                raise CredentialError(f"msal: device code flow did not start for {entry.name}: "
                                      f"{flow.get('error')}: {_one_line(flow.get('error_description'))}")
            print(f"[{entry.name}] sign in as {entry.user.upn}: {flow.get('message')}", file=sys.stderr, flush=True)
            result = app.acquire_token_by_device_flow(flow)
        token = self._access_token(result, entry.name)
        self._check_user(token, result, entry)
        self._save_cache()
        return token

    def _check_user(self, token: str, result: dict[str, Any], entry: Configured) -> None:
        assert entry.user is not None
        claims = decode(token) or result.get("id_token_claims") or {}
        oid = str(claims.get("oid") or "").lower()
        if oid and oid != entry.user.id.lower():
            name = claims.get("upn") or claims.get("preferred_username") or oid
            raise CredentialError(f"{entry.name}: signed in as {name}, but the entry is for {entry.user.upn}")

    @staticmethod
    def _access_token(result: Any, name: str) -> str:
        if isinstance(result, dict) and result.get("access_token"):
            return str(result["access_token"])
        err = result.get("error") if isinstance(result, dict) else "no answer"
        desc = _one_line(result.get("error_description")) if isinstance(result, dict) else ""
        raise CredentialError(f"msal: no token for {name}: {err}: {desc}".rstrip(": "))

    def _public_app(self) -> Any:
        if self._public is None:
            self._cache = self._msal.SerializableTokenCache()
            path = Path(self.cfg["token_cache"])
            with contextlib.suppress(FileNotFoundError):
                self._cache.deserialize(path.read_text(encoding="utf-8"))
            self._public = self._msal.PublicClientApplication(
                self.cfg["client_id"], authority=self.cfg["authority"], token_cache=self._cache)
        return self._public

    def _save_cache(self) -> None:
        if self._cache is None or not self._cache.has_state_changed:
            return
        path = Path(self.cfg["token_cache"])
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self._cache.serialize())
        os.chmod(path, 0o600)


def _describe(ctx: PermissionContext) -> str:

    return describe_context(ctx)
