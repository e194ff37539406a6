"""The ten-secondly rolling rate limit, as HubSpot applies it to private apps.

A deque of the timestamps of *accepted* requests over the last 10 s. A request
is accepted when fewer than `max_requests` timestamps are in the window; a
rejected (429) request is not recorded, so a client that waits for Retry-After
(or paces itself by X-HubSpot-RateLimit-Remaining) can use the full ceiling.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class Decision:
    """The outcome of one admission check."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float = 0.0

    def headers(self) -> list[tuple[bytes, bytes]]:
        """HubSpot's X-HubSpot-RateLimit-* headers (plus Retry-After when refused)."""
        out = [
            (b"x-hubspot-ratelimit-max", str(self.limit).encode()),
            (b"x-hubspot-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-hubspot-ratelimit-interval-milliseconds", b"10000"),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(max(1, math.ceil(self.retry_after))).encode()))
        return out


class RateLimiter:
    """`max_requests` per rolling 10-second window; thread-safe; None means unlimited."""

    def __init__(
        self,
        max_requests: int | None,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_requests = max_requests
        self.window = window
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def configure(self, max_requests: int | None) -> None:
        """Change the ceiling (None: unlimited); the window's history is kept."""
        with self._lock:
            self.max_requests = max_requests

    def admit(self) -> Decision | None:
        """Record and allow a request, or refuse it; None when there is no limit."""
        with self._lock:
            limit = self.max_requests
            if limit is None:
                return None
            now = self._clock()
            stamps = self._stamps
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            if len(stamps) >= limit:
                index = len(stamps) - limit
                retry_after = stamps[index] + self.window - now
                return Decision(False, limit, 0, retry_after)
            stamps.append(now)
            return Decision(True, limit, limit - len(stamps))
