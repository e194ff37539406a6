"""One typed progress report that every action emits and both the CLI and the wizard render."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crm_migrate.errors import Stopped

if TYPE_CHECKING:
    from crm_migrate.push.status import Progress as PushProgress

# Share of a whole clean that each stage of the core's cleaning covers (one bar for all stages).
CLEAN_STAGES: dict[str, tuple[float, float]] = {
    "load": (0.0, 0.0), "map": (0.0, 0.05), "normalise": (0.05, 0.5), "dedupe": (0.5, 0.9),
    "match": (0.9, 1.0), "done": (1.0, 1.0),
}


@dataclass(frozen=True)
class Progress:
    """Where a long action is: its phase, counts, the share done, and the clock to rate it by.

    `started_at` and `at` are `time.monotonic()` readings (start of the action, this report), so a
    UI can show elapsed time honestly; `records_per_s` and `eta_s` come from the core, which
    counts only what this action settled (a resumed run's earlier records do not inflate them).
    """

    phase: str
    done: int = 0
    total: int | None = None
    fraction: float | None = None  # share of the whole action done (0..1), when known
    phase_fraction: float | None = None  # share of this phase done (0..1), when known
    created: int = 0
    updated: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0
    records_per_s: float = 0.0
    eta_s: float | None = None
    message: str | None = None
    started_at: float = field(default_factory=time.monotonic)
    at: float = field(default_factory=time.monotonic)

    @property
    def elapsed_s(self) -> float:
        """Seconds since the action started."""
        return max(0.0, self.at - self.started_at)


ProgressFn = Callable[[Progress], None]
StopFn = Callable[[], bool]


def never_stop() -> bool:
    """The stop flag of an action nobody stops."""
    return False


class CleanProgressAdapter:
    """Turns the core cleaning's (stage, fraction) calls into Progress reports, and stops the
    cleaning (raises Stopped) at the next report once `should_stop` says so."""

    def __init__(self, on_progress: ProgressFn | None, should_stop: StopFn | None = None) -> None:
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.started_at = time.monotonic()

    def __call__(self, stage: str, stage_fraction: float) -> None:
        """The core's callback: a stage name and the share of that stage done."""
        if self.should_stop is not None and self.should_stop():
            raise Stopped("cleaning stopped")
        if self.on_progress is None:
            return
        start, end = CLEAN_STAGES.get(stage, (0.0, 1.0))
        self.on_progress(Progress(phase=stage, fraction=start + (end - start) * stage_fraction,
                                  phase_fraction=stage_fraction, started_at=self.started_at))


class PushProgressAdapter:
    """Turns the push engine's progress objects into Progress reports."""

    def __init__(self, on_progress: ProgressFn | None) -> None:
        self.on_progress = on_progress
        self.started_at = time.monotonic()

    def __call__(self, core: PushProgress) -> None:
        """The push engine's callback: its counts after a batch."""
        if self.on_progress is None:
            return
        settled = core.done + core.failed + core.skipped
        self.on_progress(Progress(
            phase=core.phase, done=core.done, total=core.total,
            fraction=min(1.0, settled / core.total) if core.total else None,
            created=core.created, updated=core.updated, failed=core.failed, skipped=core.skipped,
            pending=core.pending, records_per_s=core.records_per_s, eta_s=core.eta_s,
            message=core.message, started_at=self.started_at))
