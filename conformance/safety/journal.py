"""The journal: what each user held before the run first wrote to them, and how to put it back.

Before the first write to a user is sent, the write guard calls :meth:`Journal.before_write`, which
reads the user's phone methods as the administrator and appends one JSON line to
``reports/journal/<run-id>.jsonl`` (flushed and fsync'd before the write goes out). If that read
fails, or shows masked numbers (an administrator who cannot see them could not restore them), the
write is refused.

At the end of the run :meth:`Journal.restore` brings every journaled user back exactly, in an order
the rules allow (deletes: alternateMobile, office, mobile; then PATCH what exists with another
number; then creates: mobile, alternateMobile, office; then the mobile's SMS sign-in state), and
verifies by reading back. After a crash, ``python -m conformance restore JOURNAL --target PROFILE``
does the same from the file (:mod:`conformance.safety.restore`).

Phone numbers are written in full only to the journal file (a local file, mode 0600); everything
printed masks them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.core.errors import GuardRefusal, ToolError
from conformance.core.privacy import mask_number
from conformance.target.client import GraphClient, TargetBroken
from conformance.target.profile import TargetProfile, User
from conformance.target.target import Target
from strategies.methods import PHONE_METHOD_IDS

DELETE_ORDER = ("alternateMobile", "office", "mobile")
CREATE_ORDER = ("mobile", "alternateMobile", "office")
SMS_SETTABLE = frozenset({"ready", "notEnabled"})
"""SMS sign-in states a restore can bring a mobile back to (enable / disable)."""

Methods = dict[str, dict[str, Any]]
"""A user's phone methods by type: ``{"mobile": {"phoneNumber": ..., "smsSignInState": ...}}``."""


def mask(number: Any) -> Any:
    """A phone number as it may be printed: country code and last two digits only."""
    return mask_number(number)


def describe_methods(methods: Mapping[str, Mapping[str, Any]]) -> str:
    """``mobile +1 ********34, office +1 ********01`` (masked), or ``none``."""
    parts = [f"{t} {mask(methods[t].get('phoneNumber'))}" for t in CREATE_ORDER if t in methods]
    return ", ".join(parts) or "none"


def restorable_state(methods: Mapping[str, Mapping[str, Any]]) -> Methods:
    """The parts of a user's methods a restore brings back: numbers, and the mobile's settable SMS state."""
    out: Methods = {}
    for kind, item in methods.items():
        entry: dict[str, Any] = {"phoneNumber": item.get("phoneNumber")}
        if kind == "mobile" and item.get("smsSignInState") in SMS_SETTABLE:
            entry["smsSignInState"] = item.get("smsSignInState")
        out[kind] = entry
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- the file -------------------------------------------------------------------------------------


@dataclass
class JournalFile:
    """A journal read back: its header and the first snapshot of each user (by id)."""

    path: Path
    header: dict[str, Any]
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    restored: dict[str, bool] = field(default_factory=dict)


JOURNAL_VERSION = 1
"""The journal format's version, written in the run header (journals without one are version 1)."""

PHONE_TYPES = frozenset(CREATE_ORDER)


