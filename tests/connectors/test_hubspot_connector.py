"""HubSpotConnector error mapping against HubSpot's documented shapes (httpx MockTransport),
and its reads/writes against the in-process sandbox."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from crm_migrate.connectors import TARGETS, open_connector
from crm_migrate.connectors.base import CAPABILITIES, BatchRejected, Connector, TransientError
from crm_migrate.connectors.file import FileConnector
from crm_migrate.connectors.hubspot import DailyLimitReached, HubSpotConnector
from crm_migrate.connectors.pipedrive import PipedriveConnector
from crm_migrate.connectors.salesforce import SalesforceConnector
from crm_migrate.errors import AuthError, TargetError

TOKEN = "pat-na1-0123456789abcdef"


def connector(handler: Any) -> HubSpotConnector:
    return HubSpotConnector(url="https://api.example", token=TOKEN,
                            transport=httpx.MockTransport(handler))


def rate_429(policy: str) -> httpx.Response:
    return httpx.Response(429, json={"status": "error", "errorType": "RATE_LIMIT",
                                     "policyName": policy, "message": "You have reached your "
                                     f"{policy.lower()} limit.", "correlationId": "x"},
                          headers={"Retry-After": "0", "X-HubSpot-RateLimit-Max": "100",
                                   "X-HubSpot-RateLimit-Remaining": "0",
                                   "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"})


async def test_ten_secondly_429_waits_and_retries_then_succeeds() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            return rate_429("TEN_SECONDLY_ROLLING")
        body = json.loads(request.content)
        results = [{"id": str(100 + i), "properties": {"email": item["id"]}, "new": True}
                   for i, item in enumerate(body["inputs"])]
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})

    c = connector(handler)
    out = await c.upsert("contacts", "email", [{"email": "a@x.com"}, {"email": "b@x.com"}])
    assert [r.ok for r in out] == [True, True] and out[1].id == "101" and out[0].created
    assert len(calls) == 3 and c.rate_limited == 2
    await c.aclose()


async def test_daily_limit_stops_the_run() -> None:
    c = connector(lambda r: rate_429("DAILY"))
    with pytest.raises(DailyLimitReached, match="daily"):
        await c.upsert("contacts", "email", [{"email": "a@x.com"}])
    await c.aclose()


async def test_auth_errors_never_show_the_token() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"status": "error", "category": "INVALID_AUTHENTICATION",
                                         "message": f"bad token {TOKEN}"})

    c = connector(handler)
    with pytest.raises(AuthError) as info:
        await c.read_schema("contacts")
    assert TOKEN not in str(info.value)
    await c.aclose()


async def test_5xx_on_a_write_may_be_committed_and_400_rejects_the_batch() -> None:
    answers = iter([
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(400, json={"status": "error", "category": "VALIDATION_ERROR",
                                  "message": "Duplicate IDs found in batch input: [a@x.com]",
                                  "context": {"ids": ["a@x.com"]}}),
    ])
    c = connector(lambda r: next(answers))
    with pytest.raises(TransientError) as info:
        await c.upsert("contacts", "email", [{"email": "a@x.com"}])
    assert info.value.maybe_committed and info.value.status == 502
    with pytest.raises(BatchRejected) as rejected:
        await c.upsert("contacts", "email", [{"email": "b@x.com"}, {"email": "a@x.com"}])
    assert rejected.value.positions == [1]
    await c.aclose()


async def test_207_maps_errors_to_inputs_by_trace_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        assert all("objectWriteTraceId" in i for i in inputs)
        return httpx.Response(207, json={
            "status": "COMPLETE", "numErrors": 1,
            "results": [{"id": "7", "properties": {"crm_migrate_id": "k0"}, "new": True,
                         "objectWriteTraceId": "0"}],
            "errors": [{"status": "error", "category": "VALIDATION_ERROR",
                        "message": "INVALID_OPTION dealstage", "context": {
                            "objectWriteTraceId": ["1"]}}]})

    c = connector(handler)
    out = await c.upsert("deals", "crm_migrate_id",
                         [{"crm_migrate_id": "k0"}, {"crm_migrate_id": "k1"}])
    assert out[0].ok and out[0].id == "7"
    assert not out[1].ok and "INVALID_OPTION" in (out[1].error or "")
    await c.aclose()


async def test_search_lookup_lowercases_in_values() -> None:
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        return httpx.Response(200, json={"total": 1, "results": [
            {"id": "9", "properties": {"domain": "acme.com", "name": "Acme"}}]})

    c = connector(handler)
    found = await c.lookup("companies", "domain", ["ACME.com", "other.org"])
    assert list(found) == ["ACME.com"] and found["ACME.com"].id == "9"
    assert seen[0]["filterGroups"][0]["filters"][0]["values"] == ["acme.com", "other.org"]
    await c.aclose()


async def test_against_the_sandbox_id_property_lookup_and_archive(sandbox_app: Any) -> None:
    from crm_migrate.sandbox import DEFAULT_TOKEN

    transport = sandbox_app.client._transport
    c = HubSpotConnector(url=sandbox_app.url, token=DEFAULT_TOKEN, transport=transport,
                         target="sandbox")
    assert await c.ensure_id_property("companies") == "crm_migrate_id"
    assert await c.ensure_id_property("companies") == "crm_migrate_id"  # idempotent
    written = await c.upsert("companies", "crm_migrate_id", [
        {"crm_migrate_id": "k1", "name": "Acme", "domain": "acme.com"},
        {"crm_migrate_id": "k2", "name": "Beta", "domain": "beta.io"}])
    assert all(w.ok and w.created for w in written)
    again = await c.upsert("companies", "crm_migrate_id",
                           [{"crm_migrate_id": "k1", "name": "Acme Inc"}])
    assert again[0].ok and not again[0].created and again[0].id == written[0].id
    found = await c.lookup("companies", "domain", ["Acme.com"], properties=["name"])
    assert found["Acme.com"].properties["name"] == "Acme Inc"
    assert await c.count("companies") == 2
    await c.archive("companies", [w.id for w in written if w.id])
    assert await c.count("companies") == 0
    await c.aclose()


async def test_search_is_exempt_from_the_ten_secondly_budget_on_hubspot_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"total": 0, "results": []})

    hub = connector(handler)
    await hub.lookup("companies", "domain", ["a.com"])
    assert hub.limiter.in_window == 0 and hub.search_limiter.in_window == 1
    sandbox = HubSpotConnector(url="http://sb", token=TOKEN, target="sandbox",
                               transport=httpx.MockTransport(handler))
    await sandbox.lookup("companies", "domain", ["a.com"])
    assert sandbox.limiter.in_window == 1  # the sandbox counts every /crm/ request
    await hub.aclose()
    await sandbox.aclose()


async def test_open_connector_runs_the_embedded_sandbox_and_stops_it(
    isolated_env: dict[str, Any],
) -> None:
    async with open_connector("Sandbox") as c:
        assert isinstance(c, HubSpotConnector) and c.target == "sandbox"
        assert any(p["name"] == "email" for p in await c.read_schema("contacts"))
        url = c.url
    assert c._client.is_closed
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/crm/v3/properties/contacts", timeout=2.0)


async def test_open_connector_checks_the_target_and_credentials(
    isolated_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TARGETS == ("sandbox", "hubspot", "salesforce", "pipedrive", "file")
    with pytest.raises(TargetError, match="unknown target"):
        async with open_connector("dynamics"):
            pass
    monkeypatch.delenv("CRM_MIGRATE_TOKEN", raising=False)
    with pytest.raises(AuthError, match="auth set pipedrive"):
        async with open_connector("pipedrive"):
            pass
    handler = httpx.MockTransport(lambda r: httpx.Response(200, json={"results": []}))
    async with open_connector("hubspot", token=TOKEN, transport=handler) as hub:
        assert isinstance(hub, HubSpotConnector) and hub.url == "https://api.hubapi.com"
        assert await hub.read_schema("contacts") == []
    assert hub._client.is_closed


def test_each_connector_declares_its_optional_capabilities() -> None:
    assert HubSpotConnector.capabilities() == frozenset(CAPABILITIES)
    assert SalesforceConnector.capabilities() == {"count", "list_all"}
    assert PipedriveConnector.capabilities() == {"count", "list_all", "seed"}
    assert FileConnector.capabilities() == frozenset()
    assert not Connector.implements_count and PipedriveConnector.implements_count


async def test_send_times_seed_a_second_connector_for_the_same_target() -> None:
    first = HubSpotConnector(url="https://api.example", token=TOKEN)
    assert first.limiter.try_acquire() and first.search_limiter.try_acquire()
    second = HubSpotConnector(url="https://api.example", token=TOKEN)
    second.seed(first.send_times())
    assert second.limiter.in_window == 1 and second.search_limiter.in_window == 1
    await first.aclose()
    await second.aclose()
