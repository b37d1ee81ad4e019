"""Restoring journaled users, at the end of a run or with ``python -m conformance restore JOURNAL --target PROFILE``.

A restore never trusts one read, nor a status. Entra replicates (facts §10: no SLA, 4-18 s seen), so
the first read after a run may show the users as they were *before* its writes; and a refused write
(409 ``phoneNumberNotUnique``) may have been applied. So, for every user the journal names:

1. **Settle**: read the user again and again until their state has not changed for the profile's
   ``consistency_window_s``, or until it shows exactly what the run's writes asked for (every one of
   them answered 2xx, so nothing else can still arrive). A user whose state never settles within
   ``consistency_timeout_s`` plus the window is not touched: the restore fails (exit 5) and says so.
2. **Put back**: the steps from the settled state to the snapshot, in an order the rules allow
   (deletes: alternateMobile, office, mobile; then PATCH what exists with another number; then
   creates: mobile, alternateMobile, office; then the mobile's SMS sign-in state). A step refused
   with any status may still have been applied: the restore stops sending and reads back.
3. **Verify**: read until the user shows the snapshot (within ``consistency_timeout_s`` plus the
   window); only then is the user "ok".

All users are settled together (one window for the lot, not one per user). Numbers are printed masked.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.core.errors import EXIT_CONFORMS, EXIT_RESTORE_FAILED, TargetUnreachable, ToolError
from conformance.safety.journal import (
    CREATE_ORDER,
    DELETE_ORDER,
    SMS_SETTABLE,
    Intent,
    Journal,
    Methods,
    describe_methods,
    read_journal,
    restorable_state,
)
from conformance.target.client import GraphClient, TargetBroken
from conformance.target.profile import User, load_profile
from conformance.target.target import Target
from strategies.methods import PHONE_METHOD_IDS


@dataclass
class RestoreOutcome:
    """What a restore did to one user and whether the read-back matched the journal."""

    user: User
    ok: bool
    steps: list[str]
    problem: str | None = None
    original: Methods = field(default_factory=dict)
    unreachable: bool = False

    def line(self) -> str:
        """One printable line (numbers masked)."""
        head = f"restore {self.user.key}: {'ok' if self.ok else 'FAILED'}"
        done = "; ".join(self.steps) if self.steps else "nothing to do"
        tail = f" - {self.problem}" if self.problem else ""
        return f"{head} ({describe_methods(self.original)}; {done}){tail}"


@dataclass
class Pending:
    """One user being restored: the snapshot, the writes the run announced, what the reads showed."""

    user: User
    original: Methods
    intents: Sequence[Intent] = ()
    outcome: RestoreOutcome = field(init=False)
    seen: Methods | None = None
    since: float = 0.0
    settled: Methods | None = None

    def __post_init__(self) -> None:
        self.outcome = RestoreOutcome(self.user, False, [], original=self.original)


def plan_restore(current: Mapping[str, Mapping[str, Any]], original: Mapping[str, Mapping[str, Any]]
                 ) -> list[tuple[str, str, str | None]]:
    """The steps that turn ``current`` into ``original``: ``(operation, phone type, number)`` in allowed order."""
    steps: list[tuple[str, str, str | None]] = []
    for kind in DELETE_ORDER:
        if kind in current and kind not in original:
            steps.append(("delete", kind, None))
    for kind in CREATE_ORDER:
        if kind in current and kind in original:
            want = original[kind].get("phoneNumber")
            if current[kind].get("phoneNumber") != want:
                steps.append(("update", kind, want))
    for kind in CREATE_ORDER:
        if kind in original and kind not in current:
            steps.append(("create", kind, original[kind].get("phoneNumber")))
    return steps


ANY_SMS = "(any)"
"""In an expected state: the mobile's SMS sign-in state is the target's to decide (its number was changed)."""


def expected_after(original: Methods, intents: Sequence[Intent]) -> Methods | None:
    """What the user holds once every announced write shows, when that is certain; else ``None``.

    Certain only when every write was answered 2xx and asked for a known change: a refused write
    may or may not have been applied, and an unanswered one may still arrive. A mobile whose number
    was written may hold any SMS sign-in state (:data:`ANY_SMS`).
    """
    if not intents or not all(i.accepted and i.change for i in intents):
        return None
    state = {k: dict(v) for k, v in original.items()}
    for intent in intents:
        change, kind = intent.change, intent.change["type"]
        if change.get("gone"):
            state.pop(kind, None)
        elif "sms" in change:
            if kind not in state:
                return None
            state[kind]["smsSignInState"] = change["sms"]
        elif isinstance(change.get("number"), str):
            if intent.method == "POST" and kind in state:
                return None
            state[kind] = {"phoneNumber": change["number"]}
            if kind == "mobile":
                state[kind]["smsSignInState"] = ANY_SMS
        else:
            return None
    return state


def shows(state: Mapping[str, Mapping[str, Any]], expected: Mapping[str, Mapping[str, Any]]) -> bool:
    """True when ``state`` is ``expected`` (where that allows any SMS sign-in state, any will do)."""
    if state.keys() != expected.keys():
        return False
    for kind, want in expected.items():
        have = dict(state[kind])
        if want.get("smsSignInState") == ANY_SMS:
            have.pop("smsSignInState", None)
            want = {k: v for k, v in want.items() if k != "smsSignInState"}
        if have != dict(want):
            return False
    return True


def _numbers(state: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {k: v.get("phoneNumber") for k, v in state.items()}


class Restorer:
    """Restores users through ``target`` (guarded, as the administrator), patient with replication."""

    def __init__(self, target: Target, *, window_s: float | None = None, timeout_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        profile = target.profile
        self.target = target
        self.window = profile.consistency_window_s if window_s is None else window_s
        self.timeout = (profile.consistency_timeout_s if timeout_s is None else timeout_s) + self.window
        self.clock, self.sleep = clock, sleep
        self.poll = max(0.25, self.window)
        """Settling reads a user once per window: two equal reads a window apart (a lagging write shows
        within the window) settle them; a frugal tenant budget gets two reads per user, not ten."""

    def read(self, user: User, *, first: bool = False) -> Methods:
        """A read of ``user`` as the administrator. The ``first`` waits, as every read of the run does, for
        the run's own accepted writes to show (``consistency_timeout_s``); later ones are fresh reads."""
        return restorable_state(self.target.state(user) if first else self.target._read(user))

    def restore(self, users: Sequence[tuple[User, Methods, Sequence[Intent]]]) -> list[RestoreOutcome]:
        """Settle, put back and verify every user; one outcome each, in order."""
        pending = [Pending(u, o, i) for u, o, i in users]
        live = self._guarded(pending, self._settle)
        for p in live:
            self._guarded([p], self._put_back)
        self._guarded([p for p in live if p.outcome.problem is None], self._verify)
        return [p.outcome for p in pending]

    def _guarded(self, pending: list[Pending], phase: Callable[[list[Pending]], None]) -> list[Pending]:
        """Run a phase; a broken target or a failed read fails the users still in it. Returns the survivors."""
        try:
            phase(pending)
        except (TargetBroken, ToolError, AssertionError) as exc:
            for p in pending:
                if not p.outcome.ok and p.outcome.problem is None:
                    self._fail(p, exc)
        return [p for p in pending if p.outcome.problem is None]

    def _try(self, p: Pending, read: Callable[[], Methods]) -> Methods | None:
        """``read()``, or ``None`` with ``p`` failed when the target broke or the read failed (that user only)."""
        try:
            return read()
        except (TargetBroken, ToolError, AssertionError) as exc:
            self._fail(p, exc)
            return None

    @staticmethod
    def _fail(p: Pending, exc: Exception) -> None:
        p.outcome.problem = f"{type(exc).__name__}: {exc}"
        p.outcome.unreachable = isinstance(exc, TargetBroken) and exc.unanswered

    # -- 1. settle ----------------------------------------------------------------------------------
    def _settle(self, pending: list[Pending]) -> None:
        start = self.clock()
        waiting = list(pending)
        while waiting:
            now = self.clock()
            for p in list(waiting):
                state = self._try(p, lambda p=p: self.read(p.user, first=p.seen is None))
                if state is None:
                    waiting.remove(p)
                    continue
                now = self.clock()
                if state != p.seen:
                    p.seen, p.since = state, now
                certain = expected_after(p.original, p.intents)
                stable = now - p.since >= self.window and now - start >= self.window
                if stable or (certain is not None and not shows(p.original, certain) and shows(state, certain)):
                    p.settled = state
                    waiting.remove(p)
            if not waiting:
                return
            if self.clock() - start > self.timeout:
                for p in waiting:
                    p.outcome.problem = (f"could not confirm what {p.user.key} holds: the reads did not stay the same "
                                         f"for {self.window:g} s within {self.timeout:g} s (replication); nothing "
                                         "was sent to this user")
                return
            self.sleep(self.poll)

    # -- 2. put back --------------------------------------------------------------------------------
    def _put_back(self, pending: list[Pending]) -> None:
        (p,) = pending
        target, user, done = self.target, p.user, p.outcome.steps
        prefix = GraphClient.user_prefix("id", user)
        token = target.admin_token(user)
        assert p.settled is not None
        for operation, kind, number in plan_restore(p.settled, p.original):
            method_id = PHONE_METHOD_IDS[kind]
            if operation == "delete":
                r = target.client.delete(prefix, method_id, token)
            elif operation == "update":
                r = target.client.update(prefix, method_id, {"phoneNumber": number}, token)
            else:
                r = target.client.create(prefix, {"phoneNumber": number, "phoneType": kind}, token)
            if not 200 <= r.status_code < 300:
                done.append(f"{operation} {kind} answered {r.status_code} (reading back: it may have been applied)")
                return
            done.append(f"{operation}d {kind}" if operation != "create" else f"recreated {kind}")

    # -- 3. verify ----------------------------------------------------------------------------------
    def _verify(self, pending: list[Pending]) -> None:
        start = self.clock()
        waiting = [p for p in pending if p.outcome.steps or p.settled != p.original]
        for p in pending:
            if p not in waiting:
                p.outcome.ok = True
        sms_done: set[int] = set()
        pause = 0.25
        while waiting:
            acted = False
            for p in list(waiting):
                state = self._try(p, lambda p=p: self.read(p.user))
                if state is None:
                    waiting.remove(p)
                    continue
                if state == p.original:
                    p.outcome.ok = True
                    waiting.remove(p)
                elif _numbers(state) == _numbers(p.original) and id(p) not in sms_done:
                    sms_done.add(id(p))
                    acted = self._fix_sms(p, state) or acted
                p.seen = state
            if not waiting:
                return
            if self.clock() - start > self.timeout and not acted:  # after an action, always one more read
                for p in waiting:
                    p.outcome.problem = (f"read back {describe_methods(p.seen or {})}, journal says "
                                         f"{describe_methods(p.original)} (still after {self.timeout:g} s)")
                return
            self.sleep(pause)
            pause = min(pause * 2, max(0.25, self.window / 2), 4.0)

    def _fix_sms(self, p: Pending, state: Methods) -> bool:
        """Set the mobile's SMS sign-in state back as journaled; True when an action was sent."""
        want = p.original.get("mobile", {}).get("smsSignInState")
        have = state.get("mobile", {}).get("smsSignInState")
        if want not in SMS_SETTABLE or want == have:
            return False
        action = "enableSmsSignIn" if want == "ready" else "disableSmsSignIn"
        r = self.target.client.action(GraphClient.user_prefix("id", p.user), PHONE_METHOD_IDS["mobile"], action,
                                      self.target.admin_token(p.user))
        p.outcome.steps.append(action if 200 <= r.status_code < 300
                               else f"{action} answered {r.status_code} (reading back)")
        return True


