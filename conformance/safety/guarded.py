"""A target armed with the safety machinery: the write guard on its client and, for tenants, the journal.

Every target a run talks to is a :class:`GuardedTarget`: the pytest plugin's fixture, the probes of
``observe`` and ``diff``, and ``restore``. The plain :class:`~conformance.target.target.Target` below it
knows nothing of guards or journals (the layers: safety builds on target, never the other way).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from conformance.safety.guard import WriteGuard
from conformance.safety.journal import Journal
from conformance.safety.restore import RestoreOutcome, restore_journaled
from conformance.target.auth.providers import make_provider
from conformance.target.client import Exchange
from conformance.target.profile import User
from conformance.target.target import Target


class JournalingGuard:
    """The write guard, plus the journal's write-ahead record of every write it lets through.

    After the guard allows a write (and the journal has snapshotted its user), the write's intent,
    the change its body asks for, is appended to the journal before the request goes out; its
    status is appended when the answer comes (every attempt, retries included). Every other
    attribute (``identify``, ``screen``, ``refusals``) is the guard's own.
    """

    def __init__(self, guard: WriteGuard, journal: Journal) -> None:
        self._guard = guard
        self._journal = journal
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never recurse before __init__ has run (copy, pickle)
            raise AttributeError(name)
        return getattr(self._guard, name)

    def __call__(self, method: str, path: str, me: User | None = None, **kw: Any) -> User | None:
        """Guard the request; journal a write's intent before it is sent."""
        user = self._guard(method, path, me, **kw)
        if user is not None:
            self._journal.intend(user, method, path, getattr(self._local, "body", None))
        return user

    def sending(self, body: Any) -> Any:
        """Set the JSON body of the request this thread is about to send (``None``: none, or unknown);
        return the one it replaces."""
        outer = getattr(self._local, "body", None)
        self._local.body = body
        return outer

    def answered(self, exchange: Exchange) -> None:
        """A listener of the client: the status of each attempt of a journaled write."""
        self._journal.answered(exchange.method, exchange.status)


@dataclass
class GuardedTarget(Target):
    """A :class:`Target` whose every request passes the write guard, and whose users are journaled.

    The guard sits at the client's transport (the last point before the socket). With ``record`` and
    a profile that journals (tenants, or ``journal = true``), each user is journaled before the first
    write to them and every write's intent before it is sent, so :meth:`restore_journaled` can bring
    them back. Tokens are this worker's (a profile may give each pytest-xdist worker its own).
    """

    journal: Journal | None = field(init=False, default=None)
    guard: WriteGuard = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        profile = self.profile
        if self.worker:
            self.provider = make_provider(profile, self.worker)
        if self.record and profile.journal:
            self.journal = Journal.open(profile, self.journal_read)
        self.guard = WriteGuard(profile.test_users(), readonly=profile.mode == "readonly",
                                before_write=self.journal.before_write if self.journal else None,
                                base_path=urlsplit(self.base_url).path)
        self.client.guard = self.guard
        if self.journal is not None:
            journaling = JournalingGuard(self.guard, self.journal)
            self.client.guard = journaling
            self.client.listeners.append(journaling.answered)
            send = self.client.request

            def request(method: str, path: str, **kw: Any) -> Any:
                outer = journaling.sending(kw.get("json"))
                try:
                    return send(method, path, **kw)
                finally:  # the journal's own snapshot read runs inside the guard of the write it precedes
                    journaling.sending(outer)

            self.client.request = request  # type: ignore[method-assign]

    def restore_journaled(self) -> list[RestoreOutcome]:
        """Restore every user this run journaled (see :mod:`conformance.safety.restore`); ``[]`` without a journal."""
        if self.journal is None or not self.journal.users:
            return []
        with self.restoring():
            return restore_journaled(self, self.journal)
