"""Companies created during a contacts run are created exactly once under search lag, faults and
a kill -9: the journal holds the intent before a batch goes out, a resume finds what an
unanswered batch wrote by batch read on the unique crm_migrate_id (consistent), never by
search (which lags), and a create whose key is taken is read back, not duplicated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.identity import RUN_PROPERTY
from crm_migrate.push.journal import Journal, RowKind
from crm_migrate.push.runner import rollback_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import (
    CONTACTS_PROFILE,
    all_records,
    clean_result,
    contact,
    kill_9,
    profile,
)

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
ROWS = 60
COMPANIES = 12


def write_input(folder: Path) -> tuple[Path, Path]:
    csv = folder / "people.csv"
    lines = ["Email,First Name,Company"]
    lines += [f"p{i}@example.com,Ann{i},Org{i % COMPANIES}" for i in range(1, ROWS + 1)]
    csv.write_text("\n".join(lines) + "\n")
    prof = folder / "profile.yaml"
    prof.write_text(CONTACTS_PROFILE)
    return csv, prof


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crm_migrate", *args], capture_output=True,
                          text=True, timeout=180, env=env)


def push_paused(folder: Path, url: str, point: str, env: dict[str, str]
                ) -> tuple[subprocess.Popen[str], Path]:
    csv, prof = write_input(folder)
    journal = folder / "run.journal"
    marker = folder / "paused"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_migrate", "push", str(csv), "--profile", str(prof),
         "--target", "sandbox", "--url", url, "--journal", str(journal), "--batch-size", "4"],
        env={**env, "CRM_MIGRATE_TEST_PAUSE_AT": point,
             "CRM_MIGRATE_TEST_PAUSE_FILE": str(marker)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            assert proc.stderr is not None
            pytest.fail(f"push ended before pausing at {point}: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"push never reached {point}")
        time.sleep(0.02)
    return proc, journal


def search_names(url: str) -> int:
    body = {"filterGroups": [], "properties": ["name"], "limit": 1}
    response = httpx.post(f"{url}/crm/v3/objects/companies/search", json=body, headers=AUTH)
    return int(response.json().get("total") or 0) if response.status_code == 200 else -1


@pytest.mark.parametrize("point", ["mid-batch:2", "in-flight:3"])
def test_killed_and_resumed_under_search_lag_and_faults_creates_each_company_once(
    tmp_path: Path, point: str
) -> None:
    env = {**os.environ, "CRM_MIGRATE_TOKEN": DEFAULT_TOKEN, "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}
    with SandboxServer(tmp_path / "sb.sqlite3", seed=7, search_lag_ms=2000,
                       fail_rate=0.1, latency_ms=5) as server:
        url = server.url
        # the run's company batches (4 companies each) go first: "mid-batch:2" is the second
        # one, written on the target but its answer never journalled
        proc, journal = push_paused(tmp_path, url, point, env)
        kill_9(proc)
        server.set_faults(fail_rate=0.0)
        lagging = search_names(url)
        server.set_faults(fail_rate=0.1)
        for _ in range(10):  # a fault that outlasts the retries interrupts a resume: resume again
            resumed = cli("resume", str(journal), env=env)
            done = cli("status", str(journal), "--json", env=env)
            if '"state": "completed"' in done.stdout:
                break
        assert '"state": "completed"' in done.stdout, resumed.stderr
        server.set_faults(fail_rate=0.0)
        contacts = all_records(url)
        companies = all_records(url, "companies")
    names = Counter(c["properties"]["name"] for c in companies)
    emails = Counter(c["properties"]["email"] for c in contacts)
    assert [n for n, k in names.items() if k > 1] == []  # 0 duplicate companies
    assert [e for e, k in emails.items() if k > 1] == []  # 0 duplicate contacts
    assert sorted(names) == sorted(f"Org{i}" for i in range(COMPANIES))
    assert len(emails) == ROWS
    if point == "mid-batch:2":  # what the killed run wrote was not yet searchable on resume
        assert lagging < len(companies)
    check = Journal.open(journal, for_writing=False)
    try:
        rows = check.rows(RowKind.COMPANY)
    finally:
        check.close()
    ids = {c["id"] for c in companies}
    assert all(r.created and r.target_id in ids for r in rows)  # each claimed as ours, once
    assert len({r.target_id for r in rows}) == COMPANIES


class OtherWriterThen400(httpx.AsyncHTTPTransport):
    """Loopback where, just before the run's first companies create goes out, another writer
    upserts the same companies by crm_migrate_id; the run's create then collides, and its answer
    comes back as HubSpot may give it for a custom unique property: 400 VALIDATION_ERROR
    naming the property (not 409). Company search always answers "none" (as stale as it gets)."""

    def __init__(self) -> None:
        super().__init__()
        self.other_ids: set[str] = set()
        self.rewritten = 0
        self.started = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/companies/search"):
            return httpx.Response(200, json={"total": 0, "results": []})
        if path.endswith("/companies/batch/create") and not self.started:
            self.started = True
            inputs = json.loads(request.content)["inputs"]
            theirs = [{"id": i["properties"]["crm_migrate_id"], "idProperty": "crm_migrate_id",
                       "properties": {k: v for k, v in i["properties"].items()
                                      if k != RUN_PROPERTY}} for i in inputs]
            other = await super().handle_async_request(httpx.Request(
                "POST", request.url.copy_with(path=path.replace("create", "upsert")),
                headers={"Authorization": request.headers["authorization"]}, json={"inputs": theirs}))
            await other.aread()
            assert other.status_code == 200, other.text
            self.other_ids = {str(r["id"]) for r in other.json()["results"]}
        response = await super().handle_async_request(request)
        if path.endswith("/companies/batch/create") and response.status_code in (207, 409):
            await response.aread()
            self.rewritten += 1
            return httpx.Response(400, json={
                "status": "error", "category": "VALIDATION_ERROR",
                "message": 'Property values were not valid: [{"isValid":false,"message":'
                           '"crm_migrate_id must be unique","error":"INVALID_UNIQUE_VALUE",'
                           '"name":"crm_migrate_id"}]'})
        return response


def test_a_taken_key_answered_400_is_read_back_and_never_duplicated(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    records = [contact(i, company=f"Org{i % 5}") for i in range(1, 16)]
    journal = tmp_path / "run.journal"
    transport = OtherWriterThen400()
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=url, journal_path=journal, batch_size=3,
                         clean_result=clean_result(records), transport=transport)
    assert summary.status["state"] == "completed", summary.message
    assert transport.rewritten >= 1
    assert summary.status["failed"] == 0
    companies = all_records(url, "companies")
    assert sorted(c["properties"]["name"] for c in companies) == [f"Org{i}" for i in range(5)]
    # the other writer's companies were adopted as updates, not claimed as created
    check = Journal.open(journal, for_writing=False)
    try:
        rows = check.rows(RowKind.COMPANY)
    finally:
        check.close()
    adopted = {r.target_id for r in rows if r.existed and not r.created}
    assert adopted and adopted <= transport.other_ids
    assert rollback_push(journal).exit_code == 0
    left = {c["id"] for c in all_records(url, "companies")}
    assert transport.other_ids <= left  # theirs stay
    assert len(left) == len(transport.other_ids)


def test_a_record_this_run_created_is_claimed_as_created_when_its_create_collides(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    """A create whose record this run already made (its marker says so) is done as created by
    the run, so rollback archives it, instead of being adopted as someone else's."""
    url = sandbox_server.url
    records = [contact(i, company=f"Org{i % 2}") for i in range(1, 5)]
    journal = tmp_path / "run.journal"

    class Precreate(httpx.AsyncHTTPTransport):
        """Before the first companies create, write those companies with the run's own marker
        (as an earlier attempt of the run whose answer vanished would have)."""

        done = False

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if not self.done and request.url.path.endswith("/companies/batch/create"):
                self.done = True
                body = json.loads(request.content)
                response = await super().handle_async_request(httpx.Request(
                    "POST", request.url, headers={"Authorization": request.headers["authorization"]},
                    json={"inputs": [{"properties": i["properties"]}
                                     for i in body["inputs"]]}))
                await response.aread()
                assert response.status_code == 201, response.text
                assert all(RUN_PROPERTY in i["properties"] for i in body["inputs"])
            return await super().handle_async_request(request)

    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=url, journal_path=journal,
                         clean_result=clean_result(records), transport=Precreate())
    assert summary.status["state"] == "completed", summary.message
    assert summary.status["companies"]["created"] == 2
    assert len(all_records(url, "companies")) == 2
    assert rollback_push(journal).exit_code == 0
    assert all_records(url, "companies") == []
