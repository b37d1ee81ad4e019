"""A target under test: its profile, a token provider, an HTTP client and the worker's users.

The suite knows a target only through HTTP and this object. State is set up and read back through
the Graph API itself, as a Privileged Authentication Administrator.

This layer knows nothing of the safety machinery: :class:`conformance.safety.guarded.GuardedTarget`
arms the client with the write guard (writes only to the profile's test users, none in readonly mode)
and, for tenants, the journal; every target a run uses is built that way. On targets that replicate,
the first read after a write waits until the profile's ``settle_s`` has passed since it (in the
client, :class:`~conformance.target.client.GraphClient`), and, with ``consistency_timeout_s`` > 0, a read
of a user after a successful write polls, for a bounded time, until the write shows.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from conformance.target.auth.contexts import token_text
from conformance.target.auth.providers import ADMIN_CONTEXT, SELF_CONTEXT, TokenProvider, make_provider
from conformance.target.client import PHONE_METHODS, GraphClient, RetryPolicy, TargetBroken
from conformance.target.numbers import fresh_number
from conformance.target.profile import ROLES, TargetProfile, User
from strategies.methods import PHONE_METHOD_IDS, TYPE_FOR_ID
from strategies.permissions import PermissionContext

CREATE_ORDER = ("mobile", "alternateMobile", "office")
DELETE_ORDER = ("alternateMobile", "office", "mobile")


class SetupFailed(AssertionError):
    """The suite could not bring a user to the state a test starts from."""


class RoleMissing(LookupError):
    """The profile names no user for a role a test needs (the test is skipped with this reason)."""


class UnknownRole(ValueError):
    """A role name the suite does not know (not in :data:`conformance.target.profile.ROLES`): a bug in
    the test that asks for it, never a reason to skip."""


@dataclass
class Target:
    """Everything a test needs to talk to the implementation under test."""

    profile: TargetProfile
    base_url: str
    edition: str
    worker: int = 0
    provider: TokenProvider = field(init=False)
    client: GraphClient = field(init=False)
    record: bool = True
    frugal: bool = False

    def __post_init__(self) -> None:
        profile = self.profile
        self.provider = make_provider(profile)
        retry = RetryPolicy(attempts=profile.retry_attempts, max_wait_s=profile.retry_max_wait_s,
                            run_retry_budget=profile.retry_budget)
        self._tokens: dict[tuple[PermissionContext, str | None], str | None] = {}
        self._last_read: tuple[str, int, dict[str, dict[str, Any]]] | None = None
        self._pending: dict[str, tuple[float, dict[str, str | None]]] = {}
        self.client = GraphClient(self.base_url, budget=profile.request_budget, retry=retry,
                                  settle_s=profile.settle_s)
        if profile.consistency_timeout_s > 0:
            self.client.write_observers.append(self._expect_write)
        self._issued: dict[str, tuple[str, str | None]] = {}
        self.client.describe_token = self._describe_token

    # -- users and tokens -------------------------------------------------------------------------
    def user(self, role: str) -> User:
        """This worker's user for ``role``.

        Raises :class:`UnknownRole` for a name that is not a role at all (a misspelling), and
        :class:`RoleMissing` when the profile names no user for a known role.
        """
        if role not in ROLES:
            raise UnknownRole(f"unknown role {role!r} (known: {', '.join(ROLES)})")
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
        if value:
            if len(self._issued) >= 4096:
                self._issued.pop(next(iter(self._issued)))
            self._issued[value] = (token_text(ctx), subject.key if subject else None)
        return value

    def _describe_token(self, token: str | None) -> tuple[str | None, str | None]:
        """What a token this target handed out stood for, and whose it was (``None``s for one it did not)."""
        if token is None:
            return "none", None
        if not token:
            return "empty", None
        return self._issued.get(token, (None, None))

    def admin_token(self, acting_on: User | None = None) -> str | None:
        """The setup/read-back token: a Privileged Authentication Administrator with ReadWrite.All.

        When the administrator would act on their own methods (self-service, which edition
        ``current`` refuses), a minting provider signs the token in as another user instead.
        """
        return self.token(ADMIN_CONTEXT, self._admin_subject(acting_on))

    def self_token(self, user: User) -> str | None:
        """A token of ``user`` acting on their own methods (UserAuthenticationMethod.ReadWrite)."""
        return self.token(SELF_CONTEXT, self.provider.subject(SELF_CONTEXT, user))

    def admin_subject(self, acting_on: User | None = None) -> User:
        """The user the set-up token (:meth:`admin_token`) is signed in as when acting on ``acting_on``."""
        return self._admin_subject(acting_on)

    def _admin_subject(self, acting_on: User | None = None) -> User:
        roles = [r for r in ("privileged_auth_admin", "global_admin", "caller") if self.profile.has_role(r)]
        candidates = [self.user(r) for r in roles]
        if self.provider.can_mint and acting_on is not None:
            candidates = [u for u in candidates if u.id != acting_on.id] or candidates
        return self.provider.subject(ADMIN_CONTEXT, candidates[0])

    # -- state through the API --------------------------------------------------------------------
    def state(self, user: User) -> dict[str, dict[str, Any]]:
        """The user's phone methods by type, read as the administrator.

        After a successful write to ``user`` on a replicating target, reads again (for at most
        ``consistency_timeout_s`` after the write) until the write shows; then the verdict is the
        caller's. A read with nothing sent since the last read of the same user is answered from
        that read (the request budget of a tenant run is small).
        """
        cached = self._cached(user)
        if cached is not None:
            return cached
        out = self._read(user)
        pending = self._pending.get(user.id.lower())
        pause = 0.5
        while pending is not None and not _shows(out, pending[1]):
            if time.monotonic() - pending[0] >= self.profile.consistency_timeout_s:
                break
            time.sleep(pause)
            pause = min(pause * 2, 4.0)
            out = self._read(user)
        self._pending.pop(user.id.lower(), None)
        return out

    def _read(self, user: User) -> dict[str, dict[str, Any]]:
        with self.client.setup():
            response = self.client.list(GraphClient.user_prefix("id", user), self.admin_token(user))
        if response.status_code != 200:
            raise SetupFailed(f"reading {user.key}'s phone methods as admin answered {response.status_code}")
        items = _value_list(response)
        if items is None:
            # what the user holds is unknown: no write may go to them (nor a journal entry be trusted)
            raise TargetBroken(f"reading {user.key}'s phone methods: the answer is not {{\"value\": [ {{...}} ]}}; "
                               "nothing is written to this user")
        out: dict[str, dict[str, Any]] = {}
        for item in items:
            kind = item.get("phoneType") or TYPE_FOR_ID.get(str(item.get("id")), "?")
            out[str(kind)] = item
        self._last_read = (user.id.lower(), self.client.requests_sent, out)
        return out

    def _cached(self, user: User) -> dict[str, dict[str, Any]] | None:
        """A copy of the last read of ``user`` if no request was sent since (and no write awaits showing)."""
        last = self._last_read
        if (last is None or last[0] != user.id.lower() or last[1] != self.client.requests_sent
                or user.id.lower() in self._pending):
            return None
        return {kind: dict(item) for kind, item in last[2].items()}

    def journal_read(self, user: User) -> dict[str, dict[str, Any]]:
        """The user's state for the journal: the read that was just made, if nothing was sent since."""
        cached = self._cached(user)
        return cached if cached is not None else self._read(user)

    def _expect_write(self, method: str, path: str, body: Any, user: User, response: requests.Response) -> None:
        """Remember what a successful write should show on the next read of its user."""
        if not 200 <= response.status_code < 300:
            return
        effect = _write_effect(method, path, body)
        if effect is None:
            return
        kind, expected = effect
        _, wants = self._pending.get(user.id.lower(), (0.0, {}))
        wants[kind] = expected
        self._pending[user.id.lower()] = (time.monotonic(), wants)

    def numbers(self, user: User) -> dict[str, str]:
        """The user's phone numbers by type (the comparable core of :meth:`state`)."""
        return {t: str(item.get("phoneNumber")) for t, item in self.state(user).items()}

    def reset(self, user: User, want: Mapping[str, str] | None = None) -> None:
        """Bring ``user`` to exactly ``want`` (type -> number) by deleting and creating, in allowed order."""
        self.client.wanted[user.key] = {k: v for k, v in (want or {}).items() if v is not None}
        with self.client.setup():
            self._reset(user, want)

    def ensure(self, user: User, types: tuple[str, ...]) -> None:
        """Bring ``user`` to hold exactly ``types``, each with a fresh number.

        A ``frugal`` target (the budget plan) keeps the numbers the user already holds and only deletes
        and creates what differs: for a test that needs the slots, not particular numbers.
        """

        held = self.numbers(user) if self.frugal else {}
        self.reset(user, {t: held.get(t) or fresh_number() for t in types})

    def _reset(self, user: User, want: Mapping[str, str] | None = None) -> None:
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
        got = self.numbers(user)
        if got != want:
            raise SetupFailed(f"setup: {user.key} should hold {sorted(want)} but holds {sorted(got)}")

    # -- restores ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def restoring(self) -> Iterator[None]:
        """Restores are not cut short by the run's budgets: no request cap, a fresh retry allowance."""
        budget, retry = self.client.budget, self.client.retry
        self.client.budget = 0
        self.client.retry = RetryPolicy(attempts=max(retry.attempts, 6), max_wait_s=max(retry.max_wait_s, 60.0),
                                        run_retry_budget=50)
        try:
            yield
        finally:
            retry.log.extend(self.client.retry.log)
            retry.waits.extend(self.client.retry.waits)
            self.client.budget, self.client.retry = budget, retry


