"""The circuit breaker stops a systematically failing run; resume after the fix finishes it.
A stop request leaves the run interrupted and resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from crm_migrate.push.runner import push_status, resume_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from tests.push.conftest import all_records, clean_result, contact, profile


def test_breaker_trips_then_resume_after_fix(sandbox_server: Any, tmp_path: Path,
                                             input_file: str) -> None:
    records = [contact(i, favourite_colour="blue") for i in range(1, 401)]
    journal = tmp_path / "run.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(records), batch_size=100, concurrency=1)
    status = summary.status
    assert status["state"] == "interrupted" and summary.exit_code == 1
    assert "favourite_colour" in (summary.message or "")
    assert "most common error" in (summary.message or "")
    assert 10 < status["failed"] <= 100 and status["pending"] > 250  # stopped early
    assert push_status(journal)["state"] == "interrupted"
    errors = Path(summary.errors_file or "")
    assert errors.exists() and "favourite_colour" in errors.read_text()
    with httpx.Client(base_url=sandbox_server.url,
                      headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        created = c.post("/crm/v3/properties/contacts", json={
            "name": "favourite_colour", "label": "Favourite colour", "type": "string",
            "fieldType": "text", "groupName": "contactinformation"})
        assert created.status_code == 201, created.text
    resumed = resume_push(journal)
    assert resumed.status["state"] == "completed" and resumed.exit_code == 0
    assert resumed.status["done"] == 400 and resumed.status["failed"] == 0
    assert len(all_records(sandbox_server.url)) == 400
    assert resumed.errors_file is None and not errors.exists()  # stale error file removed


def test_stop_request_leaves_a_resumable_run(sandbox_server: Any, tmp_path: Path,
                                             input_file: str) -> None:
    records = [contact(i) for i in range(1, 501)]
    journal = tmp_path / "run.journal"
    batches = []

    def should_stop() -> bool:
        return len(batches) >= 2

    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(records), batch_size=50, concurrency=1,
                         on_progress=lambda p: batches.append(p) if p.phase == "records"
                         and p.done else None, should_stop=should_stop)
    assert summary.status["state"] == "interrupted"
    assert 0 < summary.status["done"] < 500 and summary.status["in_flight"] == 0
    resumed = resume_push(journal)
    assert resumed.status["state"] == "completed" and resumed.status["done"] == 500
    emails = [r["properties"]["email"] for r in all_records(sandbox_server.url)]
    assert len(emails) == len(set(emails)) == 500
