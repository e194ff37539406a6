"""Another writer on the target: records created by someone else (or by an overlapping run) after
a row was classified are updated with a journalled before-image, never claimed as ours, so
rollback restores them instead of archiving them; companies are created once per name."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from crm_migrate.push.journal import Journal, RowKind
from crm_migrate.push.runner import resume_push, rollback_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from tests.push.conftest import all_records, clean_result, contact, profile

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


def create_directly(url: str, object_name: str, records: list[dict[str, str]]) -> None:
    """Another writer: a plain batch create on the target."""
    body = {"inputs": [{"properties": p} for p in records]}
    response = httpx.post(f"{url}/crm/v3/objects/{object_name}/batch/create", json=body,
                          headers=AUTH)
    assert response.status_code == 201, response.text


class BeforeFirstCreate(httpx.AsyncHTTPTransport):
    """Loopback that runs `meanwhile` once, just before the run's first batch create goes out
    (after the run classified its rows)."""

    def __init__(self, meanwhile: Any) -> None:
        super().__init__()
        self.meanwhile = meanwhile
        self.done = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.done and request.url.path.endswith("/batch/create"):
            self.done = True
            worker = threading.Thread(target=self.meanwhile)  # its own event loop, if any
            worker.start()
            worker.join()
        return await super().handle_async_request(request)


def by_email(url: str) -> dict[str, dict[str, Any]]:
    records = all_records(url)
    emails = [r["properties"]["email"] for r in records]
    assert len(emails) == len(set(emails)), "a contact was created twice"
    return {r["properties"]["email"]: r for r in records}


def test_a_contact_created_by_another_writer_during_the_run_is_updated_and_restored(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    theirs = [{"email": f"person{i}@example.com", "firstname": f"Theirs{i}"} for i in (3, 7)]
    journal = tmp_path / "run.journal"
    summary = start_push(
        paths=[input_file], profile=profile(), profile_path=None, target="sandbox", url=url,
        journal_path=journal, clean_result=clean_result([contact(i) for i in range(1, 21)]),
        transport=BeforeFirstCreate(lambda: create_directly(url, "contacts", theirs)))
    status = summary.status
    assert status["state"] == "completed" and summary.exit_code == 0
    assert (status["created"], status["updated"]) == (18, 2)
    target = by_email(url)
    assert len(target) == 20 and target["person3@example.com"]["properties"]["firstname"] == "First3"


def test_rollback_restores_what_another_writer_created_instead_of_archiving_it(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    theirs = [{"email": "person5@example.com", "firstname": "Theirs5", "lastname": "Own"}]
    journal = tmp_path / "run.journal"
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=url, journal_path=journal,
               clean_result=clean_result([contact(i) for i in range(1, 11)]),
               transport=BeforeFirstCreate(lambda: create_directly(url, "contacts", theirs)))
    journal_file = Journal.open(journal)
    try:
        row = next(r for r in journal_file.rows(RowKind.RECORD) if r.key == "person5@example.com")
    finally:
        journal_file.close()
    assert row.existed is True and not row.created
    assert row.before == {"email": "person5@example.com", "firstname": "Theirs5",
                          "lastname": "Own"}
    undone = rollback_push(journal)
    assert undone.exit_code == 0
    target = by_email(url)
    assert list(target) == ["person5@example.com"]  # the other writer's contact stays
    assert target["person5@example.com"]["properties"]["firstname"] == "Theirs5"


def test_a_resume_classifies_pending_rows_again(sandbox_server: Any, tmp_path: Path,
                                                input_file: str) -> None:
    url = sandbox_server.url
    journal = tmp_path / "run.journal"
    batches: list[int] = []

    def one_batch() -> bool:
        return len(batches) >= 1

    first = start_push(paths=[input_file], profile=profile(), profile_path=None,
                       target="sandbox", url=url, journal_path=journal, batch_size=5,
                       concurrency=1, clean_result=clean_result([contact(i) for i in range(1, 16)]),
                       on_progress=lambda p: batches.append(1) if p.phase == "records" else None,
                       should_stop=one_batch)
    assert first.status["state"] == "interrupted" and first.status["pending"] > 0
    # between the stop and the resume, someone else creates one of the pending contacts
    create_directly(url, "contacts", [{"email": "person14@example.com", "firstname": "Theirs"}])
    resumed = resume_push(journal)
    assert resumed.status["state"] == "completed"
    assert (resumed.status["created"], resumed.status["updated"]) == (14, 1)
    journal_file = Journal.open(journal)
    try:
        row = next(r for r in journal_file.rows(RowKind.RECORD) if r.key == "person14@example.com")
    finally:
        journal_file.close()
    assert row.existed is True and row.before == {"email": "person14@example.com",
                                                  "firstname": "Theirs", "lastname": ""}
    rollback_push(journal)
    assert list(by_email(url)) == ["person14@example.com"]


def with_company(i: int, firstname: str | None = None) -> Any:
    return contact(i, company="Acme Overlap", firstname=firstname or f"First{i}")


def test_rolling_back_one_of_two_overlapping_runs_leaves_the_others_records(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url

    def run_b() -> None:  # a second run, from start to end, while run A is about to write
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=url, journal_path=tmp_path / "b.journal",
                             clean_result=clean_result([with_company(i, f"B{i}")
                                                        for i in range(6, 16)]))
        assert summary.status["state"] == "completed"

    run_a = start_push(paths=[input_file], profile=profile(), profile_path=None,
                       target="sandbox", url=url, journal_path=tmp_path / "a.journal",
                       clean_result=clean_result([with_company(i) for i in range(1, 11)]),
                       transport=BeforeFirstCreate(run_b))
    assert run_a.status["state"] == "completed" and run_a.exit_code == 0
    assert (run_a.status["created"], run_a.status["updated"]) == (5, 5)
    assert run_a.status["companies"]["created"] == 0  # run B created it first
    companies = all_records(url, "companies")
    assert [c["properties"]["name"] for c in companies] == ["Acme Overlap"]
    assert len(by_email(url)) == 15

    assert rollback_push(tmp_path / "a.journal").exit_code == 0
    left = by_email(url)
    assert sorted(left) == sorted(f"person{i}@example.com" for i in range(6, 16))
    assert left["person8@example.com"]["properties"]["firstname"] == "B8"  # restored
    assert len(all_records(url, "companies")) == 1  # run B's company stays

    assert rollback_push(tmp_path / "b.journal").exit_code == 0
    assert by_email(url) == {} and all_records(url, "companies") == []


class LoseFirstCompanyAnswer(httpx.AsyncHTTPTransport):
    """Loopback that lets the first companies create land, then answers 500 (a fault after
    commit)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if not self.lost and request.url.path.endswith("/companies/batch/create"):
            self.lost = True
            await response.aread()
            return httpx.Response(500, json={"status": "error", "message": "internal error",
                                             "category": "INTERNAL_ERROR"})
        return response