_DIGITS = re.compile(r"\D")


def _value_list(response: requests.Response) -> list[dict[str, Any]] | None:
    """The ``value`` list of a list answer when it is ``{"value": [ {...}, ... ]}``, else ``None``."""
    try:
        body = response.json()
    except ValueError:
        return None
    items = body.get("value") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    return items


def _write_effect(method: str, path: str, body: Any) -> tuple[str, str | None] | None:
    """``(phone type, number or None for gone)`` a successful write should show; ``None`` when unknown."""
    tail = path.split("?", 1)[0].rstrip("/")
    verb = method.upper()
    if verb == "POST" and tail.endswith(PHONE_METHODS) and isinstance(body, dict):
        kind, number = body.get("phoneType"), body.get("phoneNumber")
        return (kind, number) if isinstance(kind, str) and isinstance(number, str) else None
    if verb not in ("PATCH", "DELETE") or PHONE_METHODS + "/" not in tail:
        return None
    kind = TYPE_FOR_ID.get(tail.rsplit("/", 1)[1].lower())
    if kind is None:
        return None
    if verb == "DELETE":
        return kind, None
    number = body.get("phoneNumber") if isinstance(body, dict) else None
    return (kind, number) if isinstance(number, str) else None


def _shows(state: Mapping[str, Mapping[str, Any]], wants: Mapping[str, str | None]) -> bool:
    """True when ``state`` shows every expected write (numbers compared by their digits)."""
    for kind, number in wants.items():
        if number is None:
            if kind in state:
                return False
        elif kind not in state or _DIGITS.sub("", str(state[kind].get("phoneNumber"))) != _DIGITS.sub("", number):
            return False
    return True
