"""HubSpotConnector.read_associations / dissociate: HubSpot's documented shapes (MockTransport)
and the real sandbox (in-process and over loopback)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from crm_migrate.connectors.base import BatchRejected, Connector, TransientError
from crm_migrate.connectors.hubspot import HubSpotConnector
from crm_migrate.sandbox import DEFAULT_TOKEN
from tests.sandbox.conftest import Harness

TOKEN = "pat-na1-" + "0123456789abcdef"


def connector(handler: Any) -> HubSpotConnector:
    return HubSpotConnector(url="https://api.example", token=TOKEN,
                            transport=httpx.MockTransport(handler))


def no_associations(from_id: str) -> dict[str, Any]:
    return {"status": "error", "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": f"No company is associated with contact {from_id}.",
            "context": {"fromObjectId": [from_id], "fromObjectType": ["contact"],
                        "toObjectType": ["company"]}, "errors": [], "links": {}}


def to(*ids: int) -> list[dict[str, Any]]:
    return [{"toObjectId": i, "associationTypes": [
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}]} for i in ids]


async def test_read_associations_chunks_pages_and_reads_207s() -> None:
    requests: list[list[dict[str, str]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/crm/v4/associations/contacts/companies/batch/read"
        inputs = json.loads(request.content)["inputs"]
        requests.append(inputs)
        results, errors = [], []
        for item in inputs:
            n = int(item["id"])
            if item.get("after"):
                results.append({"from": {"id": item["id"]}, "to": to(9002)})
            elif n == 1:  # two pages
                results.append({"from": {"id": "1"}, "to": to(9001),
                                "paging": {"next": {"after": "MC0yLTE1"}}})
            elif n % 2:
                results.append({"from": {"id": item["id"]}, "to": to(5000 + n)})
            elif n == 4:
                errors.append({"status": "error", "category": "MISSING_SCOPES",
                               "message": "no", "context": {"fromObjectId": ["4"]}})
            else:
                errors.append(no_associations(item["id"]))
        body = {"status": "COMPLETE", "results": results, "startedAt": "x", "completedAt": "y"}
        if errors:
            body.update(errors=errors, numErrors=len(errors))
        return httpx.Response(207 if errors else 200, json=body)

    c = connector(handler)
    ids = [str(i) for i in range(1, 1503)]
    found = await c.read_associations("contacts", "companies", ids + ["3"])
    await c.aclose()
    assert [len(r) for r in requests] == [1000, 503]  # 1000 ids a request; the page rides along
    assert {"id": "1", "after": "MC0yLTE1"} in requests[1]
    assert found["1"] == {"9001", "9002"}
    assert found["3"] == {"5003"} and found["2"] == set()
    assert "4" not in found  # an error we cannot read as "none": unknown, so absent
    assert len(found) == len(ids) - 1


async def test_read_associations_retries_reads_and_waits_out_429s() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json={"status": "error", "errorType": "RATE_LIMIT",
                                             "policyName": "TEN_SECONDLY_ROLLING",
                                             "message": "limit"}, headers={"Retry-After": "0"})
        if len(calls) == 2:
            return httpx.Response(502, text="bad gateway")
        return httpx.Response(200, json={"status": "COMPLETE", "results": [
            {"from": {"id": "7"}, "to": to(8)}], "startedAt": "x", "completedAt": "y"})

    c = connector(handler)
    assert await c.read_associations("contacts", "companies", ["7"]) == {"7": {"8"}}
    assert len(calls) == 3 and c.rate_limited == 1
    await c.aclose()


async def test_dissociate_groups_by_from_id_in_batches_of_100_and_maps_errors() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/crm/v4/associations/contacts/companies/batch/archive"
        bodies.append(json.loads(request.content))
        return httpx.Response(204)

    c = connector(handler)
    pairs = [(str(i), "900") for i in range(150)] + [("0", "901"), ("0", "900")]
    assert await c.dissociate("contacts", "companies", pairs) is None
    await c.aclose()
    assert [len(b["inputs"]) for b in bodies] == [100, 50]
    assert bodies[0]["inputs"][0] == {"from": {"id": "0"}, "to": [{"id": "900"}, {"id": "901"}]}

    failing = connector(lambda r: httpx.Response(503, text="unavailable"))
    with pytest.raises(TransientError) as exc:
        await failing.dissociate("contacts", "companies", [("1", "2")])
    assert exc.value.maybe_committed  # a write: the caller retries (it is idempotent)
    await failing.aclose()
    rejected = connector(lambda r: httpx.Response(400, json={
        "status": "error", "category": "VALIDATION_ERROR", "message": "bad input"}))
    with pytest.raises(BatchRejected, match="bad input"):
        await rejected.dissociate("contacts", "companies", [("1", "2")])
    await rejected.aclose()


async def test_the_methods_are_optional_capabilities_of_the_connector_base() -> None:
    from crm_migrate.connectors.pipedrive import PipedriveConnector
    from crm_migrate.connectors.salesforce import SalesforceConnector

    hub = HubSpotConnector(url="https://api.example", token=TOKEN)
    assert isinstance(hub, Connector)
    assert hub.implements_read_associations and hub.implements_dissociate
    for other in (PipedriveConnector, SalesforceConnector):
        assert not other.implements_read_associations and not other.implements_dissociate
    pipedrive = PipedriveConnector(token=TOKEN)
    with pytest.raises(NotImplementedError):
        await pipedrive.read_associations("contacts", "companies", ["1"])
    await hub.aclose()
    await pipedrive.aclose()


async def test_against_the_sandbox(crm: Harness) -> None:
    people = [r["id"] for r in await crm.create_contacts(["a@x.com", "b@x.com", "c@x.com"])]
    created = await crm.client.post("/crm/v3/objects/companies/batch/create", json={
        "inputs": [{"properties": {"name": "Acme"}}, {"properties": {"name": "Beta"}}]})
    acme, beta = (r["id"] for r in created.json()["results"])
    transport = httpx.ASGITransport(app=crm.app) if crm.mode == "asgi" else None
    c = HubSpotConnector(url=str(crm.client.base_url), token=DEFAULT_TOKEN, transport=transport,
                         target="sandbox")
    try:
        results = await c.associate("contacts", "companies",
                                    [(people[0], acme), (people[0], beta), (people[1], beta)])
        assert all(r.ok for r in results)
        found = await c.read_associations("contacts", "companies", [*people, "424242"])
        assert found == {people[0]: {acme, beta}, people[1]: {beta}, people[2]: set(),
                         "424242": set()}
        await c.dissociate("contacts", "companies", [(people[0], acme), (people[1], beta),
                                                     (people[2], acme)])
        after = await c.read_associations("contacts", "companies", people)
        assert after == {people[0]: {beta}, people[1]: set(), people[2]: set()}
        back = await c.read_associations("companies", "contacts", [acme, beta])
        assert back == {acme: set(), beta: {people[0]}}
    finally:
        await c.aclose()
