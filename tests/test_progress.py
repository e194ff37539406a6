"""The one progress model: the rate over the last few seconds, an ETA from it, one label."""

from __future__ import annotations

import pytest

from crm_migrate.progress import Progress, ProgressMeter, eta_text, number, plural, progress_line


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_follows_the_last_seconds_not_the_start() -> None:
    clock, seen = Clock(), []
    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("records", 20_000, unit="contacts")
    clock.now += 60  # a minute of nothing (e.g. a slow first read) before the first batch
    meter.update(0)
    for _ in range(10):  # then 2,400 a second
        clock.now += 1
        meter.advance(2_400)
    last = seen[-1]
    assert last.phase == "records" and last.unit == "contacts" and last.done == 24_000
    assert round(last.rate) == 2_400
    assert last.eta_s == 0.0  # past the total: nothing left
    meter.phase("associations", 10_000, unit="pairs")
    assert seen[-1].rate == 0.0 and seen[-1].eta_s is None and seen[-1].done == 0
    clock.now += 2
    meter.update(1_000)
    assert round(seen[-1].rate) == 500 and round(seen[-1].eta_s or 0) == 18
    assert seen[-1].created == last.created and seen[-1].started_at == last.started_at


def test_a_slowdown_shows_within_the_window() -> None:
    clock, seen = Clock(), []
    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("match", 100_000, unit="keys")
    for _ in range(30):
        clock.now += 1
        meter.advance(1_000)
    for _ in range(20):  # ten times slower for the last twenty seconds
        clock.now += 1
        meter.advance(100)
    p = seen[-1]
    assert round(p.rate) == 100  # the old pace is out of the window
    assert round(p.eta_s or 0) == (100_000 - 32_000) // 100


def test_a_burst_a_rate_limit_lets_through_promises_no_more_than_it_sustains() -> None:
    clock, seen = Clock(), []
    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("records", 20_000, unit="contacts", ceiling=1_000.0)  # 100 requests / 10 s
    clock.now += 4
    meter.update(10_000)  # the first window's requests all went at once
    assert seen[-1].rate == 1_000.0 and seen[-1].eta_s == 10.0
    clock.now += 6  # waiting for the target's window: the pace is still its budget
    meter.update(10_000)
    assert seen[-1].rate == 1_000.0 and seen[-1].eta_s == 10.0
    meter.phase("associations", 100, unit="pairs")  # the next phase has no ceiling
    clock.now += 1
    meter.update(50)
    assert seen[-1].rate == 50.0


def test_one_label_for_the_bar_and_the_line() -> None:
    p = Progress(phase="records", done=2_400, total=20_000, unit="contacts", rate=2_412.4,
                 eta_s=7.2)
    assert p.fraction == 0.12
    assert progress_line(p) == "records 2,400/20,000 contacts (12%) · 2,412 contacts/s · ETA 0:07"
    assert progress_line(Progress(phase="connecting")) == "connecting…"
    unknown = Progress(phase="classifying", done=0, total=20_000, unit="contacts")
    assert progress_line(unknown) == "classifying 0/20,000 contacts (0%) · — contacts/s · ETA —"
    assert progress_line(Progress(phase="finished", done=5, total=5, unit="records",
                                  message="stopped")).endswith("(100%) · stopped")


def test_a_quiet_phase_is_reported_again_with_a_decaying_rate() -> None:
    import threading

    seen: list[Progress] = []
    heard = threading.Event()

    def hear(p: Progress) -> None:
        seen.append(p)
        if len(seen) >= 4:
            heard.set()

    meter = ProgressMeter(hear)
    with meter.beating(every=0.02):
        meter.phase("records", 100, unit="contacts")
        meter.update(10)
        assert heard.wait(30)  # a wait on the target: the beat reports the phase again
    count = len(seen)
    assert all(p.phase == "records" and p.done == 10 for p in seen[2:])
    assert seen[-1].at > seen[1].at
    assert len(seen) == count  # no report after the block


