"""Circuit breaker: stop a run whose recent records fail systematically."""

from __future__ import annotations

from collections import Counter, deque


class CircuitBreaker:
    """Trips when more than `max_failure_rate` of the last `window` records failed."""

    def __init__(self, max_failure_rate: float = 0.02, window: int = 500) -> None:
        self.max_failure_rate = max_failure_rate
        self.window = window
        self._recent: deque[str | None] = deque(maxlen=window)
        self.tripped = False

    def record(self, error: str | None) -> bool:
        """Note one record's outcome (None = ok); return True once tripped."""
        self._recent.append(error)
        failures = sum(1 for e in self._recent if e is not None)
        if failures > self.max_failure_rate * self.window:
            self.tripped = True
        return self.tripped

    def most_common_error(self) -> str | None:
        """The most frequent error among the recent failures."""
        counts = Counter(e for e in self._recent if e is not None)
        if not counts:
            return None
        return counts.most_common(1)[0][0]

    def message(self) -> str:
        """Why the run stopped, naming the most common error."""
        failures = sum(1 for e in self._recent if e is not None)
        return (
            f"stopped: {failures} of the last {len(self._recent)} records failed "
            f"(more than {self.max_failure_rate:.0%}); most common error: "
            f"{self.most_common_error()}. Fix the cause (profile or data), then "
            "`crm-migrate resume JOURNAL` (add --force if you changed the profile or files)"
        )
