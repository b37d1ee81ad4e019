"""A target armed with the safety machinery: the write guard on its client and, for tenants, the journal.

Every target a run talks to is a :class:`GuardedTarget`: the pytest plugin's fixture, the probes of
``observe`` and ``diff``, and ``restore``. The plain :class:`~conformance.target.target.Target` below it
knows nothing of guards or journals (the layers: safety builds on target, never the other way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from conformance.safety.guard import WriteGuard
from conformance.safety.journal import Journal, RestoreOutcome
from conformance.target.target import Target


@dataclass
class GuardedTarget(Target):
    """A :class:`Target` whose every request passes the write guard, and whose users are journaled.

    The guard sits at the client's transport (the last point before the socket). With ``record`` and
    a profile that journals (tenants, or ``journal = true``), each user is journaled before the first
    write to them, so :meth:`restore_journaled` can bring them back.
    """

    journal: Journal | None = field(init=False, default=None)
    guard: WriteGuard = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        profile = self.profile
        if self.record and profile.journal:
            self.journal = Journal.open(profile, self.journal_read)
        self.guard = WriteGuard(profile.test_users(), readonly=profile.mode == "readonly",
                                before_write=self.journal.before_write if self.journal else None,
                                base_path=urlsplit(self.base_url).path)
        self.client.guard = self.guard

    def restore_journaled(self) -> list[RestoreOutcome]:
        """Restore every user this run journaled (see :meth:`Journal.restore`); ``[]`` without a journal."""
        if self.journal is None or not self.journal.users:
            return []
        with self.restoring():
            return self.journal.restore(self)
