"""HubSpot's DAILY 429 stops the run as interrupted (rows stay pending, resumable)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from crm_migrate.push.runner import push_status, start_push
from tests.push.conftest import clean_result, contact, profile


def test_daily_limit_interrupts_the_run(tmp_path: Path, input_file: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", "pat-test-daily-0000")
    writes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/search"):
            return httpx.Response(200, json={"total": 0, "results": []})
        if path.endswith("/properties/contacts"):  # the run marker property exists
            return httpx.Response(200, json={"results": [{"name": "crm_migrate_run"}]})
        if path.endswith(("/batch/upsert", "/batch/create")):
            writes.append(len(json.loads(request.content)["inputs"]))
            if len(writes) > 1:
                return httpx.Response(429, json={
                    "status": "error", "message": "You have reached your daily limit.",
                    "errorType": "RATE_LIMIT", "policyName": "DAILY", "correlationId": "c"})
            inputs = json.loads(request.content)["inputs"]
            return httpx.Response(200, json={"status": "COMPLETE", "results": [
                {"id": str(i + 1), "properties": item["properties"], "new": True}
                for i, item in enumerate(inputs)]})
        return httpx.Response(404, json={"status": "error", "message": "not found"})

    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="hubspot", url=None, journal_path=tmp_path / "h.journal",
                         clean_result=clean_result([contact(i) for i in range(1, 301)]),
                         transport=httpx.MockTransport(handler), concurrency=1)
    assert summary.status["state"] == "interrupted" and summary.exit_code == 1
    assert "daily" in (summary.message or "").lower()
    status = push_status(tmp_path / "h.journal")
    assert status["done"] == 100 and status["failed"] == 0 and status["pending"] == 200
    assert status["state"] == "interrupted" and status["target"] == "hubspot"