def test_numbers_and_words() -> None:
    assert number(1234567) == "1,234,567" and eta_text(3725) == "1:02:05" and eta_text(None) == "—"
    assert plural(1, "record") == "1 record" and plural(2000, "record") == "2,000 records"
    assert plural(3, "group", "groups") == "3 groups"


def test_the_budget_schedule_of_a_rolling_window() -> None:
    from crm_migrate.connectors.limiter import RollingWindowLimiter

    clock = Clock()
    limiter = RollingWindowLimiter(10, 10.0, margin=0.0, clock=clock)
    assert limiter.finish_in(10) == 0.0  # an empty window lets ten go at once
    for _ in range(10):
        assert limiter.try_acquire()
        clock.now += 0.1  # ten sends over the first second
    assert abs(limiter.finish_in(1) - 9.0) < 1e-6  # the first send leaves the window at 110
    assert abs(limiter.finish_in(25) - (100.4 + 30.0 - clock.now)) < 1e-6  # 3rd lap, 5th slot


def test_a_paced_phase_counts_the_window_not_the_burst() -> None:
    from crm_migrate.connectors.limiter import RollingWindowLimiter
    from crm_migrate.progress import Pacer

    clock, seen = Clock(), []
    waited = [0.0]
    # a budget of 10 requests per 10 s, 100 rows a request; the window is empty at the start
    limiter = RollingWindowLimiter(10, 10.0, margin=0.0, clock=clock)
    pacer = Pacer(waited=lambda: waited[0], sent=lambda: limiter.sent,
                  finish_in=limiter.finish_in, per_request=100)
    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("records", 2_000, unit="contacts", pacer=pacer)
    for done in range(100, 1_100, 100):  # the burst: ten requests in 1.5 s
        assert limiter.try_acquire()
        clock.now += 0.15
        meter.update(done)
    # 1,000 rows in 1.5 s, but the other 1,000 wait for the window: ~10 s, not 1.5 s
    assert seen[-1].eta_s is not None and 9.5 < seen[-1].eta_s < 10.5
    waited[0] += 8.7  # the wait for the window is not the phase being slow
    clock.now += 8.7
    assert limiter.try_acquire()
    clock.now += 0.15
    meter.update(1_100)
    assert seen[-1].eta_s is not None and seen[-1].eta_s < 3.0


def test_requests_in_flight_at_the_first_answer_are_not_free_units() -> None:
    """A resumed phase sends four batches at once into a window with room for six; the meter
    counts its requests from the first answer, so the three answers still in flight then come
    in with no request counted for them. Its ETA still counts a request per batch left (it
    promised half the time a resumed push took, as 200 records a request)."""
    import math

    from crm_migrate.connectors.limiter import RollingWindowLimiter
    from crm_migrate.progress import Pacer

    clock, seen = Clock(), []
    limiter = RollingWindowLimiter(10, 10.0, margin=0.0, clock=clock)
    limiter.seed([clock.now] * 4)  # the reading before it used four of the window's ten
    pacer = Pacer(waited=lambda: 0.0, sent=lambda: limiter.sent,
                  finish_in=limiter.finish_in, per_request=100)
    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("records", 5_000, unit="contacts", done=2_000, pacer=pacer)
    for _ in range(4):
        assert limiter.try_acquire()
    clock.now += 0.2
    done = 2_000
    for _ in range(6):  # an answer every 0.1 s; a new batch goes while the window has room
        clock.now += 0.1
        done += 100
        meter.update(done)
        limiter.try_acquire()
    assert limiter.sent == 6 and seen[-1].eta_s is not None
    batches_left = math.ceil((5_000 - done) / 100)
    assert seen[-1].eta_s >= 0.9 * limiter.finish_in(batches_left)  # ~24 batches: over 20 s


