"""A target under test: its profile, a token provider, an HTTP client and the worker's users.

The suite knows a target only through HTTP and this object. State is set up and read back through
the Graph API itself, as a Privileged Authentication Administrator.

This layer knows nothing of the safety machinery: :class:`conformance.safety.guarded.GuardedTarget`
arms the client with the write guard (writes only to the profile's test users, none in readonly mode)
and, for tenants, the journal; every target a run uses is built that way. On targets that replicate,
the first read after a write waits until the profile's ``settle_s`` has passed since it (in the
client, :class:`~conformance.target.client.GraphClient`), and, with ``consistency_timeout_s`` > 0, a read
of a user after a successful write polls, for a bounded time, until the write shows. A read of a user's
methods follows ``@odata.nextLink`` (same origin and base path, through the guard, at most
:data:`MAX_PAGES` pages); a list that cannot be read whole is a broken answer before any write to the user.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance.core.errors import GuardRefusal
from conformance.target.auth.contexts import token_text
from conformance.target.auth.providers import ADMIN_CONTEXT, SELF_CONTEXT, TokenProvider, make_provider
from conformance.target.client import PHONE_METHODS, GraphClient, Limits, RetryPolicy, TargetBroken
from conformance.target.numbers import fresh_number
from conformance.target.profile import ROLES, TargetProfile, User
from conformance.target.tape import Tape, exchange_of
from strategies.methods import PHONE_METHOD_IDS, TYPE_FOR_ID
from strategies.permissions import PermissionContext

SETUP_OWNERS = {"DELETE": "delete-204", "POST": "create-201"}
"""The rule that claims a set-up step's effect (a DELETE removes the method, a POST creates it as sent)."""
CREATE_ORDER = ("mobile", "alternateMobile", "office")
DELETE_ORDER = ("alternateMobile", "office", "mobile")


class SetupFailed(AssertionError):
    """The suite could not bring a user to the state a test starts from, or could not read it back.

    The test's rule is then *not evaluated* (BROKEN), never failed: a set-up judges itself by the state
    it reads back, and the status of each set-up request is the business of the rule that claims it
    (``delete-204``, ``create-201``, ``list-200``). ``cause`` names what went wrong without naming
    the user (``DELETE of a mobile left it in place``), so that the report can group the rules that
    one cause kept from being evaluated; the message adds the particulars.
    """

    def __init__(self, cause: str, detail: str = "", owner: str | None = None) -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail
        self.owner = owner
        """The rule whose own claim the set-up saw broken (``delete-204`` for a DELETE that left the method):
        that rule fails for it; every other rule is not evaluated."""


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
        limits = Limits(max_response_bytes=profile.max_response_bytes, deadline_s=profile.request_deadline_s)
        self.client = GraphClient(self.base_url, budget=profile.request_budget, retry=retry,
                                  settle_s=profile.settle_s, limits=limits,
                                  timeout_s=min(30.0, profile.request_deadline_s))
        self.client.track_numbers = profile.kind == "tenant"
        if profile.consistency_timeout_s > 0:
            self.client.write_observers.append(self._expect_write)
        self.tape = Tape()
        self._issued: dict[str, tuple[str, str | None]] = {}
        self.client.describe_token = self._describe_token
        self.client.session.hooks["response"].append(self._on_response)

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Put every answer the session gets on the tape (the client's and schemathesis's requests alike),
        marked as set-up when the client sent it inside :meth:`GraphClient.setup`."""
        self.tape.record(exchange_of(response), setup=self.client._setup_depth > 0)

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
        """Every page of the user's phone methods (``@odata.nextLink`` followed, :func:`next_page`)."""
        prefix = GraphClient.user_prefix("id", user)
        path: str | None = prefix + PHONE_METHODS
        items: list[dict[str, Any]] = []
        pages = 0
        while path is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise TargetBroken(f"reading {user.key}'s phone methods: more than {MAX_PAGES} pages; "
                                   "nothing is written to this user")
            try:
                with self.client.setup():
                    response = self.client.request("GET", path, token=self.admin_token(user))
            except GuardRefusal as exc:  # a hostile nextLink the guard would not send
                raise TargetBroken(f"reading {user.key}'s phone methods: the next page's link was refused ({exc}); "
                                   "nothing is written to this user") from None
            if not 200 <= response.status_code < 300:
                raise SetupFailed(f"the administrator's list of a user's phone methods answered {response.status_code}",
                                  f"GET of {user.key}'s phone methods", owner="list-200")
            body = _json_object(response)
            # read tolerantly (the envelope is list-200's business), but a bare list carries no nextLink: where a
            # journal keeps people's phones safe, a list that may be partial is broken
            page = _value_list(body, bare_ok=not self.profile.journal)
            if page is None:
                # what the user holds is unknown: no write may go to them (nor a journal entry be trusted)
                raise TargetBroken(f"reading {user.key}'s phone methods: the answer is not "
                                   "{\"value\": [ {...} ]}; nothing is written to this user")
            items += page
            try:
                path = next_page(body, self.base_url)
            except ValueError as exc:
                raise TargetBroken(f"reading {user.key}'s phone methods: {exc}; nothing is written to this user") \
                    from None
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
        """Bring ``user`` to exactly ``want`` (type -> number) by deleting and creating, in allowed order.

        Judged by reading the state back, never by the statuses of the set-up's requests (another rule
        owns each of them): :class:`SetupFailed` names the step whose effect is missing.
        """
        self.tape.arranging(user.id)
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
        before = dict(current)
        sent: dict[str, int] = {}
        for kind in DELETE_ORDER:
            if kind in current and (kind not in want or current[kind] != want[kind]
                                    or (kind == "mobile" and "alternateMobile" in current)):
                sent[f"DELETE {kind}"] = self.client.delete(prefix, PHONE_METHOD_IDS[kind], token).status_code
                current.pop(kind)
        for kind in CREATE_ORDER:
            if kind in want and kind not in current:
                r = self.client.create(prefix, {"phoneNumber": want[kind], "phoneType": kind}, token)
                sent[f"POST {kind}"] = r.status_code
        got = self.numbers(user)
        if got != want:
            cause, detail = _setup_miss(before, want, got, sent)
            raise SetupFailed(cause, f"{user.key}: {detail}", owner=SETUP_OWNERS.get(cause.split(" ", 1)[0]))

    # -- restores ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def restoring(self) -> Iterator[None]:
        """Restores are not cut short by the run's budgets: no request cap, a fresh retry allowance, and a
        target that broke a limit earlier (``GraphClient.broken``) gets another try."""
        budget, retry = self.client.budget, self.client.retry
        self.client.forgive()
        self.client.numbers_are_ours = False  # a restore sends people's numbers back: never the suite's own
        self.client.budget = 0
        self.client.retry = RetryPolicy(attempts=max(retry.attempts, 6), max_wait_s=max(retry.max_wait_s, 60.0),
                                        run_retry_budget=50)
        try:
            yield
        finally:
            retry.log.extend(self.client.retry.log)
            retry.waits.extend(self.client.retry.waits)
            self.client.budget, self.client.retry = budget, retry
            self.client.numbers_are_ours = True


