"""The one progress model: the rate over the last few seconds, an ETA from it, one label."""

from __future__ import annotations

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
    from crm_migrate.progress import Pacer

    clock, seen = Clock(), []
    waited = [0.0]
    # a budget of 10 requests per 10 s, 100 rows a request; the window is empty at the start
    sent: list[float] = []

    def finish_in(units: int, done: int) -> float:
        requests = -(-units // 100)
        free = 10 - len([t for t in sent if t > clock.now - 10])
        return 0.0 if requests <= free else 10.0 * ((requests - free - 1) // 10 + 1) - (
            clock.now - sent[0])

    meter = ProgressMeter(seen.append, clock=clock)
    meter.phase("records", 2_000, unit="contacts", pacer=Pacer(lambda: waited[0], finish_in))
    for done in range(100, 1_100, 100):  # the burst: ten requests in 1.5 s
        clock.now += 0.15
        sent.append(clock.now)
        meter.update(done)
    # 1,000 rows in 1.5 s, but the other 1,000 wait for the window: ~8.5 s, not 1.5 s
    assert seen[-1].eta_s is not None and seen[-1].eta_s > 8.0
    waited[0] += 8.5  # the wait for the window is not the phase being slow
    clock.now += 8.5
    meter.update(1_100)
    assert seen[-1].eta_s is not None and seen[-1].eta_s < 3.0
