"""Bulk API 2.0 ingest through a MockTransport handler that walks the documented job lifecycle."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest

from crm_migrate.connectors.salesforce import SalesforceConnector

INSTANCE = "https://acme.my.salesforce.com"
TOKEN = "00DXX0000001abc!AQ4AQBulkTokenValue"
BASE = "/services/data/v60.0/jobs/ingest"


class FakeBulk:
    """One ingest job: Open -> UploadComplete -> InProgress -> JobComplete, results unordered."""

    def __init__(self) -> None:
        self.job: dict | None = None
        self.rows: list[dict[str, str]] = []
        self.state = "None"
        self.polls = 0
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        path = request.url.path
        self.calls.append(f"{request.method} {path.removeprefix(BASE) or '/'}")
        if request.method == "POST" and path == BASE:
            body = json.loads(request.content)
            assert body["contentType"] == "CSV" and body["lineEnding"] == "LF"
            assert body["columnDelimiter"] == "COMMA" and body["object"] == "Contact"
            self.job = body
            self.state = "Open"
            return httpx.Response(
                200,
                json={
                    "id": "750X1",
                    "state": "Open",
                    "contentUrl": "services/data/v60.0/jobs/ingest/750X1/batches",
                },
            )
        if request.method == "PUT" and path == f"{BASE}/750X1/batches":
            assert self.state == "Open"
            assert request.headers["content-type"] == "text/csv"
            self.rows = list(csv.DictReader(io.StringIO(request.content.decode())))
            return httpx.Response(201)
        if request.method == "PATCH" and path == f"{BASE}/750X1":
            assert json.loads(request.content) == {"state": "UploadComplete"}
            assert self.rows, "UploadComplete before any data"
            self.state = "UploadComplete"
            return httpx.Response(200, json={"id": "750X1", "state": "UploadComplete"})
        if request.method == "GET" and path == f"{BASE}/750X1":
            assert self.state != "Open", "polling a job that was never closed"
            self.polls += 1
            self.state = "InProgress" if self.polls < 2 else "JobComplete"
            return httpx.Response(
                200,
                json={"id": "750X1", "state": self.state, "numberRecordsProcessed": len(self.rows)},
            )
        if request.method == "GET" and path.startswith(f"{BASE}/750X1/"):
            assert self.state == "JobComplete"
            kind = path.rstrip("/").rsplit("/", 1)[1]
            return httpx.Response(
                200, text=self._results(kind), headers={"Content-Type": "text/csv"}
            )
        pytest.fail(f"unexpected {request.method} {request.url}")

    def _results(self, kind: str) -> str:
        columns = list(self.rows[0]) if self.rows else []
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if kind == "successfulResults":
            writer.writerow(["sf__Id", "sf__Created", *columns])
            for n, row in reversed(list(enumerate(self.rows))):  # order not guaranteed
                if row.get("LastName"):
                    writer.writerow(
                        [f"003BULK{n:08d}", "true" if n % 2 == 0 else "false", *row.values()]
                    )
        elif kind == "failedResults":
            writer.writerow(["sf__Id", "sf__Error", *columns])
            for row in self.rows:
                if not row.get("LastName"):
                    writer.writerow(
                        [
                            "",
                            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
                            *row.values(),
                        ]
                    )
        else:
            writer.writerow(columns)
        return out.getvalue()


async def test_large_upsert_goes_through_bulk_and_maps_results_back() -> None:
    fake = FakeBulk()
    sf = SalesforceConnector(
        url=INSTANCE,
        token=TOKEN,
        transport=httpx.MockTransport(fake),
        bulk=True,
        bulk_threshold=2,
        bulk_poll_seconds=0.01,
    )
    assert sf.max_batch == 10_000
    records = [
        {"crm_migrate_id": "k0", "lastname": "Zero", "email": "z@x.com"},
        {"crm_migrate_id": "k1", "lastname": "One", "amount_ignored": "x"},
        {"crm_migrate_id": "k2", "firstname": "NoLast"},
        {"crm_migrate_id": "k3", "lastname": "Three", "phone": ""},
    ]
    results = await sf.upsert("contacts", "crm_migrate_id", records)
    assert fake.job is not None and fake.job["operation"] == "upsert"
    assert fake.job["externalIdFieldName"] == "crm_migrate_id__c"
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [(r.ok, r.id, r.created) for r in results] == [
        (True, "003BULK00000000", True),
        (True, "003BULK00000001", False),
        (False, None, None),
        (True, "003BULK00000003", False),
    ]
    assert results[2].error.startswith("REQUIRED_FIELD_MISSING")
    # "" clears a value: Bulk API spells null #N/A
    assert fake.rows[3]["Phone"] == "#N/A"
    assert fake.calls[:3] == ["POST /", "PUT /750X1/batches", "PATCH /750X1"]
    assert fake.polls == 2
    await sf.aclose()


async def test_small_batches_stay_on_collections() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        records = json.loads(request.content)["records"]
        return httpx.Response(
            200,
            json=[
                {"id": f"003{i}", "success": True, "errors": [], "created": True}
                for i in range(len(records))
            ],
        )

    sf = SalesforceConnector(
        url=INSTANCE,
        token=TOKEN,
        transport=httpx.MockTransport(handler),
        bulk=True,
        bulk_threshold=5,
    )
    results = await sf.upsert(
        "contacts", "crm_migrate_id", [{"crm_migrate_id": "a", "lastname": "A"}]
    )
    assert results[0].ok and seen == [
        "/services/data/v60.0/composite/sobjects/Contact/crm_migrate_id__c"
    ]
    await sf.aclose()
