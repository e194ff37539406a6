"""The ten-secondly rolling rate limit, as HubSpot applies it to private apps.

A deque of the timestamps of *accepted* requests over the last 10 s. A request
is accepted when fewer than `max_requests` timestamps are in the window; a
rejected (429) request is not recorded, so a client that waits for Retry-After
(or paces itself by X-HubSpot-RateLimit-Remaining) can use the full ceiling.

Every admitted request gets the headers, as HubSpot sends them on every answer. Without
a limit the window is still counted and the headers advertise UNLIMITED_MAX (a ceiling no
client reaches, so pacing by them never slows a run down). The daily budget is counted per
UTC day and advertised as X-HubSpot-RateLimit-Daily/-Daily-Remaining; it is not enforced.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

WINDOW_SECONDS = 10.0
UNLIMITED_MAX = 1_000_000  # the ten-secondly ceiling advertised when no limit is set
DAILY_MAX = 1_000_000  # the advertised daily budget (HubSpot's top tier)


@dataclass(frozen=True)
class Decision:
    """The outcome of one admission check."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float = 0.0
    daily_remaining: int = DAILY_MAX

    def headers(self) -> list[tuple[bytes, bytes]]:
        """HubSpot's X-HubSpot-RateLimit-* headers (plus Retry-After when refused)."""
        out = [
            (b"x-hubspot-ratelimit-daily", str(DAILY_MAX).encode()),
            (b"x-hubspot-ratelimit-daily-remaining", str(self.daily_remaining).encode()),
            (b"x-hubspot-ratelimit-interval-milliseconds", b"10000"),
            (b"x-hubspot-ratelimit-max", str(self.limit).encode()),
            (b"x-hubspot-ratelimit-remaining", str(self.remaining).encode()),
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
        self._day = ""
        self._day_count = 0

    def configure(self, max_requests: int | None) -> None:
        """Change the ceiling (None: unlimited); the window's history is kept."""
        with self._lock:
            self.max_requests = max_requests

    def _daily_left(self) -> int:
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        if today != self._day:
            self._day, self._day_count = today, 0
        return max(0, DAILY_MAX - self._day_count)

    def admit(self) -> Decision:
        """Record and allow a request, or refuse it (never without a limit)."""
        with self._lock:
            limit = self.max_requests
            now = self._clock()
            stamps = self._stamps
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            daily = self._daily_left()
            if limit is not None and len(stamps) >= limit:
                index = len(stamps) - limit
                retry_after = stamps[index] + self.window - now
                return Decision(False, limit, 0, retry_after, daily)
            stamps.append(now)
            self._day_count += 1
            ceiling = UNLIMITED_MAX if limit is None else limit
            return Decision(True, ceiling, max(0, ceiling - len(stamps)), 0.0, daily - 1)
