"""The rolling-window limiter, the retry policy and the circuit breaker, on a fake clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from crm_migrate.connectors.limiter import RollingWindowLimiter
from crm_migrate.push.breaker import CircuitBreaker
from crm_migrate.push.retry import RetryPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_window_admits_max_then_waits_for_the_oldest_to_expire() -> None:
    clock = FakeClock()
    limiter = RollingWindowLimiter(5, 10.0, margin=0.1, clock=clock, sleep=clock.sleep)

    async def go() -> None:
        for _ in range(5):
            await limiter.acquire()
        assert clock.slept == []
        clock.now = 3.0
        await limiter.acquire()

    asyncio.run(go())
    assert clock.slept == [pytest.approx(7.1)]
    assert limiter.in_window == 1  # the first five expired; only the sixth is in the window


def test_rate_stays_under_the_ceiling_over_many_windows() -> None:
    clock = FakeClock()
    limiter = RollingWindowLimiter(10, 10.0, margin=0.1, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []

    async def go() -> None:
        for _ in range(100):
            await limiter.acquire()
            stamps.append(clock.now)
            clock.now += 0.05  # the request itself takes a little time

    asyncio.run(go())
    for i, t in enumerate(stamps):
        in_window = [s for s in stamps[: i + 1] if s > t - 10.0]
        assert len(in_window) <= 10
    assert stamps[-1] < 100.0  # and it does not crawl: ~10 s per 10 requests


def test_block_for_retry_after_and_learning_from_headers() -> None:
    clock = FakeClock()
    limiter = RollingWindowLimiter(100, 10.0, clock=clock, sleep=clock.sleep)
    limiter.block_for(4.0)
    assert limiter.delay() == 4.0
    clock.now = 4.0
    assert limiter.try_acquire()
    limiter.observe(limit=20, remaining=3, interval_ms=10000)
    assert limiter.max_requests == 20
    # the server saw 17 requests, we sent 1: catch up so only 3 more go now
    assert [limiter.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_retry_policy_full_jitter_is_bounded() -> None:
    policy = RetryPolicy(max_attempts=4, base=1.0, cap=5.0, rng=random.Random(1))
    for attempt in range(1, 10):
        assert 0.0 <= policy.delay(attempt) <= min(5.0, 2 ** (attempt - 1))
    assert policy.delay(1, retry_after=7.0) >= 7.0
    assert not policy.exhausted(3) and policy.exhausted(4)


def test_breaker_trips_on_systematic_errors_and_names_the_commonest() -> None:
    breaker = CircuitBreaker(0.02, 500)
    for _ in range(400):
        assert not breaker.record(None)
    for i in range(10):
        assert not breaker.record("INVALID_OPTION lifecyclestage" if i % 3 else "other")
    assert breaker.record("INVALID_OPTION lifecyclestage")
    assert "INVALID_OPTION lifecyclestage" in breaker.message()


def test_breaker_tolerates_scattered_failures() -> None:
    breaker = CircuitBreaker(0.02, 500)
    for i in range(5000):
        assert not breaker.record("bad" if i % 100 == 0 else None)


def test_sends_through_another_limiter_count_once_seeded() -> None:
    """A run's first read goes through a short-lived connector: its send time is handed on."""
    clock = FakeClock()
    first = RollingWindowLimiter(3, 10.0, margin=0.1, clock=clock, sleep=clock.sleep)
    assert first.try_acquire()
    clock.now = 1.0
    run = RollingWindowLimiter(3, 10.0, margin=0.1, clock=clock, sleep=clock.sleep)
    run.seed(first.stamps)
    assert run.try_acquire() and run.try_acquire()
    assert not run.try_acquire()  # the seeded send fills the window
    assert run.delay() == pytest.approx(9.1)  # until the seeded send leaves it
    clock.now = 10.2
    assert first.stamps == [] and run.try_acquire()


def test_waited_counts_a_wait_only_as_far_as_it_went() -> None:
    """A progress report taken during a wait for the window sees the part waited so far, not
    the whole wait booked at its start (else the phase's own speed is misjudged both ways)."""
    clock = FakeClock()
    during: list[float] = []

    async def sleep(seconds: float) -> None:
        clock.now += seconds / 2
        during.append(limiter.waited)
        clock.now += seconds / 2

    limiter = RollingWindowLimiter(1, 10.0, margin=0.0, clock=clock, sleep=sleep)

    async def go() -> None:
        await limiter.acquire()
        clock.now = 2.0
        await limiter.acquire()  # waits 8 s for the first send to leave the window

    asyncio.run(go())
    assert during == [pytest.approx(4.0)]
    assert limiter.waited == pytest.approx(8.0)
    clock.now = 30.0
    assert limiter.waited == pytest.approx(8.0)  # idle time after a wait is not waiting