def restore_journaled(target: Target, journal: Journal) -> list[RestoreOutcome]:
    """Restore every user ``journal`` recorded in this run and record each outcome in it."""
    users = [(user, methods, tuple(journal.intents.get(uid, ()))) for uid, (user, methods) in journal.users.items()]
    outcomes = Restorer(target).restore(users)
    for outcome in outcomes:
        journal.mark(outcome)
    return outcomes


def restore_from_journal(journal: str | os.PathLike[str], profile_path: str | os.PathLike[str]) -> int:
    """``python -m conformance restore``: restore every user of a journal; 0 when all read back as journaled.

    The journal is validated whole (every value) before the first request; a damaged one is exit 2.
    """
    from conformance.safety.guarded import GuardedTarget  # the guarded target builds on this module

    profile = load_profile(profile_path)
    jf = read_journal(journal)
    head = jf.header
    if profile.embedded:
        raise ToolError(f"profile {profile.name!r} is the embedded emulator: its state ended with the run")
    if head.get("profile") != profile.name or head.get("base_url") != profile.base_url:
        raise ToolError(f"journal {jf.path} was written for {head.get('profile')!r} at {head.get('base_url')}, "
                        f"not {profile.name!r} at {profile.base_url}")
    by_id = {u.id.lower(): u for u in profile.test_users()}
    strangers = [str(s.get("user")) for i, s in jf.snapshots.items() if i not in by_id]
    if strangers:
        raise ToolError(f"journal {jf.path} names users the profile does not allow: {', '.join(strangers)}")
    print(f"journal {jf.path}: run {head.get('run_id')}, {len(jf.snapshots)} user(s)", flush=True)
    target = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition, record=False)
    journal_obj = Journal(jf.path, profile, target.state, started=True)
    users = [(by_id[uid], snap["methods"], jf.intents.get(uid, ())) for uid, snap in jf.snapshots.items()]
    with target.restoring():
        outcomes = Restorer(target).restore(users)
    if outcomes and all(o.unreachable for o in outcomes):
        raise TargetUnreachable(f"target {profile.base_url} unreachable: {outcomes[0].problem}")
    for outcome in outcomes:
        journal_obj.mark(outcome)
        print(outcome.line(), file=sys.stdout if outcome.ok else sys.stderr, flush=True)
    failed = sum(not o.ok for o in outcomes)
    if failed:
        print(f"error: {failed} user(s) not restored; the journal {jf.path} is kept", file=sys.stderr)
        return EXIT_RESTORE_FAILED
    print(f"all {len(jf.snapshots)} user(s) read back as journaled")
    return EXIT_CONFORMS
