"""Contract tests of v4 batch/read and batch/archive of associations (in-process and loopback)."""

from __future__ import annotations

from typing import Any

import pytest

from crm_migrate.sandbox.associations import READ_PAGE
from tests.sandbox.conftest import Harness

READ = "/crm/v4/associations/contacts/companies/batch/read"
ARCHIVE = "/crm/v4/associations/contacts/companies/batch/archive"
ASSOCIATE = "/crm/v4/associations/contacts/companies/batch/associate/default"


async def companies(crm: Harness, names: list[str]) -> list[str]:
    response = await crm.client.post(
        "/crm/v3/objects/companies/batch/create",
        json={"inputs": [{"properties": {"name": n}} for n in names]},
    )
    assert response.status_code == 201, response.text
    return [r["id"] for r in response.json()["results"]]


async def associate(crm: Harness, pairs: list[tuple[str, str]]) -> None:
    for start in range(0, len(pairs), 1000):
        inputs = [{"from": {"id": a}, "to": {"id": b}} for a, b in pairs[start : start + 1000]]
        response = await crm.client.post(ASSOCIATE, json={"inputs": inputs})
        assert response.status_code == 200, response.text


def to_ids(result: dict[str, Any]) -> list[int]:
    return [t["toObjectId"] for t in result["to"]]


async def test_batch_read_returns_each_ids_associations_and_errors_for_the_rest(
    crm: Harness,
) -> None:
    ann, bob, cat = (r["id"] for r in await crm.create_contacts(
        ["ann@x.com", "bob@x.com", "cat@x.com"]))
    acme, beta = await companies(crm, ["Acme", "Beta"])
    await associate(crm, [(ann, acme), (ann, beta), (bob, beta)])
    response = await crm.client.post(
        READ, json={"inputs": [{"id": ann}, {"id": bob}, {"id": cat}, {"id": "999999"}]}
    )
    assert response.status_code == 207
    body = response.json()
    assert body["status"] == "COMPLETE" and body["startedAt"] and body["completedAt"]
    by_from = {r["from"]["id"]: r for r in body["results"]}
    assert set(by_from) == {ann, bob}
    assert to_ids(by_from[ann]) == sorted([int(acme), int(beta)])
    assert by_from[bob]["to"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}
    ]
    assert "paging" not in by_from[ann]
    assert body["numErrors"] == 2
    missing = {e["context"]["fromObjectId"][0]: e for e in body["errors"]}
    assert set(missing) == {cat, "999999"}
    assert missing[cat]["category"] == "OBJECT_NOT_FOUND"
    assert missing[cat]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert missing[cat]["message"] == f"No company is associated with contact {cat}."
    # every id found: 200; the inverse direction reads the same edges back
    only = await crm.client.post(READ, json={"inputs": [{"id": bob}]})
    assert only.status_code == 200 and "errors" not in only.json()
    back = await crm.client.post(
        "/crm/v4/associations/companies/contacts/batch/read", json={"inputs": [{"id": beta}]}
    )
    assert to_ids(back.json()["results"][0]) == sorted([int(ann), int(bob)])
    assert back.json()["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 280
    # an archived company is no longer read back as associated
    await crm.client.delete(f"/crm/v3/objects/companies/{acme}")
    after = await crm.client.post(READ, json={"inputs": [{"id": ann}]})
    assert to_ids(after.json()["results"][0]) == [int(beta)]


async def test_batch_read_pages_past_its_page_size(crm: Harness) -> None:
    (person,) = (r["id"] for r in await crm.create_contacts(["many@x.com"]))
    ids: list[str] = []
    for start in range(0, READ_PAGE + 20, 100):
        ids += await companies(crm, [f"Org{i}" for i in range(start, start + 100)])
    await associate(crm, [(person, c) for c in ids])
    first = (await crm.client.post(READ, json={"inputs": [{"id": person}]})).json()
    page = first["results"][0]
    assert len(page["to"]) == READ_PAGE
    after = page["paging"]["next"]["after"]
    second = (await crm.client.post(READ, json={"inputs": [{"id": person, "after": after}]}))
    assert second.status_code == 200
    rest = second.json()["results"][0]
    assert "paging" not in rest
    assert to_ids(page) + to_ids(rest) == sorted(int(i) for i in ids)


async def test_batch_archive_removes_every_type_between_each_pair_only(crm: Harness) -> None:
    ann, bob = (r["id"] for r in await crm.create_contacts(["ann@x.com", "bob@x.com"]))
    acme, beta = await companies(crm, ["Acme", "Beta"])
    # ann-acme also gets the primary type through a create-time association
    labelled = await crm.client.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {"email": "cy@x.com"},
            "associations": [
                {"to": {"id": acme}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}]}
            ],
        },
    )
    cy = labelled.json()["id"]
    await associate(crm, [(ann, acme), (ann, beta), (bob, beta), (cy, acme)])
    before = (await crm.stats())["requests"]
    gone = await crm.client.post(
        ARCHIVE,
        json={"inputs": [
            {"from": {"id": ann}, "to": [{"id": acme}]},
            {"from": {"id": cy}, "to": [{"id": acme}, {"id": "999999"}]},
            {"from": {"id": "999998"}, "to": [{"id": beta}]},
        ]},
    )
    assert gone.status_code == 204 and gone.content == b""
    assert (await crm.stats())["requests"] == before + 1  # counted like every /crm/ request
    read = (await crm.client.post(
        READ, json={"inputs": [{"id": ann}, {"id": bob}, {"id": cy}]})).json()
    by_from = {r["from"]["id"]: to_ids(r) for r in read["results"]}
    assert by_from == {ann: [int(beta)], bob: [int(beta)]}  # cy had two types: both gone
    back = (await crm.client.post(
        "/crm/v4/associations/companies/contacts/batch/read", json={"inputs": [{"id": acme}]}
    )).json()
    assert back["results"] == [] and back["errors"][0]["context"]["fromObjectId"] == [acme]
    # idempotent: archiving again is still a 204
    again = await crm.client.post(ARCHIVE, json={"inputs": [{"from": {"id": ann},
                                                              "to": [{"id": acme}]}]})
    assert again.status_code == 204