def test_the_window_schedule_at_the_senders_own_pace() -> None:
    """A sender that manages 20 requests a second against 100 per 10 s: the first lap takes
    5 s at its own pace, the next starts when the first send leaves the window."""
    from crm_migrate.connectors.limiter import RollingWindowLimiter

    clock = Clock()
    limiter = RollingWindowLimiter(100, 10.0, margin=0.0, clock=clock)
    assert abs(limiter.finish_in(100, 0.05) - 5.0) < 1e-6
    assert abs(limiter.finish_in(150, 0.05) - 12.5) < 1e-6  # 10 s + 49 sends + the last's 0.05
    assert abs(limiter.finish_in(150) - 10.0) < 1e-6  # a sender with no limit of its own
    # far ahead: a lap per window, or the sender's pace when that is slower
    assert abs(limiter.finish_in(2_000, 0.05) - (200.0 - 10.0 + 5.0)) < 0.1
    assert abs(limiter.finish_in(2_000, 0.2) - 400.0) < 0.5


def test_a_fresh_limiter_seeded_by_the_servers_headers_predicts_the_servers_pace() -> None:
    """After a restart the server's window still holds the last run's requests: the first
    answer's X-HubSpot-RateLimit-Remaining seeds the new limiter with them, spread over the
    window as a run paced by the limit sent them, so its schedule (and a pacer over it) counts
    the server's pace instead of promising a burst or a whole window's wait."""
    from crm_migrate.connectors.limiter import RollingWindowLimiter

    clock = Clock()
    limiter = RollingWindowLimiter(100, 10.0, margin=0.0, clock=clock)
    assert abs(limiter.finish_in(100, 0.05) - 5.0) < 1e-6  # before the answer: a free window
    assert limiter.try_acquire()
    limiter.observe(limit=100, remaining=0, interval_ms=10_000)  # the first answer: full
    assert limiter.in_window == 100
    assert abs(limiter.delay() - 10.0 / 99) < 1e-6  # the oldest leaves in a tenth of a second
    # 100 more requests: one as each of the window's leaves it; the last two wait for the
    # newest (ours and the last seeded, both sent now) and go 0.05 s apart, then come back
    assert abs(limiter.finish_in(100, 0.05) - 10.1) < 1e-6
    # a later answer counting more than we know of: other clients, just now
    limiter.observe(limit=100, remaining=0, interval_ms=10_000)
    assert limiter.in_window == 100  # nothing missing: nothing added
    clock.now += 5.0  # half the seeded ones left the window, but the server says it is full
    limiter.observe(limit=100, remaining=0, interval_ms=10_000)
    assert limiter.in_window == 100
    assert abs(limiter.finish_in(51) - 5.0) < 1e-6  # the older half leaves by 110
    assert abs(limiter.finish_in(52) - 10.0) < 1e-6  # the others' go only at 115


