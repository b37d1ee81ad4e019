"""``python -m conformance restore JOURNAL --target PROFILE``: bring back every user of a journal.

The journal (:mod:`conformance.safety.journal`) is validated whole before the first request; each user
is restored through the guarded client and verified by reading back.
"""

from __future__ import annotations

import os
import sys

from conformance.core.errors import EXIT_CONFORMS, EXIT_RESTORE_FAILED, TargetUnreachable, ToolError
from conformance.safety.guarded import GuardedTarget
from conformance.safety.journal import Journal, read_journal, restore_user
from conformance.target.profile import load_profile


def restore_from_journal(journal: str | os.PathLike[str], profile_path: str | os.PathLike[str]) -> int:
    """``python -m conformance restore``: restore every user of a journal; 0 when all read back as journaled."""
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
    print(f"journal {jf.path}: run {head.get('run_id')}, {len(jf.snapshots)} user(s)")
    target = GuardedTarget(profile=profile, base_url=profile.base_url, edition=profile.edition, record=False)
    journal_obj = Journal(jf.path, profile, target.state, started=True)
    outcomes = []
    with target.restoring():
        for user_id, snap in jf.snapshots.items():
            outcome = restore_user(target, by_id[user_id], snap["methods"])
            if outcome.unreachable and not outcomes:
                raise TargetUnreachable(f"target {profile.base_url} unreachable: {outcome.problem}")
            journal_obj.mark(outcome)
            print(outcome.line(), file=sys.stdout if outcome.ok else sys.stderr)
            outcomes.append(outcome)
    failed = sum(not o.ok for o in outcomes)
    if failed:
        print(f"error: {failed} user(s) not restored; the journal {jf.path} is kept", file=sys.stderr)
        return EXIT_RESTORE_FAILED
    print(f"all {len(jf.snapshots)} user(s) read back as journaled")
    return EXIT_CONFORMS