@pytest.mark.parametrize("path", [READ, ARCHIVE])
async def test_bad_bodies_are_hubspot_validation_errors(crm: Harness, path: str) -> None:
    for body in ({}, {"inputs": "x"}, {"inputs": [{"nothing": 1}]}):
        response = await crm.client.post(path, json=body)
        assert response.status_code == 400, (body, response.text)
        err = response.json()
        assert err["status"] == "error" and err["category"] == "VALIDATION_ERROR"
        assert err["correlationId"] and err["message"]
    limit = 1000 if path == READ else 2000
    too_many = [{"id": str(i), "from": {"id": str(i)}, "to": [{"id": "1"}]}
                for i in range(limit + 1)]
    response = await crm.client.post(path, json={"inputs": too_many})
    assert response.status_code == 400 and str(limit) in response.json()["message"]
    unknown = await crm.client.post(path.replace("contacts", "widgets"), json={"inputs": []})
    assert unknown.status_code in (400, 404)
    denied = await crm.anon.post(path, json={"inputs": []})
    assert denied.status_code == 401


@pytest.mark.sandbox(rate_limit=3)
async def test_v4_read_and_archive_are_rate_limited(crm: Harness) -> None:
    answers = []
    for _ in range(4):
        answers.append((await crm.client.post(READ, json={"inputs": [{"id": "1"}]})).status_code)
    assert answers[:3] == [207, 207, 207] and answers[3] == 429
    limited = await crm.client.post(ARCHIVE, json={"inputs": []})
    assert limited.status_code == 429
    assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert "x-hubspot-ratelimit-remaining" in limited.headers