def test_a_company_whose_create_answer_was_lost_is_created_once(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    records = [contact(i, company=f"Org{i % 3}") for i in range(1, 10)]
    journal = tmp_path / "run.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=url, journal_path=journal,
                         clean_result=clean_result(records), transport=LoseFirstCompanyAnswer())
    assert summary.status["state"] == "completed"
    assert summary.status["companies"]["created"] == 3
    names = sorted(c["properties"]["name"] for c in all_records(url, "companies"))
    assert names == ["Org0", "Org1", "Org2"]
    assert rollback_push(journal).exit_code == 0
    assert all_records(url, "companies") == [] and by_email(url) == {}


def test_search_lags_writes_when_asked(tmp_path: Path) -> None:
    from crm_migrate.sandbox.serve import SandboxServer

    with SandboxServer(tmp_path / "sb.sqlite3", search_lag_ms=60_000) as server:
        create_directly(server.url, "companies", [{"name": "Fresh"}])
        body = {"filterGroups": [{"filters": [{"propertyName": "name", "operator": "EQ",
                                               "value": "Fresh"}]}]}
        found = httpx.post(f"{server.url}/crm/v3/objects/companies/search", json=body,
                           headers=AUTH).json()
        assert found["total"] == 0  # not indexed yet
        assert len(all_records(server.url, "companies")) == 1  # but it exists


class OtherWriterThenLostAnswer(BeforeFirstCreate):
    """The other writer creates records just before the first batch create, which then lands
    but whose answer is lost (500 after commit)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        first = not self.done and request.url.path.endswith("/batch/create")
        response = await super().handle_async_request(request)
        if first:
            await response.aread()
            return httpx.Response(500, json={"status": "error", "message": "internal error",
                                             "category": "INTERNAL_ERROR"})
        return response


def test_a_lost_answer_sends_the_adopted_rows_as_updates_apart_from_the_creates(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    theirs = [{"email": "person3@example.com", "firstname": "Theirs3"}]
    records = [contact(i) for i in range(1, 7)]
    records[4] = contact(5, favourite_colour="blue")  # refused: its create never lands
    journal = tmp_path / "run.journal"
    summary = start_push(
        paths=[input_file], profile=profile(), profile_path=None, target="sandbox", url=url,
        journal_path=journal, clean_result=clean_result(records), max_failure_rate=1.0,
        transport=OtherWriterThenLostAnswer(lambda: create_directly(url, "contacts", theirs)))
    status = summary.status
    assert (status["created"], status["updated"], status["failed"]) == (4, 1, 1)
    journal_file = Journal.open(journal)
    try:
        rows = {r.key: r for r in journal_file.rows(RowKind.RECORD)}
    finally:
        journal_file.close()
    adopted, refused = rows["person3@example.com"], rows["person5@example.com"]
    assert adopted.existed is True and adopted.error is None and not adopted.created
    assert refused.error is not None and "favourite_colour" in refused.error
    assert by_email(url)["person3@example.com"]["properties"]["firstname"] == "First3"
