"""The server as a whole: persistence across restarts, concurrent writers, the shared fixtures."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from tests.sandbox.conftest import AUTH, Harness

BASE = "/crm/v3/objects/contacts"


def test_records_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "persist.sqlite3"
    prop = {
        "name": "crm_migrate_id",
        "label": "id",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
        "hasUniqueValue": True,
    }
    with SandboxServer(db) as server:
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            assert client.post("/crm/v3/properties/contacts", json=prop).status_code == 201
            created = client.post(
                BASE, json={"properties": {"email": "keep@example.com", "crm_migrate_id": "k1"}}
            )
            assert created.status_code == 201
            record_id = created.json()["id"]
        first_port = server.port
    # the port is released and the file closed
    with SandboxServer(db, port=first_port) as server:
        assert server.port == first_port
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            got = client.get(
                f"{BASE}/k1", params={"idProperty": "crm_migrate_id", "properties": "email"}
            )
            assert got.status_code == 200
            assert got.json()["id"] == record_id
            assert got.json()["properties"]["email"] == "keep@example.com"
            # uniqueness is still enforced after the restart, and ids keep growing
            assert (
                client.post(BASE, json={"properties": {"email": "keep@example.com"}}).status_code
                == 409
            )
            newer = client.post(BASE, json={"properties": {"email": "next@example.com"}}).json()
            assert int(newer["id"]) > int(record_id)


async def test_concurrent_batch_writers_lose_nothing(crm: Harness) -> None:
    async def writer(w: int) -> list[str]:
        inputs = [{"properties": {"email": f"w{w}-{i}@example.com"}} for i in range(100)]
        response = await crm.client.post(f"{BASE}/batch/create", json={"inputs": inputs})
        assert response.status_code == 201, response.text
        return [r["id"] for r in response.json()["results"]]

    ids = await asyncio.gather(*(writer(w) for w in range(8)))
    flat = [i for batch in ids for i in batch]
    assert len(set(flat)) == 800
    assert (await crm.stats())["records"]["contacts"] == 800


async def test_concurrent_creates_of_one_email_have_one_winner(crm: Harness) -> None:
    async def attempt(n: int) -> httpx.Response:
        return await crm.client.post(
            BASE, json={"properties": {"email": "race@example.com", "firstname": str(n)}}
        )

    responses = await asyncio.gather(*(attempt(n) for n in range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9
    winner = next(r for r in responses if r.status_code == 201).json()["id"]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["message"] == f"Contact already exists. Existing ID: {winner}"
    upserts = await asyncio.gather(
        *(
            crm.client.post(
                f"{BASE}/batch/upsert",
                json={
                    "inputs": [
                        {
                            "id": "same@example.com",
                            "idProperty": "email",
                            "properties": {"city": str(n)},
                        }
                    ]
                },
            )
            for n in range(6)
        )
    )
    assert [r.status_code for r in upserts] == [200] * 6
    assert sum(r.json()["results"][0]["new"] for r in upserts) == 1
    assert (await crm.stats())["records"]["contacts"] == 2


def test_set_faults_on_a_running_server(sandbox_server: Any) -> None:
    sandbox_server.set_faults(rate_limit=2)
    with httpx.Client(base_url=sandbox_server.url, headers=AUTH) as client:
        codes = [client.get(BASE).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert sandbox_server.stats()["rate_limited"] == 1
    assert sandbox_server.token == DEFAULT_TOKEN


async def test_sandbox_app_fixture(sandbox_app: Any) -> None:
    response = await sandbox_app.client.post(BASE, json={"properties": {"email": "fx@example.com"}})
    assert response.status_code == 201
    assert sandbox_app.app.state.sandbox.stats()["records"]["contacts"] == 1