class SimClock:
    """A simulated clock whose sleeps move time in quarter seconds, beating the meter on the
    way as the meter's heartbeat thread does (a phase quiet for a second is reported again)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.meter: ProgressMeter | None = None

    def __call__(self) -> float:
        return self.now

    def run(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now = min(end, self.now + 0.25)
            meter = self.meter
            if meter is not None and self.now - meter.current.at >= 1.0:
                meter.update(meter.current.done)

    async def sleep(self, seconds: float) -> None:
        self.run(seconds)


def _eta_errors(seen: list[Progress], end: float) -> list[float]:
    """The bench's yardstick: (ETA - time actually left) / time left, for every report once
    10% is done and at least a second is left."""
    out = []
    for p in seen:
        left = end - p.at
        if p.total and p.total * 0.1 <= p.done < p.total and left >= 1.0:
            assert p.eta_s is not None
            out.append((p.eta_s - left) / left)
    return out


def _paced_phase(requests: list[int], *, latency: float, earlier: list[float],
                 by_work: bool = False) -> tuple[list[Progress], float]:
    """One phase of 100-record chunks, each taking `requests[i]` requests, sent a request at a time through a fresh client limiter (100 per 10 s, as
    the HubSpot connector opens it) to a server limiter (the sandbox's) whose window holds the
    requests `earlier` (seconds before the start) of a run before it; the client learns of
    them only from the headers of its first answer. `by_work`: the phase tells its pacer its
    work done and left in writes (a chunk taking two requests is 200), as a rollback does.
    Returns the reports and the end time."""
    import asyncio
    import math

    from crm_migrate.clean.matching import budget_pacer
    from crm_migrate.connectors.limiter import RollingWindowLimiter
    from crm_migrate.sandbox.limits import RateLimiter

    clock, seen = SimClock(), []
    server = RateLimiter(100, clock=clock)
    start = clock.now
    for ago in sorted(earlier, reverse=True):
        clock.now = start - ago
        assert server.admit().allowed
    clock.now = start
    limiter = RollingWindowLimiter(100, 10.0, clock=clock, sleep=clock.sleep)

    class Target:
        def budget(self, search: bool = False) -> list[RollingWindowLimiter]:
            return [limiter]

    writes = [0, 100 * sum(requests)]  # done, left
    meter = ProgressMeter(seen.append, clock=clock)
    clock.meter = meter
    meter.phase("rollback", 100 * len(requests), unit="records",
                pacer=budget_pacer(Target(), 100,  # type: ignore[arg-type]
                                   work=(lambda: (writes[0], writes[1])) if by_work else None))

    async def send(count: int) -> None:
        for _ in range(count):  # a restore can take two: clear a field, then set it
            while True:
                await limiter.acquire()
                decision = server.admit()
                clock.run(latency)
                if decision.allowed:
                    limiter.observe(decision.limit, decision.remaining, 10_000)
                    break
                limiter.block_for(math.ceil(decision.retry_after))  # as a 429 does

    async def phase() -> None:
        done = 0
        for count in requests:
            await send(count)
            done += 100
            writes[0] += 100 * count
            writes[1] -= 100 * count
            meter.update(done)

    asyncio.run(phase())
    return seen, clock.now


@pytest.mark.parametrize("latency", [0.05, 0.2])  # 20 or 5 requests a second on its own
@pytest.mark.parametrize("earlier", [
    [],  # a quiet target
    [i * 0.1 for i in range(100)],  # a run at the limit just before (its window still full)
    [i * 0.1 for i in range(50)],  # half the window used
    [i * 0.02 for i in range(100)],  # a burst in the last two seconds
], ids=["quiet", "steady", "half", "burst"])
def test_a_paced_phase_keeps_its_eta_within_a_quarter(latency: float,
                                                      earlier: list[float]) -> None:
    """A rollback (220 requests of 100 records, one at a time) against 100 requests per 10 s,
    the server's window as a run before it left it. Every ETA once 10% is done, heartbeats
    during the waits for the window included, is within ±25% of the time actually left."""
    seen, end = _paced_phase([1] * 220, latency=latency, earlier=earlier)
    errors = _eta_errors(seen, end)
    assert len(errors) > 100
    worst = max(errors, key=abs)
    assert abs(worst) <= 0.25, f"worst ETA error {worst:+.0%}"


@pytest.mark.parametrize("chunks", [
    [1] * 80 + [2] * 60 + [1] * 80,  # archives, restores that clear a field first, archives
    [2] * 60 + [1] * 160,  # restores, then archives
], ids=["middle", "first"])
def test_a_phase_whose_units_cost_differently_counts_its_work(chunks: list[int]) -> None:
    """A rollback whose restores take two writes a record and archives one: counted in
    records, the ETA after the restores expects the archives to cost as much (up to +300%);
    counted in the writes it still has to make, it stays within ±25%."""
    errors = _eta_errors(*_paced_phase(chunks, latency=0.05, earlier=[], by_work=False))
    assert max(abs(e) for e in errors) > 0.5  # the case is one where records mislead
    errors = _eta_errors(*_paced_phase(chunks, latency=0.05, earlier=[], by_work=True))
    worst = max(errors, key=abs)
    assert abs(worst) <= 0.25, f"worst ETA error {worst:+.0%}"
