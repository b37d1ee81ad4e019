"""The tape: the requests and answers of the example a test is running, for its counterexample.

The :class:`~conformance.target.target.Target` records every exchange on its tape, marked as the suite's
own set-up or read-back (sent inside :meth:`GraphClient.setup`) or as a probe. A new example starts
when a user the current example already arranged is arranged again after a probe (Hypothesis runs the
test body once per example, and each run arranges its users first); a test's start clears the tape. When
a test fails, what the tape holds is the failing example: Hypothesis replays it last.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance.target.client import Exchange

KEEP = 60
"""Exchanges the tape holds at most (the oldest go first)."""
BODY_CHARS = 320
"""About how long a body may be shown; longer JSON loses whole members, never part of a value."""
DROP_FIRST = ("id", "smsSignInState", "innerError")
"""Members of a JSON object a trimmed body drops first (a reader needs the type, number, code and message)."""
SHOWN_SETUP = 1
"""Set-up requests shown before the first probe (the last ones: the state the example starts from)."""


@dataclass(frozen=True)
class Entry:
    """One exchange and whether the suite sent it to arrange or read back state (not as a probe)."""

    exchange: Exchange
    setup: bool


class Tape:
    """The exchanges of the current example (see the module docstring)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.entries: deque[Entry] = deque(maxlen=keep)
        self._arranged: set[str] = set()
        self._probed = False
        self.dropped = 0

    def begin_test(self) -> None:
        """A test starts: forget the previous test's exchanges."""
        self.entries.clear()
        self._arranged.clear()
        self._probed = False
        self.dropped = 0

    def arranging(self, user_id: str) -> None:
        """The suite arranges ``user_id``'s state: a new example starts if this user was arranged and probed."""
        key = user_id.lower()
        if self._probed and key in self._arranged:
            self.begin_test()
        self._arranged.add(key)

    def record(self, exchange: Exchange, *, setup: bool) -> None:
        """Put one exchange on the tape."""
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        self.entries.append(Entry(exchange, setup))
        self._probed = self._probed or not setup

    def render(self, limit: int = 14) -> list[str]:
        """The example as numbered lines: request, then answer, set-up and read-back marked.

        Set-up requests before the first probe are elided but for the last (the state the example
        starts from), unless no probe was sent (the set-up failed: all of it is shown); at most
        ``limit`` exchanges are shown (the last ones).
        """
        entries = list(self.entries)
        first_probe = next((i for i, e in enumerate(entries) if not e.setup), None)
        if first_probe is None:  # the set-up itself failed: its requests are the story
            first_probe = SHOWN_SETUP
        hidden = max(0, first_probe - SHOWN_SETUP) + self.dropped
        entries = entries[max(0, first_probe - SHOWN_SETUP):]
        if len(entries) > limit:
            hidden += len(entries) - limit
            entries = entries[-limit:]
        lines = [f"({hidden} earlier request(s) of this example not shown)"] if hidden else []
        seen_probe = False
        for n, e in enumerate(entries, 1):
            seen_probe = seen_probe or not e.setup
            role = "" if not e.setup else ("read-back " if seen_probe else "set-up ")
            lines.extend(describe_exchange(e.exchange, f"{n}. {role}"))
        return lines


def exchange_of(response: requests.Response) -> Exchange:
    """The :class:`Exchange` of an answer, its request's bearer token masked."""
    req = response.request
    headers = {k: ("Bearer MASKED" if k.lower() == "authorization" else v) for k, v in req.headers.items()}
    body = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else req.body
    return Exchange(str(req.method), str(req.url), headers, body, response.status_code, dict(response.headers),
                    response.text[:4000], round(response.elapsed.total_seconds() * 1000, 1))


def describe_exchange(ex: Exchange, lead: str = "") -> list[str]:
    """Two lines: ``METHOD path body`` and ``-> status body`` (bodies trimmed between values)."""
    sent = f" {brief_body(ex.request_body)}" if ex.request_body else ""
    got = brief_body(ex.response_body)
    return [f"{lead}{ex.method} {_path(ex.url)}{sent}", f"   -> {ex.status}{' ' + got if got else ''}"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def brief_body(text: str | None, limit: int = BODY_CHARS) -> str:
    """A body for a message: JSON compacted and trimmed by whole members, other text cut at a space.

    JSON loses its ``@``-annotations first, then trailing members and items (``"…": "N more"``);
    no value is ever cut in the middle.
    """
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        flat = " ".join(text.split())
        if len(flat) <= limit:
            return flat
        cut = flat[:limit].rsplit(" ", 1)[0]
        return f"{cut} … ({len(flat) - len(cut)} more characters)"
    shown = _dumps(value)
    if len(shown) <= limit:
        return shown
    return _dumps(_trim(_without_annotations(value), limit))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _without_annotations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_annotations(v) for k, v in value.items() if not (k.startswith("@") and k != "@odata.type")}
    if isinstance(value, list):
        return [_without_annotations(v) for v in value]
    return value


def _trim(value: Any, limit: int) -> Any:
    """``value`` with trailing members or items replaced by a count until it fits ``limit`` (roughly)."""
    if len(_dumps(value)) <= limit:
        return value
    if isinstance(value, dict):
        spare = [k for k in DROP_FIRST if k in value]
        if spare:  # the members a reader needs least go first, whole
            kept_members = {k: v for k, v in value.items() if k not in spare}
            trimmed = {**kept_members, "…": f"{len(spare)} more"}
            if len(_dumps(trimmed)) <= limit:
                return trimmed
            value = kept_members
        out: dict[str, Any] = {}
        items = list(value.items())
        for i, (k, v) in enumerate(items):
            inner = _trim(v, max(40, limit - len(_dumps(out)) - len(k) - 6))
            if out and len(_dumps({**out, k: inner})) > limit:
                out["…"] = f"{len(items) - i} more"
                return out
            out[k] = inner
        return out
    if isinstance(value, list):
        kept: list[Any] = []
        share = max(60, (limit - 20) // max(1, len(value)))
        for i, v in enumerate(value):
            inner = _trim(v, share)
            if kept and len(_dumps([*kept, inner])) > limit:
                kept.append(f"… {len(value) - i} more")
                return kept
            kept.append(inner)
        return kept
    return value