_DIGITS = re.compile(r"\D")


MAX_PAGES = 10
"""A user holds at most three phone methods: more pages than this is a target that never stops paging."""


def _json_object(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _value_list(body: Any, *, bare_ok: bool = False) -> list[dict[str, Any]] | None:
    """The methods of a list answer's body: ``{"value": [ {...}, ... ]}`` or, where ``bare_ok``, a bare list of
    objects read tolerantly (the envelope is the business of ``list-200``); ``None`` when neither."""
    items = body if bare_ok and isinstance(body, list) else body.get("value") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    return items


def next_page(body: Mapping[str, Any], base_url: str) -> str | None:
    """The path (under ``base_url``) of the next page a list answer links to, ``None`` on the last page.

    ``@odata.nextLink`` is followed only to the same origin (scheme, host, port) and under the same base
    path; anything else (another host, another base path, userinfo, a non-string) is ``ValueError``:
    the list cannot be read whole. The path then goes through the guard like any request.
    """
    link = body.get("@odata.nextLink")
    if link is None:
        return None
    if not isinstance(link, str) or not link or len(link) > 2048:
        raise ValueError("its @odata.nextLink is not a URL")
    base, nxt = urlsplit(base_url), urlsplit(link)
    try:
        same_origin = (nxt.scheme.lower(), (nxt.hostname or "").lower(), nxt.port or _PORTS.get(nxt.scheme.lower())) \
            == (base.scheme.lower(), (base.hostname or "").lower(), base.port or _PORTS.get(base.scheme.lower()))
    except ValueError:
        same_origin = False
    if not same_origin or nxt.username is not None or nxt.password is not None or "@" in nxt.netloc:
        raise ValueError("its @odata.nextLink leads to another origin (followed only on the target's own)")
    base_path = base.path.rstrip("/")
    if not nxt.path.startswith(base_path + "/"):
        raise ValueError("its @odata.nextLink leaves the target's base path")
    return nxt.path[len(base_path):] + (f"?{nxt.query}" if nxt.query else "")


_PORTS = {"http": 80, "https": 443}


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


def _setup_miss(before: Mapping[str, str], want: Mapping[str, str], got: Mapping[str, str],
                sent: Mapping[str, int]) -> tuple[str, str]:
    """What a set-up that read back ``got`` instead of ``want`` failed to do: a cause that names no user
    (for grouping) and the particulars (numbers, and the statuses the set-up's requests answered)."""
    statuses = ", ".join(f"{k} answered {v}" for k, v in sent.items()) or "nothing was sent"
    for kind in DELETE_ORDER:  # a method that should have gone and still holds its old number
        if (f"DELETE {kind}" in sent and kind in got and got[kind] == before.get(kind)
                and got[kind] != want.get(kind)):
            return (f"DELETE of {_a(kind)} left it in place",
                    f"{kind} still reads back {got[kind]!r} ({statuses})")
    for kind in CREATE_ORDER:
        if kind in want and kind not in got:
            return f"POST of {_a(kind)} did not create it", f"{kind} is not listed after the POST ({statuses})"
    for kind in CREATE_ORDER:
        if kind in want and got.get(kind) != want[kind]:
            return (f"POST of {_a(kind)} stored another number than the one sent",
                    f"{kind} reads back {got.get(kind)!r}, sent {want[kind]!r} ({statuses})")
    extra = sorted(set(got) - set(want))
    if extra:
        return (f"set-up left {_a(extra[0])} the user should not hold",
                f"{extra[0]} reads back {got[extra[0]]!r} ({statuses})")
    return "set-up did not reach the state it arranged", f"wanted {dict(want)}, reads back {dict(got)} ({statuses})"


def _a(kind: str) -> str:
    """``a mobile``, ``an office``, ``an alternateMobile``."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
