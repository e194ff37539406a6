"""Seeded fault injection: 5xx answers before the write, or after it was committed."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass

STATUSES = (500, 502, 503)
BEFORE = "before"
AFTER = "after"


@dataclass(frozen=True)
class Fault:
    """One injected failure: its status and whether the write happened first."""

    status: int
    when: str  # "before" | "after"


class FaultInjector:
    """Draws faults with probability `fail_rate` from a seeded RNG (thread-safe)."""

    def __init__(self, fail_rate: float = 0.0, seed: int | None = None) -> None:
        self.fail_rate = fail_rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def configure(self, fail_rate: float) -> None:
        """Change the failure probability."""
        with self._lock:
            self.fail_rate = fail_rate

    def draw(self, *, write: bool) -> Fault | None:
        """A fault for this request, or None; reads only fail before doing anything."""
        with self._lock:
            if self.fail_rate <= 0:
                return None
            if self._rng.random() >= self.fail_rate:
                return None
            status = self._rng.choice(STATUSES)
            when = AFTER if write and self._rng.random() < 0.5 else BEFORE
            return Fault(status, when)


def fault_body(status: int, correlation: str) -> tuple[bytes, bytes]:
    """(content type, body) of an injected failure; 502 is an HTML page as gateways send."""
    if status == 502:
        html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
        return b"text/html; charset=utf-8", html.encode()
    message = "internal error" if status == 500 else "Service Unavailable"
    body = {
        "status": "error",
        "message": message,
        "correlationId": correlation,
        "category": "INTERNAL_ERROR" if status == 500 else "SERVICE_UNAVAILABLE",
    }
    return b"application/json;charset=utf-8", json.dumps(body).encode()
