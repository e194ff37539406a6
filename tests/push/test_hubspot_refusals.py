"""What a real HubSpot portal refuses, end to end: a token without a scope (403 MISSING_SCOPES)
stops the push in one line naming the scope, exit 2, journal intact and resumable; an existing
crm_migrate_id without unique values stops it before any write; rollback moves a lifecycle
stage backwards by clearing it first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.cli import run
from crm_migrate.push.journal import Journal, RowKind, RowState
from crm_migrate.push.runner import push_status, rollback_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from tests.push.conftest import (
    all_records,
    clean_result,
    contact,
    one_line_error,
    profile,
    write_contacts,
)

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
MISSING = {
    "status": "error",
    "message": "This app hasn't been granted all required scopes to make this call. Read more "
               "about required scopes here: https://developers.hubspot.com/scopes.",
    "correlationId": "0b5c2d9e-1f1a-4c1e-8f0e-2a7b9c3d4e5f",
    "errors": [{"message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["crm.objects.companies.write"]}}],
    "category": "MISSING_SCOPES",
}


def test_a_token_without_the_companies_write_scope_stops_in_one_line_exit_2(
    tmp_path: Path, sandbox_server: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = httpx.AsyncHTTPTransport.handle_async_request
    refused: list[str] = []

    async def scoped(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        # the token may read companies but not write them (a write scope not granted)
        path = request.url.path
        if path.startswith("/crm/v3/objects/companies/batch/") and not path.endswith("/read"):
            refused.append(path)
            return httpx.Response(403, json=MISSING)
        return await real(self, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", scoped)
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", DEFAULT_TOKEN)
    csv, prof = write_contacts(tmp_path, 30)
    journal = tmp_path / "run.journal"
    line = one_line_error(capsys, ["push", str(csv), "--profile", str(prof), "--target",
                                   "hubspot", "--url", sandbox_server.url,
                                   "--journal", str(journal), "--batch-size", "10"])
    assert "HubSpot token lacks scope crm.objects.companies.write" in line
    assert refused
    status = push_status(journal)  # intact and readable
    assert status["state"] == "interrupted"
    assert status["done"] == 0 and status["failed"] == 0
    check = Journal.open(journal, for_writing=False)
    try:
        assert check.count(RowKind.COMPANY, RowState.IN_FLIGHT) == 0
        assert check.count(RowKind.COMPANY, RowState.PENDING) == 4
    finally:
        check.close()
    assert all_records(sandbox_server.url, "companies") == []
    # once the scope is granted, the same journal resumes to the end
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", real)
    assert run(["resume", str(journal)]) == 0
    capsys.readouterr()
    assert push_status(journal)["state"] == "completed"
    assert len(all_records(sandbox_server.url)) == 30


def test_an_existing_crm_migrate_id_without_unique_values_stops_before_any_write(
    tmp_path: Path, sandbox_server: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = httpx.post(f"{sandbox_server.url}/crm/v3/properties/companies", headers=AUTH, json={
        "name": "crm_migrate_id", "label": "crm-migrate id", "type": "string",
        "fieldType": "text", "groupName": "companyinformation", "hasUniqueValue": False})
    assert made.status_code == 201, made.text
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", DEFAULT_TOKEN)
    csv, prof = write_contacts(tmp_path, 12)
    journal = tmp_path / "run.journal"
    code = run(["push", str(csv), "--profile", str(prof), "--target", "sandbox", "--url",
                sandbox_server.url, "--journal", str(journal)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err  # stopped, resumable once the property is fixed
    said = [line for line in err.splitlines() if line.startswith("crm-migrate:")]
    assert len(said) == 1
    assert "crm_migrate_id" in said[0] and "would not be idempotent" in said[0]
    assert push_status(journal)["state"] == "interrupted"
    assert all_records(sandbox_server.url) == []
    assert all_records(sandbox_server.url, "companies") == []


STAGES = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
          "customer", "evangelist", "other"]


class ForwardOnlyLifecycle(httpx.AsyncHTTPTransport):
    """HubSpot's rule on the loopback sandbox: an update that moves a contact's lifecycle stage
    backwards is refused unless the stage is empty; it records every update it lets through."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/crm/v3/objects/contacts/batch/update":
            inputs = json.loads(request.content)["inputs"]
            ids = [i["id"] for i in inputs]
            read = await super().handle_async_request(httpx.Request(
                "POST", request.url.copy_with(path="/crm/v3/objects/contacts/batch/read"),
                headers=AUTH, json={"inputs": [{"id": i} for i in ids],
                                    "properties": ["lifecyclestage"]}))
            await read.aread()
            now = {r["id"]: r["properties"].get("lifecyclestage") or ""
                   for r in read.json()["results"]}
            for item in inputs:
                wanted = item["properties"].get("lifecyclestage")
                current = now.get(item["id"], "")
                if wanted and current and STAGES.index(wanted) < STAGES.index(current):
                    return httpx.Response(400, json={
                        "status": "error", "category": "VALIDATION_ERROR",
                        "message": f"lifecyclestage cannot move backwards from {current} to "
                                   f"{wanted} unless it is cleared first"})
            self.updates.append({i["id"]: dict(i["properties"]) for i in inputs})
        return await super().handle_async_request(request)


def test_rollback_clears_a_lifecycle_stage_then_sets_the_earlier_one(
    tmp_path: Path, sandbox_server: Any, input_file: str
) -> None:
    url = sandbox_server.url
    before = httpx.post(f"{url}/crm/v3/objects/contacts/batch/create", headers=AUTH, json={
        "inputs": [{"properties": {"email": "person1@example.com", "firstname": "Old",
                                   "lifecyclestage": "lead"}}]})
    assert before.status_code == 201, before.text
    records = [contact(1, lifecyclestage="customer"), contact(2, lifecyclestage="customer")]
    journal = tmp_path / "run.journal"
    transport = ForwardOnlyLifecycle()
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=url, journal_path=journal,
                         clean_result=clean_result(records), transport=transport, associate=False)
    assert summary.status["state"] == "completed", summary.message
    assert (summary.status["created"], summary.status["updated"]) == (1, 1)
    undone = rollback_push(journal, transport=transport)
    assert undone.exit_code == 0, undone.message
    left = all_records(url, properties=("email", "firstname", "lifecyclestage"))
    assert [(r["properties"]["email"], r["properties"]["firstname"],
             r["properties"]["lifecyclestage"]) for r in left] == [
        ("person1@example.com", "Old", "lead")]
    restores = [u for u in transport.updates if any(
        p.get("lifecyclestage") in ("", "lead") for p in u.values())]
    assert [list(u.values())[0]["lifecyclestage"] for u in restores] == ["", "lead"]