def read_journal(path: str | os.PathLike[str]) -> JournalFile:
    """Read and validate a whole journal; any damage is a one-line :class:`ToolError` (exit 2).

    Everything is checked before anything is restored: every line is JSON (a truncated line, even
    the last, is refused), the header is a run of a known version, every snapshot names a user id
    and holds full numbers by known phone type, every restore record names an id.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ToolError(f"journal {p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolError(f"journal {p}: cannot read ({exc})") from None

    def damaged(n: int, problem: str) -> ToolError:
        return ToolError(f"journal {p}: line {n} {problem}; nothing was sent")

    records: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            hint = (" (truncated: the run was probably killed while writing it; the write it preceded was "
                    "never sent, so delete that line to restore the others)") if n == len(lines) else ""
            raise damaged(n, f"is not JSON{hint}") from None
        if not isinstance(rec, dict):
            raise damaged(n, "is not a JSON object")
        records.append((n, rec))
    if not records or records[0][1].get("event") != "run":
        raise ToolError(f"journal {p}: not a journal (no run header)")
    n, header = records[0]
    version = header.get("version", JOURNAL_VERSION)
    if version != JOURNAL_VERSION or isinstance(version, bool):
        raise damaged(n, f"has journal version {version!r}; this suite reads version {JOURNAL_VERSION}")
    for key in ("run_id", "profile", "base_url"):
        if not isinstance(header.get(key), str):
            raise damaged(n, f"(the run header) lacks {key}")
    out = JournalFile(p, header)
    for n, rec in records[1:]:
        event = rec.get("event")
        user_id = rec.get("id")
        if event not in ("snapshot", "restored"):
            raise damaged(n, f"has an unknown event {event!r}")
        if not isinstance(user_id, str) or not user_id.strip():
            raise damaged(n, f"({event}) has no user id")
        if event == "snapshot":
            problem = _snapshot_problem(rec.get("methods"))
            if problem:
                raise damaged(n, f"(snapshot of {user_id}) {problem}")
            out.snapshots.setdefault(user_id.lower(), rec)
        else:
            if not isinstance(rec.get("ok"), bool):
                raise damaged(n, "(restored) has no ok flag")
            out.restored[user_id.lower()] = rec["ok"]
    return out


def _snapshot_problem(methods: Any) -> str | None:
    """What is wrong with a snapshot's ``methods`` (``None`` when it can be restored from)."""
    if not isinstance(methods, dict):
        return "has no methods table"
    for kind, item in methods.items():
        if kind not in PHONE_TYPES:
            return f"has an unknown phone type {kind!r}"
        if not isinstance(item, dict):
            return f"has a {kind} that is not an object"
        number = item.get("phoneNumber")
        if not isinstance(number, str) or not number.strip() or "*" in number:
            return f"has no full {kind} number"
        if "smsSignInState" in item and item["smsSignInState"] not in SMS_SETTABLE:
            return f"has an SMS sign-in state that cannot be restored ({item['smsSignInState']!r})"
    return None


