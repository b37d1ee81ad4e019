"""A target under test: its profile, a token provider, an HTTP client and the worker's users.

The suite knows a target only through HTTP and this object. State is set up and read back through
the Graph API itself, as a Privileged Authentication Administrator.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.auth import ADMIN_CONTEXT, SELF_CONTEXT, TokenProvider, make_provider
from conformance.client import GraphClient, RetryPolicy
from conformance.profile import TargetProfile, User
from strategies.methods import PHONE_METHOD_IDS, TYPE_FOR_ID
from strategies.permissions import PermissionContext

CREATE_ORDER = ("mobile", "alternateMobile", "office")
DELETE_ORDER = ("alternateMobile", "office", "mobile")


class SetupFailed(AssertionError):
    """The suite could not bring a user to the state a test starts from."""


class RoleMissing(LookupError):
    """The profile names no user for a role a test needs."""


@dataclass
class Target:
    """Everything a test needs to talk to the implementation under test."""

    profile: TargetProfile
    base_url: str
    edition: str
    worker: int = 0
    provider: TokenProvider = field(init=False)
    client: GraphClient = field(init=False)
    settle_s: float = 0.0

    def __post_init__(self) -> None:
        self.provider = make_provider(self.profile)
        retry = RetryPolicy(max_wait_s=60.0 if self.profile.kind == "tenant" else 10.0)
        self.client = GraphClient(self.base_url, budget=self.profile.request_budget, retry=retry)
        self.settle_s = 5.0 if self.profile.kind == "tenant" else 0.0
        self._tokens: dict[tuple[PermissionContext, str | None], str | None] = {}

    # -- users and tokens -------------------------------------------------------------------------
    def user(self, role: str) -> User:
        """This worker's user for ``role``; raises :class:`RoleMissing` when the profile has none."""
        if not self.profile.has_role(role):
            raise RoleMissing(f"profile {self.profile.name!r} names no {role} user")
        return self.profile.user_for(role, self.worker)

    def token(self, ctx: PermissionContext, subject: User | None = None) -> str | None:
        """A token for ``ctx`` (cached for well-formed kinds; broken kinds are minted each time)."""
        key = (ctx, subject.id if subject else None)
        if ctx.token_kind in {"delegated", "application"} and key in self._tokens:
            return self._tokens[key]
        value = self.provider.token(ctx, subject)
        if ctx.token_kind in {"delegated", "application"}:
            self._tokens[key] = value
        return value

    def admin_token(self, acting_on: User | None = None) -> str | None:
        """The setup/read-back token: a Privileged Authentication Administrator with ReadWrite.All.

        When the administrator would act on their own methods (self-service, which edition
        ``current`` refuses), a minting provider signs the token in as another user instead.
        """
        return self.token(ADMIN_CONTEXT, self._admin_subject(acting_on))

    def self_token(self, user: User) -> str | None:
        """A token of ``user`` acting on their own methods (UserAuthenticationMethod.ReadWrite)."""
        return self.token(SELF_CONTEXT, self.provider.subject(SELF_CONTEXT, user))

    def _admin_subject(self, acting_on: User | None = None) -> User:
        roles = [r for r in ("privileged_auth_admin", "global_admin", "caller") if self.profile.has_role(r)]
        candidates = [self.user(r) for r in roles]
        if self.provider.can_mint and acting_on is not None:
            candidates = [u for u in candidates if u.id != acting_on.id] or candidates
        return self.provider.subject(ADMIN_CONTEXT, candidates[0])

    # -- state through the API --------------------------------------------------------------------
    def state(self, user: User) -> dict[str, dict[str, Any]]:
        """The user's phone methods by type, read as the administrator."""
        response = self.client.list(GraphClient.user_prefix("id", user), self.admin_token(user))
        if response.status_code != 200:
            raise SetupFailed(f"reading {user.key}'s phone methods as admin answered {response.status_code}")
        try:
            items = response.json()["value"]
        except (ValueError, KeyError, TypeError):
            raise SetupFailed(f"reading {user.key}'s phone methods: no JSON value list") from None
        out: dict[str, dict[str, Any]] = {}
        for item in items:
            if isinstance(item, dict):
                kind = item.get("phoneType") or TYPE_FOR_ID.get(str(item.get("id")), "?")
                out[str(kind)] = item
        return out

    def numbers(self, user: User) -> dict[str, str]:
        """The user's phone numbers by type (the comparable core of :meth:`state`)."""
        return {t: str(item.get("phoneNumber")) for t, item in self.state(user).items()}

    def reset(self, user: User, want: Mapping[str, str] | None = None) -> None:
        """Bring ``user`` to exactly ``want`` (type -> number) by deleting and creating, in allowed order."""
        want = dict(want or {})
        prefix = GraphClient.user_prefix("id", user)
        token = self.admin_token(user)
        current = self.numbers(user)
        if current == want:
            return
        for kind in DELETE_ORDER:
            if kind in current and (kind not in want or current[kind] != want[kind]
                                    or (kind == "mobile" and "alternateMobile" in current)):
                r = self.client.delete(prefix, PHONE_METHOD_IDS[kind], token)
                if r.status_code != 204:
                    raise SetupFailed(f"setup: deleting {user.key}'s {kind} answered {r.status_code}")
                current.pop(kind)
        for kind in CREATE_ORDER:
            if kind in want and kind not in current:
                r = self.client.create(prefix, {"phoneNumber": want[kind], "phoneType": kind}, token)
                if r.status_code not in (200, 201):
                    raise SetupFailed(f"setup: creating {user.key}'s {kind} answered {r.status_code}")
        self.settle()
        got = self.numbers(user)
        if got != want:
            raise SetupFailed(f"setup: {user.key} should hold {sorted(want)} but holds {sorted(got)}")

    def settle(self) -> None:
        """Give a replicated target time to converge after a write (no-op on emulators)."""
        if self.settle_s:
            time.sleep(self.settle_s)
