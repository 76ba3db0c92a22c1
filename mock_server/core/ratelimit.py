"""Sliding-window rate limits on the mock clock (token endpoint 10/min, sandbox API 50/min)."""

from __future__ import annotations

import math
from collections import deque

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """At most ``limit`` hits per ``window`` seconds per key.

    Times come from the tenant's clock, so advancing the clock opens the window; if the clock is
    set backwards, hits stamped in its future are forgotten rather than held against the caller.
    """

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float) -> int | None:
        """Record a hit; ``None`` when allowed, else the seconds to wait (``Retry-After``)."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[-1] > now:
            hits.pop()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return None

    def clear(self) -> None:
        self._hits.clear()
