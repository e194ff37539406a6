"""One typed progress report for every long phase, the meter that makes it, and its text.

The core (clean/, push/) reports through a `ProgressMeter`; the CLI and the wizard render the
`Progress` it emits with `progress_line`, so a bar and its label always show the same numbers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from crm_migrate.errors import Stopped

# the rate is measured over the last few seconds, not since the start; 15 s spans a rate-limited
# target's 10 s window, so a burst then a wait for the window averages out
RATE_WINDOW_S = 15.0
MIN_RATE_SPAN_S = 0.1  # below this much history the rate is not trusted yet (no ETA)
PACED_WARMUP_S = 1.0  # a paced phase's ETA waits this long (half, after a second batch)
PACE_REQUESTS = 20  # a paced phase's own pace is measured over its last this many requests
HEARTBEAT_S = 1.0  # while beating, a phase silent this long is reported again (rate decays)


def _now() -> float:
    return time.monotonic()


@dataclass(frozen=True)
class Progress:
    """Where a long action is: the phase, done/total in the phase's own unit, the recent rate.

    `rate` is units per second over the last few seconds of this phase; `eta_s` the phase's
    remaining time at that rate (None while unknown). `started_at`, `phase_started_at` and
    `at` are `time.monotonic()` readings. A push also carries its record counts.
    """

    phase: str
    done: int = 0
    total: int | None = None
    unit: str = "rows"
    rate: float = 0.0
    eta_s: float | None = None
    created: int = 0
    updated: int = 0
    failed: int = 0
    skipped: int = 0
    pending: int = 0
    message: str | None = None
    started_at: float = field(default_factory=_now)
    phase_started_at: float = field(default_factory=_now)
    at: float = field(default_factory=_now)

    @property
    def fraction(self) -> float | None:
        """Share of this phase done (0..1), when its total is known."""
        if not self.total:
            return None
        return min(1.0, max(0.0, self.done / self.total))

    @property
    def elapsed_s(self) -> float:
        """Seconds since the action started."""
        return max(0.0, self.at - self.started_at)


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Pacer:
    """What holds a phase back besides its own speed: a target's request budget.

    `waited()`: seconds spent so far waiting for the budget, up to now (a running total; the
    phase's own speed is measured without them). `sent()`: requests sent through it so far (a
    running total: the meter measures from it the requests a unit takes and the requests a
    second the phase manages on its own). `finish_in(requests, spacing)`: the seconds until
    `requests` more have gone out and come back when the phase sends one every `spacing`
    seconds on its own (the budget's window schedule at that pace: a burst the window has room
    for goes at the phase's own pace, the rest when the window frees). `per_request`: the units
    a request carries, assumed until the phase has sent some. `work()`: (done, left) in a
    measure of the phase's own whose every unit costs about the same (e.g. a rollback's
    writes: a restore that clears a field first is two), for a phase whose units do not: the
    requests it takes are then measured per unit of work, and the ETA counts the work left
    (None: the phase's units are that measure)."""

    waited: Callable[[], float]
    sent: Callable[[], int]
    finish_in: Callable[[int, float], float]
    per_request: float = 1.0
    work: Callable[[], tuple[float, float]] | None = None


StopFn = Callable[[], bool]


def never_stop() -> bool:
    """The stop flag of an action nobody stops."""
    return False


def number(value: float) -> str:
    """A count as every screen and line shows it: thousands separators (12,345)."""
    return f"{value:,.0f}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 record', '2,000 records'."""
    return f"{number(count)} {word if count == 1 else (words or word + 's')}"


def eta_text(seconds: float | None) -> str:
    """'1:02:03' / '2:05' / '—'."""
    if seconds is None or seconds < 0:
        return "—"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(progress: Progress) -> str:
    """The one-line label of a progress report: phase, done/total unit, rate, ETA."""
    p = progress
    if p.total is None:
        counted = f"{number(p.done)} {p.unit}" if p.done else ""
    else:
        share = f" ({p.fraction:.0%})" if p.fraction is not None else ""
        counted = f"{number(p.done)}/{number(p.total)} {p.unit}{share}"
    parts = [f"{p.phase} {counted}".rstrip() + ("…" if not counted else "")]
    if p.total is not None and p.done < p.total:
        parts.append(f"{number(p.rate)} {p.unit}/s" if p.rate > 0 else f"— {p.unit}/s")
        parts.append(f"ETA {eta_text(p.eta_s)}")
    if p.message:
        parts.append(p.message)
    return " · ".join(parts)


class ProgressMeter:
    """Turns a phase's running count into Progress reports with a recent rate and an ETA.

    `phase()` opens a phase (its name, total and unit); `update()` reports the count so far.
    Samples older than RATE_WINDOW_S drop out of the rate, so a slow start or an earlier phase
    never drags it down. Every call emits a report (callers report per batch or chunk); inside
    `beating()` a thread also re-reports a phase that went quiet (a wait for a rate limit, one
    long step), so no phase goes more than about a second without a report.
    """

    def __init__(self, on_progress: ProgressFn | None,
                 clock: Callable[[], float] = _now, *, should_stop: StopFn | None = None) -> None:
        self.on_progress = on_progress
        self.should_stop = should_stop  # checked at each report from the working thread
        self.clock = clock
        self.started_at = clock()
        self.current = Progress(phase="starting", started_at=self.started_at,
                                phase_started_at=self.started_at, at=self.started_at)
        # (time, done, seconds waited for the budget, requests sent through it, work done)
        self._samples: deque[tuple[float, int, float, int, float]] = deque()
        self._ceiling: float | None = None
        self._throttled = False  # the phase went faster than its ceiling: the budget paces it
        self._pacer: Pacer | None = None
        self._moves = 0
        self._phase_sent = 0
        self._phase_work = 0.0
        self._lock = threading.RLock()
        self._beats = 0  # nested beating() blocks
        self._stop_beating = threading.Event()
        self._beater: threading.Thread | None = None

    @contextmanager
    def beating(self, every: float = HEARTBEAT_S) -> Iterator[ProgressMeter]:
        """Within the block, re-report the current phase whenever it was quiet for `every` s."""
        self.start_beating(every)
        try:
            yield self
        finally:
            self.stop_beating()

    def start_beating(self, every: float = HEARTBEAT_S) -> None:
        """Start re-reporting quiet phases (nested starts need as many stops)."""
        if self.on_progress is None:
            return
        with self._lock:
            self._beats += 1
            if self._beats > 1:
                return
            self._stop_beating = threading.Event()
            self._beater = threading.Thread(target=self._beat, args=(every, self._stop_beating),
                                            daemon=True, name="crm-migrate-progress")
            self._beater.start()

    def stop_beating(self) -> None:
        """Undo one start_beating(); the last one stops the thread."""
        if self.on_progress is None:
            return
        with self._lock:
            self._beats -= 1
            if self._beats > 0 or self._beater is None:
                return
            beater, self._beater = self._beater, None
            self._stop_beating.set()
        beater.join()

    def _beat(self, every: float, stop: threading.Event) -> None:
        while not stop.wait(every / 4):
            with self._lock:
                if self.current.phase != "starting" and self.clock() - self.current.at >= every:
                    cur = self.current  # a heartbeat: never the place that stops the work
                    self._update(cur.done, None, None, None, None, None, None, None)

    def phase(self, name: str, total: int | None = None, *, unit: str = "rows", done: int = 0,
              message: str | None = None, ceiling: float | None = None,
              pacer: Pacer | None = None) -> None:
        """Start a phase (a new name, total and unit) and report it; a push's counts carry on.

        `ceiling`: the most units per second the phase can sustain (a rate-limited target's
        requests per second times the units a request carries); a burst that the target's
        window lets through at first does not promise more (the rate shown is capped by it).
        Once the phase has gone faster than that (the target's budget, not its speed, is what
        holds it back), the ETA counts at the ceiling: the waits for the window between bursts
        are part of that pace.

        `pacer`: the target's request budget the phase's units go through. The phase's own
        speed is then measured without the time spent waiting for the budget, and the ETA is
        the budget's schedule for the remaining units sent at that speed (a burst the window
        lets through at once does not promise the rest as fast; a slow start behind an earlier
        phase's window does not make the rest look slow)."""
        self._check_stop()
        with self._lock:
            self._ceiling = ceiling
            self._throttled = False
            self._pacer = pacer
            self._phase(name, total, unit, done, message)

    def _phase(self, name: str, total: int | None, unit: str, done: int,
               message: str | None) -> None:
        now = self.clock()
        self._samples.clear()
        self._phase_sent = self._sent()
        self._phase_work = self._work(done)[0]
        self._samples.append((now, done, self._waited(), self._phase_sent, self._phase_work))
        self._moves = 0  # reports of this phase that moved its count
        self.current = replace(self.current, phase=name, done=done, total=total, unit=unit,
                               rate=0.0, eta_s=None, message=message, phase_started_at=now,
                               at=now)
        self._emit()

    def update(self, done: int, *, total: int | None = None, message: str | None = None,
               created: int | None = None, updated: int | None = None,
               failed: int | None = None, skipped: int | None = None,
               pending: int | None = None) -> None:
        """Report the phase's count so far (and, for a push, its record counts)."""
        self._check_stop()
        with self._lock:
            self._update(done, total, message, created, updated, failed, skipped, pending)

    def _update(self, done: int, total: int | None, message: str | None, created: int | None,
                updated: int | None, failed: int | None, skipped: int | None,
                pending: int | None) -> None:
        now = self.clock()
        total = self.current.total if total is None else total
        waited, sent = self._waited(), self._sent()
        work, work_left = self._work(done, total)
        samples = self._samples
        if done > self.current.done:
            self._moves += 1
            if self._moves == 1 and self._pacer is not None:
                # a paced phase counts from its first answer: until then its requests were
                # in flight, counted as sent but not as done (a burst of them would read as
                # several requests a unit), and the wait for the first answer is no pace
                samples.clear()
        samples.append((now, done, waited, sent, work))
        while len(samples) > 2 and samples[0][0] < now - RATE_WINDOW_S:
            samples.popleft()  # older than the window (the last two always stay)
        old_at, old_done, old_waited, old_sent, old_work = samples[0]
        span = now - old_at
        rate = max(0.0, (done - old_done) / span) if span >= MIN_RATE_SPAN_S else 0.0
        pace = rate
        if self._ceiling is not None:
            self._throttled = self._throttled or rate > self._ceiling
            rate = min(rate, self._ceiling)
            pace = self._ceiling if self._throttled else rate
        left = max(0, total - done) if total is not None else 0
        eta = (left / pace) if total is not None and pace > 0 else None
        into = now - self.current.phase_started_at
        if (self._pacer is not None and total is not None and into < PACED_WARMUP_S
                and (self._moves < 2 or into < PACED_WARMUP_S / 2)):
            eta = None  # the first request's latency alone says little of the phase's speed
        elif self._pacer is not None and total is not None and span >= MIN_RATE_SPAN_S:
            # its pace from its last PACE_REQUESTS requests (when the window holds that many):
            # a phase whose requests change in kind (archives, then restores) shows the new
            # kind's pace within a few seconds, not after the whole rate window
            at, _, was_waited, was_sent, was_work = next(
                (x for x in reversed(samples) if sent - x[3] >= PACE_REQUESTS), samples[0])
            if now - at < MIN_RATE_SPAN_S:
                at, _, was_waited, was_sent, was_work = samples[0]
            eta = self._paced_eta(work_left, work - was_work, sent - was_sent,
                                  now - at - (waited - was_waited), work, sent)
        if total is not None and done >= total:
            eta = 0.0
        cur = self.current
        self.current = replace(
            cur, done=done, total=total, rate=rate, eta_s=eta, at=now,
            message=message if message is not None else cur.message,
            created=cur.created if created is None else created,
            updated=cur.updated if updated is None else updated,
            failed=cur.failed if failed is None else failed,
            skipped=cur.skipped if skipped is None else skipped,
            pending=cur.pending if pending is None else pending)
        self._emit()

    def _paced_eta(self, left: float, moved: float, requests: int, working: float, done: float,
                   sent: int) -> float | None:
        """The seconds the budget's schedule needs for `left` more work (units, or the pacer's
        own measure of work), from the last few seconds (`moved` work in `requests` requests
        over `working` seconds not spent waiting for the budget): the requests a unit of work
        takes (else the phase's so far, else the pacer's assumption) and the requests a
        second the phase manages on its own."""
        pacer = self._pacer
        assert pacer is not None
        if moved > 0 and requests > 0:
            each = requests / moved
        elif done > self._phase_work and sent > self._phase_sent:
            each = (sent - self._phase_sent) / (done - self._phase_work)
        else:
            each = 1.0 / max(pacer.per_request, 1e-9)
        if requests < PACE_REQUESTS:
            # early on, a request is credited with no more units than it carries: the phase
            # counts from its first answer, and the requests already in flight then answer
            # units without being counted as sent (a resumed push read 200 records a request,
            # twice its batch, and promised half the time it took)
            each = max(each, 1.0 / max(pacer.per_request, 1e-9))
        per_second = (requests if requests > 0 else moved * each) / max(working,
                                                                        MIN_RATE_SPAN_S)
        if per_second <= 0:
            return None  # nothing moved lately: no pace to count from
        return pacer.finish_in(math.ceil(left * each), 1.0 / per_second)

    def _waited(self) -> float:
        return self._pacer.waited() if self._pacer is not None else 0.0

    def _sent(self) -> int:
        return self._pacer.sent() if self._pacer is not None else 0

    def _work(self, done: int, total: int | None = None) -> tuple[float, float]:
        """The phase's work done and left: the pacer's own measure when it has one, else its
        units."""
        if self._pacer is not None and self._pacer.work is not None:
            return self._pacer.work()
        return float(done), float(max(0, total - done) if total is not None else 0)

    def advance(self, count: int = 1) -> None:
        """Report `count` more units done."""
        self.update(self.current.done + count)

    def fraction(self, share: float) -> None:
        """Report a share (0..1) of the phase's total done (for steps that only know a share)."""
        total = self.current.total or 0
        self.update(int(round(total * min(1.0, max(0.0, share)))))

    def _check_stop(self) -> None:
        """Stop the work at this report (Stopped) once its caller's stop flag says so."""
        if self.should_stop is not None and self.should_stop():
            raise Stopped("stopped")

    def _emit(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.current)
