"""Optional per-token throttling: at most N requests per token per wall-clock second."""

from __future__ import annotations

import math
import time


class Throttle:
    """Counts requests per key in one-second windows; past the limit the caller must wait."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._windows: dict[str, tuple[int, int]] = {}

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
