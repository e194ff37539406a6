"""HubSpot's answers on a real portal: 403 MISSING_SCOPES names the scope, Retry-After as an
HTTP date, an existing crm_migrate_id without unique values (shapes as HubSpot documents them;
httpx MockTransport)."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import httpx
import pytest

from crm_migrate.connectors.httpbase import parse_retry_after
from crm_migrate.connectors.hubspot import HubSpotConnector, missing_scopes
from crm_migrate.errors import AuthError, TargetError

TOKEN = "pat-na1-0123456789abcdef"
SCOPES_403 = {
    "status": "error",
    "message": "This app hasn't been granted all required scopes to make this call. Read more "
               "about required scopes here: https://developers.hubspot.com/scopes.",
    "correlationId": "5e1c4a7e-0f4c-4b7e-9d7a-3d1b2c3d4e5f",
    "errors": [{"message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["crm.objects.companies.write"]}}],
    "links": {"scopes": "https://developers.hubspot.com/scopes"},
    "category": "MISSING_SCOPES",
}


def connector(handler: Any) -> HubSpotConnector:
    return HubSpotConnector(url="https://api.example", token=TOKEN,
                            transport=httpx.MockTransport(handler))


async def test_a_403_for_a_missing_scope_names_the_scope_in_one_line() -> None:
    c = connector(lambda request: httpx.Response(403, json=SCOPES_403))
    with pytest.raises(AuthError) as caught:
        await c.create("companies", [{"name": "Acme"}])
    await c.aclose()
    text = str(caught.value)
    assert text.startswith("HubSpot token lacks scope crm.objects.companies.write")
    assert "\n" not in text and TOKEN not in text


def test_older_and_plural_scope_shapes() -> None:
    older = {**SCOPES_403, "errors": [{"message": "One or more of the following scopes are "
                                                  "required.",
                                       "context": {"requiredScopes": ["contacts", "oauth"]}}]}
    assert missing_scopes(older) == ["contacts", "oauth"]
    assert missing_scopes({"category": "MISSING_SCOPES", "context": {
        "missingScopes": ["crm.schemas.companies.write"]}}) == ["crm.schemas.companies.write"]
    assert missing_scopes({"category": "INVALID_AUTHENTICATION"}) is None
    assert missing_scopes("not json") is None


async def test_a_403_naming_several_scopes_and_a_401_stay_one_line() -> None:
    body = {**SCOPES_403, "errors": [{"message": "x", "context": {
        "requiredGranularScopes": ["crm.objects.contacts.write", "crm.objects.contacts.read"]}}]}
    c = connector(lambda request: httpx.Response(403, json=body))
    with pytest.raises(AuthError, match="lacks one of the scopes crm.objects.contacts.write, "
                                        "crm.objects.contacts.read"):
        await c.read_schema("contacts")
    await c.aclose()
    c = connector(lambda request: httpx.Response(401, json={
        "status": "error", "message": "Authentication credentials not found.",
        "category": "INVALID_AUTHENTICATION", "correlationId": "x"}))
    with pytest.raises(AuthError, match="refused the credentials"):
        await c.read_schema("contacts")
    await c.aclose()


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after(" 2.5 ", now=now) == 2.5
    when = email.utils.formatdate(now + 30, usegmt=True)  # "Fri, 15 Jan 2027 08:00:30 GMT"
    assert parse_retry_after(when, now=now) == pytest.approx(30.0, abs=1.0)
    assert parse_retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None and parse_retry_after("") is None


async def test_a_429_whose_retry_after_is_an_http_date_waits_that_long() -> None:
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.time())
        if len(calls) == 1:
            when = email.utils.formatdate(time.time() + 4, usegmt=True)
            return httpx.Response(429, headers={"Retry-After": when}, json={
                "status": "error", "message": "You have reached your ten_secondly_rolling "
                "limit.", "policyName": "TEN_SECONDLY_ROLLING", "correlationId": "x"})
        return httpx.Response(200, json={"results": []})

    c = connector(handler)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)
        c.limiter.block_for(0)  # pretend the time went by
        c.limiter._blocked_until = 0.0

    c.limiter._sleep = no_sleep
    assert await c.read_schema("contacts") == []
    await c.aclose()
    assert len(calls) == 2
    assert len(waits) == 1 and 2.0 <= waits[0] <= 4.5  # the date, not the 10 s window


async def test_an_existing_id_property_without_unique_values_is_refused() -> None:
    created: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            created.append(json.loads(request.content))
            return httpx.Response(201, json={})
        return httpx.Response(200, json={"results": [
            {"name": "name", "type": "string", "hasUniqueValue": False},
            {"name": "crm_migrate_id", "label": "crm-migrate id", "type": "string",
             "fieldType": "text", "hasUniqueValue": False}]})

    c = connector(handler)
    with pytest.raises(TargetError) as caught:
        await c.ensure_id_property("companies")
    await c.aclose()
    text = str(caught.value)
    assert "crm_migrate_id" in text and "would not be idempotent" in text and "\n" not in text
    assert created == []


async def test_an_existing_unique_id_property_is_used_as_it_is() -> None:
    created: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            created.append(json.loads(request.content))
            return httpx.Response(201, json={})
        return httpx.Response(200, json={"results": [
            {"name": "crm_migrate_id", "type": "string", "hasUniqueValue": True}]})

    c = connector(handler)
    assert await c.ensure_id_property("companies") == "crm_migrate_id"
    await c.aclose()
    assert created == []
