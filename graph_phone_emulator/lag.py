"""Optional replication lag: reads of a user lag behind the writes to that user.

After a write, reads of the user (list, get, $count) show the phones as they were before it, until
``seconds`` after the user's last write; then they converge. Writes always act on the current state
(a primary with lagging read replicas, as Entra replicates).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any


class Lag:
    """Per-user read lag: the state before a burst of writes stays visible until ``seconds`` after the last."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._windows: dict[int, tuple[float, dict[str, Any]]] = {}

    def changing(self, key: int, phones: Mapping[str, Any]) -> None:
        """Call before a user's phones change (under the directory lock): open or extend their lag window."""
        now = time.monotonic()
        window = self._windows.get(key)
        before = window[1] if window is not None and now < window[0] else dict(phones)
        self._windows[key] = (now + self.seconds, before)

    def visible(self, key: int, phones: Mapping[str, Any]) -> Mapping[str, Any]:
        """What a read of the user sees now: the state before the lagging writes, or ``phones``."""
        window = self._windows.get(key)
        if window is None:
            return phones
        if time.monotonic() >= window[0]:
            del self._windows[key]
            return phones
        return window[1]
