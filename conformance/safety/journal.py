"""The write-ahead journal: who a run may have changed, what they held before, and every change it sent.

``reports/journal/<run-id>.jsonl`` (mode 0600 in a 0700 folder; each line flushed and fsync'd before
the request it announces goes out) holds, in order:

* ``run``: the header (journal version, run id, profile, base URL);
* ``snapshot``: before the first write to a user, what they held (read as the administrator). If
  that read fails, or shows masked numbers (an administrator who cannot see them could not restore
  them), the write is refused;
* ``intent``: before *every* write, the user, the method and path, and the change it asks for
  (phone type and number, or gone); a write whose answer never came stays an intent;
* ``outcome``: the status the target answered to an intent. Any status, 409 included, may have
  been applied (facts §10): only a read-back says what a user holds;
* ``restored``: what a restore did to a user and whether it read back as the snapshot.

The restore (:mod:`conformance.safety.restore`) brings every snapshotted user back. Everything it
reads from a journal is validated first (:func:`read_journal`): a damaged journal is refused as a
whole, naming the line, before any request.

Phone numbers are written in full only to the journal file (a local file); everything printed
masks them.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.core.errors import GuardRefusal, ToolError
from conformance.core.privacy import mask_number
from conformance.target.profile import GUID, TargetProfile, User
from strategies.methods import TYPE_FOR_ID
from strategies.phone_grammar import spec_verdict

DELETE_ORDER = ("alternateMobile", "office", "mobile")
CREATE_ORDER = ("mobile", "alternateMobile", "office")
PHONE_TYPES = frozenset(CREATE_ORDER)
SMS_SETTABLE = frozenset({"ready", "notEnabled"})
"""SMS sign-in states a restore can bring a mobile back to (enable / disable)."""
METHOD_FIELDS = frozenset({"phoneNumber", "smsSignInState"})
"""The fields of a journaled phone method (what a restore can bring back)."""
MAX_NUMBER = 64
"""The longest phone number a journal may hold (Graph's own are about 20 characters)."""
PHONE_METHODS = "/authentication/phoneMethods"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE", "MERGE"})

Methods = dict[str, dict[str, Any]]
"""A user's phone methods by type: ``{"mobile": {"phoneNumber": ..., "smsSignInState": ...}}``."""

JOURNAL_VERSION = 2
"""The journal format's version (2: write-ahead intents and outcomes). Version 1 journals (snapshots only,
or no version at all) are still read."""
READABLE_VERSIONS = (1, 2)


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
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# -- what a write asks for ----------------------------------------------------------------------


def write_change(method: str, path: str, body: Any) -> dict[str, Any]:
    """The change a write asks for: ``{"type": kind, "number": n}`` (created or updated), ``{"type": kind,
    "gone": True}``, ``{"type": "mobile", "sms": "ready"}``, or ``{}`` when the path names no phone method."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    verb = method.upper()
    try:
        at = len(segments) - 1 - segments[::-1].index("phoneMethods")
    except ValueError:
        return {}
    rest = segments[at + 1:]
    number = body.get("phoneNumber") if isinstance(body, dict) else None
    number = number if isinstance(number, str) and len(number) <= MAX_NUMBER else None
    if not rest:
        kind = body.get("phoneType") if isinstance(body, dict) else None
        if verb == "POST" and kind in PHONE_TYPES:
            return {"type": kind, "number": number}
        return {}
    kind = TYPE_FOR_ID.get(rest[0].lower())
    if kind is None:
        return {}
    if len(rest) == 2 and rest[1] in ("enableSmsSignIn", "disableSmsSignIn"):
        return {"type": kind, "sms": "ready" if rest[1] == "enableSmsSignIn" else "notEnabled"}
    if len(rest) > 1:
        return {}
    if verb == "DELETE":
        return {"type": kind, "gone": True}
    return {"type": kind, "number": number}


# -- the file as read back ------------------------------------------------------------------------


@dataclass
class Intent:
    """One write the run announced: its change and, if the answer came, the status."""

    seq: int
    method: str
    change: dict[str, Any]
    status: int | None = None

    @property
    def accepted(self) -> bool:
        """True when the target answered 2xx (a refusal may have been applied too: facts §10)."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class JournalFile:
    """A journal read back: its header, each user's snapshot (by lowercased id) and the writes announced."""

    path: Path
    header: dict[str, Any]
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    restored: dict[str, bool] = field(default_factory=dict)
    intents: dict[str, list[Intent]] = field(default_factory=dict)


RECORD_KEYS = {
    "run": {"event", "version", "run_id", "profile", "kind", "base_url", "started", "pid"},
    "snapshot": {"event", "user", "id", "upn", "methods", "at"},
    "intent": {"event", "seq", "user", "id", "method", "path", "change", "at"},
    "outcome": {"event", "seq", "id", "status", "at"},
    "restored": {"event", "user", "id", "ok", "steps", "problem", "at"},
}
"""The fields each kind of journal line may carry."""


def read_journal(path: str | os.PathLike[str]) -> JournalFile:
    """Read and validate a whole journal; any damage is a one-line :class:`ToolError` (exit 2) naming the line.

    Everything is checked before anything is restored: every line is a JSON object of a known kind
    with known fields (a truncated line, even the last, is refused), the header is a run of a
    readable version, every snapshot names a user id (a GUID) once (ids compared without regard to
    case) and holds, by known phone type, only known fields: a number of the facts' grammar (valid
    or gray: it is what the target returned), printable and at most :data:`MAX_NUMBER` characters,
    a settable SMS state, and a mobile wherever there is an alternateMobile.
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
    version = header.get("version", 1)
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise damaged(n, f"has journal version {version!r}; this suite reads versions "
                         f"{', '.join(map(str, READABLE_VERSIONS))}")
    for key in ("run_id", "profile", "base_url"):
        if not isinstance(header.get(key), str):
            raise damaged(n, f"(the run header) lacks {key}")
    out = JournalFile(p, header)
    by_seq: dict[int, Intent] = {}
    for n, rec in records[1:]:
        event = rec.get("event")
        if event not in RECORD_KEYS or event == "run":
            raise damaged(n, f"has an unknown event {event!r}")
        extra = sorted(set(rec) - RECORD_KEYS[event])
        if extra:
            raise damaged(n, f"({event}) has an unknown field {extra[0]!r}")
        user_id = rec.get("id")
        if not isinstance(user_id, str) or not user_id.strip():
            raise damaged(n, f"({event}) has no user id")
        if not GUID.fullmatch(user_id):
            raise damaged(n, f"({event}) has a user id that is not a GUID")
        uid = user_id.lower()
        if event == "snapshot":
            problem = snapshot_problem(rec.get("methods"))
            if problem:
                raise damaged(n, f"(snapshot of {user_id}) {problem}")
            if uid in out.snapshots:
                raise damaged(n, f"is a second snapshot of user {user_id} (one per user; ids compared "
                                 "without regard to case)")
            out.snapshots[uid] = rec
        elif event == "intent":
            intent = _intent(rec, n, damaged)
            if uid not in out.snapshots:
                raise damaged(n, f"(intent) announces a write to {user_id}, who has no snapshot before it")
            by_seq[intent.seq] = intent
            out.intents.setdefault(uid, []).append(intent)
        elif event == "outcome":
            seq, status = rec.get("seq"), rec.get("status")
            if not _whole(seq) or seq not in by_seq:
                raise damaged(n, "(outcome) names no earlier intent")
            if not _whole(status) or not 100 <= status <= 599:
                raise damaged(n, "(outcome) has no HTTP status")
            by_seq[seq].status = status
        else:
            if not isinstance(rec.get("ok"), bool):
                raise damaged(n, "(restored) has no ok flag")
            out.restored[uid] = rec["ok"]
    return out


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _intent(rec: Mapping[str, Any], n: int, damaged: Callable[[int, str], ToolError]) -> Intent:
    seq, method, change = rec.get("seq"), rec.get("method"), rec.get("change")
    if not _whole(seq):
        raise damaged(n, "(intent) has no sequence number")
    if method not in WRITE_METHODS:
        raise damaged(n, f"(intent) has an unknown method {method!r}")
    if not isinstance(change, dict) or set(change) - {"type", "number", "gone", "sms"}:
        raise damaged(n, "(intent) has no readable change")
    if change and change.get("type") not in PHONE_TYPES:
        raise damaged(n, f"(intent) changes an unknown phone type {change.get('type')!r}")
    number = change.get("number")
    if number is not None and not _printable_number(number):
        raise damaged(n, "(intent) has a number that is not printable or too long")
    return Intent(seq, method, dict(change))


def _printable_number(number: Any) -> bool:
    return isinstance(number, str) and 0 < len(number) <= MAX_NUMBER and number.isprintable()


def snapshot_problem(methods: Any) -> str | None:
    """What is wrong with a snapshot's ``methods`` (``None`` when a restore may send it)."""
    if not isinstance(methods, dict):
        return "has no methods table"
    for kind, item in methods.items():
        if kind not in PHONE_TYPES:
            return f"has an unknown phone type {kind!r}"
        if not isinstance(item, dict):
            return f"has a {kind} that is not an object"
        extra = sorted(set(item) - METHOD_FIELDS)
        if extra:
            return f"has an unknown field {extra[0]!r} in its {kind}"
        number = item.get("phoneNumber")
        if not isinstance(number, str) or not number.strip() or "*" in number:
            return f"has no full {kind} number"
        if len(number) > MAX_NUMBER:
            return f"has a {kind} number longer than {MAX_NUMBER} characters"
        if not number.isprintable():
            return f"has a {kind} number with a control character or line break"
        if spec_verdict(number) == "invalid":
            return f"has a {kind} number that is not a phone number ({mask(number)})"
        if "smsSignInState" in item and item["smsSignInState"] not in SMS_SETTABLE:
            return f"has an SMS sign-in state that cannot be restored ({item['smsSignInState']!r})"
        if "smsSignInState" in item and kind != "mobile":
            return f"has an SMS sign-in state on its {kind} (only a mobile has one to restore)"
    if "alternateMobile" in methods and "mobile" not in methods:
        return "has an alternateMobile without a mobile (no target could hold that)"
    return None


# -- writing --------------------------------------------------------------------------------------


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
    """The journal of one run (one pytest-xdist worker): snapshots before first writes, every write's
    intent before it is sent and its outcome after, then the restores."""

    def __init__(self, path: Path, profile: TargetProfile, read: Callable[[User], Mapping[str, Any]], *,
                 run_id: str = "", started: bool = False) -> None:
        self.path = path
        self.profile = profile
        self.read = read
        self.run_id = run_id or path.stem
        self.users: dict[str, tuple[User, Methods]] = {}
        self.intents: dict[str, list[Intent]] = {}
        self._started = started
        self._seq = 0
        self._lock = threading.Lock()
        self._open = threading.local()

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
        problem = snapshot_problem(methods)
        if problem:
            raise GuardRefusal(f"journal: {user.key}'s phone methods as read {problem}, so they could not be "
                               "restored; refusing to write to this user")
        if not self._started:
            self._start()
        _append(self.path, {"event": "snapshot", "user": user.key, "id": user.id, "upn": user.upn,
                            "methods": methods, "at": _now()})
        self.users[user.id.lower()] = (user, methods)

    def intend(self, user: User, method: str, path: str, body: Any = None) -> None:
        """Record, before it is sent, a write to ``user`` (who is already snapshotted) and the change it asks for."""
        with self._lock:
            self._seq += 1
            seq = self._seq
        change = write_change(method, path, body)
        if not self._started:
            self._start()
        _append(self.path, {"event": "intent", "seq": seq, "user": user.key, "id": user.id,
                            "method": method.upper(), "path": urlsplit(path).path, "change": change, "at": _now()})
        intent = Intent(seq, method.upper(), change)
        self.intents.setdefault(user.id.lower(), []).append(intent)
        self._open.pending = (user.id, intent)

    def answered(self, method: str, status: int) -> None:
        """Record the status of this thread's last announced write (call once per answer, retries included)."""
        pending = getattr(self._open, "pending", None)
        if pending is None or method.upper() not in WRITE_METHODS:
            return
        self._open.pending = None
        user_id, intent = pending
        intent.status = status
        _append(self.path, {"event": "outcome", "seq": intent.seq, "id": user_id, "status": status, "at": _now()})

    def mark(self, outcome: Any) -> None:
        """Append a restore outcome (:class:`conformance.safety.restore.RestoreOutcome`) to the file."""
        _append(self.path, {"event": "restored", "user": outcome.user.key, "id": outcome.user.id,
                            "ok": outcome.ok, "steps": outcome.steps, "problem": outcome.problem, "at": _now()})
