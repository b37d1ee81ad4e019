"""Optional per-token throttling: at most N requests per token per wall-clock second.

It also keeps the client honest: a request that repeats a throttled one (same credentials, method and
path) before the ``Retry-After`` it was given has elapsed is counted in ``early_retries``.
"""

from __future__ import annotations

import math
import time


class Throttle:
    """Counts requests per key in one-second windows; past the limit the caller must wait."""

    TOLERANCE_S = 0.01
    """Clock slack before a repeat counts as early."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._windows: dict[str, tuple[int, int]] = {}
        self._due: dict[tuple[str, str, str], float] = {}
        self.throttled = 0
        self.early_retries = 0

    def arrived(self, key: tuple[str, str, str]) -> None:
        """Note a request ``(credentials, method, path)``; count it when it repeats a 429 too soon."""
        due = self._due.pop(key, None)
        if due is not None and time.time() < due - self.TOLERANCE_S:
            self.early_retries += 1

    def asked(self, key: tuple[str, str, str], seconds: float) -> None:
        """Note that request ``key`` was answered 429 with ``Retry-After: seconds``."""
        self.throttled += 1
        if len(self._due) > 10_000:
            self._due.clear()
        self._due[key] = time.time() + seconds

    def retry_after(self, key: str) -> float | None:
        """Count one request for ``key``; None when allowed, else the seconds until the next window."""
        now = time.time()
        second = math.floor(now)
        start, count = self._windows.get(key, (second, 0))
        if start != second:
            start, count = second, 0
        count += 1
        if len(self._windows) > 10_000:
            self._windows = {k: v for k, v in self._windows.items() if v[0] == second}
        self._windows[key] = (start, count)
        if count <= self.per_second:
            return None
        return max(second + 1 - now, 0.001)
