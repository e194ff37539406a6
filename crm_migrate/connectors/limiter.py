"""A rolling-window request limiter (HubSpot's ten-secondly window, Pipedrive's 2 s burst).

It keeps the send times of the last `window` seconds and lets a request go when
fewer than `max_requests` were sent in that window, with a small margin so the
server (which stamps a request when it arrives) never sees one too many. It
learns the real budget from X-HubSpot-RateLimit-Max/-Remaining and obeys a
429's Retry-After by blocking until then. Clock and sleep are injectable.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class RollingWindowLimiter:
    """At most `max_requests` sends per rolling `window` seconds."""

    def __init__(
        self,
        max_requests: int,
        window: float,
        *,
        margin: float = 0.15,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self.max_requests = max_requests
        self.window = window
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._blocked_until = 0.0
        self._observed = False  # no answer's rate-limit headers seen yet
        self._lock = asyncio.Lock()
        # (seconds waited in finished waits, when the current wait began or None): one value, so
        # a progress thread reading `waited` never sees half of an update
        self._waits: tuple[float, float | None] = (0.0, None)
        self.sent = 0  # sends it let go, in all (a phase measures its requests per unit by it)

    def _prune(self, now: float) -> None:
        horizon = now - self.window - self.margin + 1e-9
        while self._stamps and self._stamps[0] <= horizon:
            self._stamps.popleft()

    def delay(self) -> float:
        """Seconds until the next send may go (0 when it may go now); records nothing."""
        now = self._clock()
        self._prune(now)
        wait = max(0.0, self._blocked_until - now)
        if len(self._stamps) >= self.max_requests:
            index = len(self._stamps) - self.max_requests
            wait = max(wait, self._stamps[index] + self.window + self.margin - now)
        return wait if wait > 1e-9 else 0.0

    def try_acquire(self) -> bool:
        """Take a slot now if one is free."""
        if self.delay() > 0:
            return False
        self._stamps.append(self._clock())
        self.sent += 1
        return True

    async def acquire(self) -> None:
        """Wait for a free slot and take it."""
        async with self._lock:
            while True:
                wait = self.delay()
                if wait <= 0:
                    self._stamps.append(self._clock())
                    self.sent += 1
                    return
                began = self._clock()
                self._waits = (self._waits[0], began)
                try:
                    await self._sleep(wait)
                finally:
                    self._waits = (self._waits[0] + max(0.0, self._clock() - began), None)

    @property
    def waited(self) -> float:
        """Seconds spent so far waiting for a slot, up to now: a wait under way counts as far
        as it went, never the part still ahead (a progress meter subtracts this from the time
        a phase took to measure the phase's own speed; a wait booked in advance would make a
        report taken during it see the phase as faster than it is, and the one after it
        slower)."""
        done, began = self._waits
        return done + (max(0.0, self._clock() - began) if began is not None else 0.0)

    def finish_in(self, requests: int, spacing: float = 0.0) -> float:
        """Seconds from now until `requests` more sends can all have gone out and come back,
        when the sender manages one every `spacing` seconds on its own (its latency over its
        concurrency; 0: as fast as the window allows): a send goes `spacing` after the one
        before it, or when the window has room for it (a window after the send `max_requests`
        before it), whichever is later, and the last one takes `spacing` to come back. A
        progress ETA counts the waits for the window with this: a burst the window has room
        for still goes at the sender's own pace, the rest a window later."""
        if requests <= 0:
            return 0.0
        now = self._clock()
        self._prune(now)
        spacing = max(0.0, spacing)
        lap = self.window + self.margin
        sends = list(self._stamps)
        first = len(sends)
        # a few laps on the window's schedule, then the steady pace: one lap of
        # `max_requests` per window, or the sender's own pace when that is slower
        exact = min(requests, 3 * self.max_requests)
        at = max(now, self._blocked_until) - spacing
        for index in range(first, first + exact):
            at = max(at + spacing,
                     sends[index - self.max_requests] + lap if index >= self.max_requests
                     else at + spacing)
            sends.append(at)
        at = max(at, max(now, self._blocked_until))
        at += (requests - exact) * max(lap / self.max_requests, spacing)
        return max(0.0, at + spacing - now)

    @property
    def stamps(self) -> list[float]:
        """Send times still in the window (to hand to another limiter for the same target)."""
        self._prune(self._clock())
        return list(self._stamps)

    def seed(self, stamps: list[float]) -> None:
        """Count sends made through another limiter for the same target (same clock)."""
        self._stamps = deque(sorted([*self._stamps, *stamps]))
        self._observed = self._observed or bool(stamps)  # the window is known from them

    def block_for(self, seconds: float) -> None:
        """Send nothing for `seconds` (a 429's Retry-After)."""
        self._blocked_until = max(self._blocked_until, self._clock() + max(0.0, seconds))

    def observe(
        self,
        limit: int | None,
        remaining: int | None,
        interval_ms: int | None = None,
    ) -> None:
        """Learn from X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds headers."""
        if interval_ms and interval_ms > 0:
            self.window = interval_ms / 1000.0
        if limit and limit > 0 and limit != self.max_requests:
            self.max_requests = limit
        if remaining is None or limit is None:
            return
        now = self._clock()
        self._prune(now)
        first, self._observed = not self._observed, True
        # the server counted more than we sent: catch up
        missing = max(0, self.max_requests - len(self._stamps) - max(0, remaining))
        if not missing:
            return
        if first:
            # a fresh limiter (a resume, a rollback, a new connector right after a run): the
            # server's window holds requests sent before it existed. A run paced by the limit
            # leaves them spread over the window, so they leave it one by one from now on;
            # counting them all as sent just now would wait a whole window for nothing (a 429
            # and its Retry-After correct the guess when they were sent closer together)
            step = self.window / missing
            self.seed([now - self.window + step * (number + 1) for number in range(missing)])
        else:  # other clients on the same app, meanwhile: theirs are recent
            self._stamps.extend([now] * missing)

    @property
    def in_window(self) -> int:
        """Sends counted in the current window."""
        self._prune(self._clock())
        return len(self._stamps)