def _append(path: Path, record: Mapping[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=True, sort_keys=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def new_run_id() -> str:
    """A unique, sortable run id: UTC time, the pytest-xdist worker (if any), a random suffix."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{stamp}{'-' + worker if worker else ''}-{secrets.token_hex(3)}"


class Journal:
    """The journal of one run (one pytest-xdist worker): snapshots before first writes, then restores."""

    def __init__(self, path: Path, profile: TargetProfile, read: Callable[[User], Mapping[str, Any]], *,
                 run_id: str = "", started: bool = False) -> None:
        self.path = path
        self.profile = profile
        self.read = read
        self.run_id = run_id or path.stem
        self.users: dict[str, tuple[User, Methods]] = {}
        self._started = started

    @classmethod
    def open(cls, profile: TargetProfile, read: Callable[[User], Mapping[str, Any]],
             run_id: str | None = None, directory: str | os.PathLike[str] | None = None) -> Journal:
        """The journal ``<journal_dir>/<run-id>.jsonl``; the file (0600, folder 0700) appears at the first write."""
        folder = Path(directory if directory is not None else profile.journal_dir)
        run_id = run_id or new_run_id()
        return cls(folder / f"{run_id}.jsonl", profile, read, run_id=run_id)

    def _start(self) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)  # also when it existed already: numbers in full live here
        except OSError as exc:
            raise GuardRefusal(f"journal: cannot make the folder {folder} private (0700): {exc.strerror or exc}; "
                               "nothing was sent") from None
        _append(self.path, {"event": "run", "version": JOURNAL_VERSION, "run_id": self.run_id,
                            "profile": self.profile.name,
                            "kind": self.profile.kind, "base_url": self.profile.base_url, "started": _now(),
                            "pid": os.getpid()})
        self._started = True

    def before_write(self, user: User) -> None:
        """Snapshot ``user`` to the file (fsync'd) unless already done; refuse the write if impossible."""
        if user.id.lower() in self.users:
            return
        try:
            methods = restorable_state(self.read(user))
        except (AssertionError, ToolError) as exc:  # SetupFailed is an AssertionError
            raise GuardRefusal(f"journal: cannot record {user.key}'s phone methods before writing ({exc}); "
                               "nothing was sent") from None
        masked = [t for t, m in methods.items() if not isinstance(m.get("phoneNumber"), str)
                  or "*" in m["phoneNumber"] or not m["phoneNumber"].strip()]
        if masked:
            raise GuardRefusal(f"journal: {user.key}'s {', '.join(masked)} reads back masked or empty to the "
                               "administrator, so it could not be restored; refusing to write to this user")
        if not self._started:
            self._start()
        _append(self.path, {"event": "snapshot", "user": user.key, "id": user.id, "upn": user.upn,
                            "methods": methods, "at": _now()})
        self.users[user.id.lower()] = (user, methods)

    def restore(self, target: Target) -> list[RestoreOutcome]:
        """Restore every journaled user exactly and verify by reading back; record each outcome."""
        outcomes = [restore_user(target, user, methods) for user, methods in self.users.values()]
        for outcome in outcomes:
            self.mark(outcome)
        return outcomes

    def mark(self, outcome: RestoreOutcome) -> None:
        """Append a restore outcome to the file."""
        _append(self.path, {"event": "restored", "user": outcome.user.key, "id": outcome.user.id,
                            "ok": outcome.ok, "steps": outcome.steps, "problem": outcome.problem, "at": _now()})


# -- restoring ------------------------------------------------------------------------------------


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


def saved_despite_conflict(response: Any) -> bool:
    """A 409 ``phoneNumberNotUnique`` to a mobile write: Graph saves the method all the same (facts §10), so
    the restore goes on and its read-back decides."""
    if response.status_code != 409:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    err = body.get("error") if isinstance(body, dict) else None
    return isinstance(err, dict) and str(err.get("code", "")).lower() == "phonenumbernotunique"


def restore_user(target: Target, user: User, original: Methods) -> RestoreOutcome:
    """Bring ``user`` back to ``original`` through the API as the administrator; verify by reading back."""
    done: list[str] = []
    outcome = RestoreOutcome(user, False, done, original=original)
    prefix = GraphClient.user_prefix("id", user)
    try:
        token = target.admin_token(user)
        current = restorable_state(target.state(user))
        for operation, kind, number in plan_restore(current, original):
            method_id = PHONE_METHOD_IDS[kind]
            if operation == "delete":
                r = target.client.delete(prefix, method_id, token)
                ok = r.status_code == 204
            elif operation == "update":
                r = target.client.update(prefix, method_id, {"phoneNumber": number}, token)
                ok = r.status_code == 204 or saved_despite_conflict(r)
            else:
                r = target.client.create(prefix, {"phoneNumber": number, "phoneType": kind}, token)
                ok = r.status_code in (200, 201) or saved_despite_conflict(r)
            if not ok:
                outcome.problem = f"{operation} {kind} answered {r.status_code}"
                return outcome
            done.append(f"{operation}d {kind}" if operation != "create" else f"recreated {kind}")
        want_sms = original.get("mobile", {}).get("smsSignInState")
        if want_sms in SMS_SETTABLE:
            now_sms = target.state(user).get("mobile", {}).get("smsSignInState")
            if now_sms != want_sms:
                action = "enableSmsSignIn" if want_sms == "ready" else "disableSmsSignIn"
                r = target.client.action(prefix, PHONE_METHOD_IDS["mobile"], action, token)
                if r.status_code != 204:
                    outcome.problem = f"{action} answered {r.status_code}"
                    return outcome
                done.append(action)
        got = restorable_state(target.state(user))
    except (TargetBroken, ToolError, AssertionError) as exc:
        outcome.problem = f"{type(exc).__name__}: {exc}"
        outcome.unreachable = isinstance(exc, TargetBroken) and exc.unanswered
        return outcome
    if got != original:
        outcome.problem = f"read back {describe_methods(got)}, journal says {describe_methods(original)}"
        return outcome
    outcome.ok = True
    return outcome
