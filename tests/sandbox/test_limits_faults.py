"""Rate limit (429 shape and headers), fault injection before/after commit, latency, stats."""

from __future__ import annotations

import time

import pytest

from crm_migrate.sandbox.faults import AFTER, FaultInjector
from crm_migrate.sandbox.limits import UNLIMITED_MAX, RateLimiter
from tests.sandbox.conftest import Harness

BASE = "/crm/v3/objects/contacts"


@pytest.mark.sandbox(rate_limit=5)
async def test_rate_limit_429_shape_and_headers(crm: Harness) -> None:
    for n in range(5):
        ok = await crm.client.get(BASE)
        assert ok.status_code == 200
        assert ok.headers["X-HubSpot-RateLimit-Max"] == "5"
        assert ok.headers["X-HubSpot-RateLimit-Remaining"] == str(4 - n)
        assert ok.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert (await crm.anon.get(BASE)).status_code == 401  # not counted, not limited
    refused = await crm.client.post(
        f"{BASE}/batch/create", json={"inputs": [{"properties": {"email": "a@b.com"}}]}
    )
    assert refused.status_code == 429
    body = refused.json()
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["status"] == "error" and body["correlationId"] and body["requestId"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    stats = await crm.stats()
    assert stats["requests"] == 6 and stats["rate_limited"] == 1
    assert stats["records"]["contacts"] == 0  # refused before doing anything
    crm.set_faults(rate_limit=0)  # lift it
    assert (await crm.client.get(BASE)).status_code == 200


def test_rate_limiter_window_is_exact() -> None:
    now = [100.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.admit().allowed for _ in range(3)] == [True, True, True]
    now[0] = 104.0
    refused = limiter.admit()
    assert refused is not None and not refused.allowed
    assert refused.retry_after == pytest.approx(6.0)
    now[0] = 110.0  # the first three stamps leave the window exactly now
    decision = limiter.admit()
    assert decision is not None and decision.allowed and decision.remaining == 2
    unlimited = RateLimiter(None).admit()  # counted, never refused, a ceiling no one reaches
    assert unlimited.allowed and unlimited.limit == UNLIMITED_MAX
    assert unlimited.remaining == UNLIMITED_MAX - 1


async def test_faults_before_and_after_commit(crm: Harness) -> None:
    seed, n = 11, 16
    predictor = FaultInjector(1.0, seed)
    expected = [predictor.draw(write=True) for _ in range(n)]
    assert {f.when for f in expected if f} == {"before", "after"}  # the seed exercises both
    crm.app.state.sandbox.settings.faults = FaultInjector(1.0, seed)
    statuses = []
    for i in range(n):
        response = await crm.client.post(BASE, json={"properties": {"email": f"f{i}@example.com"}})
        statuses.append(response.status_code)
    assert statuses == [f.status for f in expected if f]
    crm.set_faults(fail_rate=0.0)
    stored = await crm.client.post(
        f"{BASE}/batch/read",
        json={
            "inputs": [{"id": f"f{i}@example.com"} for i in range(n)],
            "idProperty": "email",
            "properties": ["email"],
        },
    )
    emails = {r["properties"]["email"] for r in stored.json()["results"]}
    assert emails == {f"f{i}@example.com" for i, f in enumerate(expected) if f and f.when == AFTER}
    stats = await crm.stats()
    assert stats["faults"] == n and stats["records"]["contacts"] == len(emails)


@pytest.mark.sandbox(fail_rate=1.0, seed=3)
async def test_reads_fail_before_only_and_502_is_html(crm: Harness) -> None:
    kinds = set()
    for _ in range(12):
        response = await crm.client.get(BASE)
        assert response.status_code in (500, 502, 503)
        kinds.add(response.headers["content-type"].split(";")[0])
    assert kinds <= {"application/json", "text/html"}
    assert (await crm.stats())["faults"] == 12


async def test_latency_and_reset(crm: Harness) -> None:
    await crm.client.post(BASE, json={"properties": {"email": "r@example.com"}})
    crm.set_faults(latency_ms=120)
    started = time.perf_counter()
    assert (await crm.client.get(BASE)).status_code == 200
    assert time.perf_counter() - started >= 0.1
    crm.set_faults(latency_ms=0)
    assert (await crm.anon.post("/_sandbox/reset")).status_code == 401
    reset = await crm.client.post("/_sandbox/reset")
    assert reset.status_code == 200
    stats = await crm.stats()
    assert stats == {
        "requests": 0,
        "rate_limited": 0,
        "faults": 0,
        "records": {"contacts": 0, "companies": 0, "deals": 0},
    }
