"""Rollback removes the contact-company associations a run added between records that both
existed before it, and only those: associations that were there before the run stay, also
after a kill -9 between the associate request and its journal entry, and when rollback itself
is interrupted and run again."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_migrate.connectors.hubspot import HubSpotConnector
from crm_migrate.push.journal import Journal, JournalRow, RunMeta, RunState
from crm_migrate.push.rollback import undo
from crm_migrate.push.runner import push_status, resume_push, rollback_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import (
    all_records,
    clean_result,
    contact,
    kill_9,
    profile,
    push_until_paused,
)

FIELDS = ("email", "firstname", "lastname", "company", "name")


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
                        timeout=30)


def create(url: str, obj: str, props: list[dict[str, str]]) -> list[str]:
    ids: list[str] = []
    with client(url) as c:
        for start in range(0, len(props), 100):
            r = c.post(f"/crm/v3/objects/{obj}/batch/create",
                       json={"inputs": [{"properties": p} for p in props[start : start + 100]]})
            assert r.status_code == 201, r.text
            ids += [x["id"] for x in r.json()["results"]]
    return ids


def associate(url: str, pairs: list[tuple[str, str]]) -> None:
    with client(url) as c:
        r = c.post("/crm/v4/associations/contacts/companies/batch/associate/default",
                   json={"inputs": [{"from": {"id": a}, "to": {"id": b}} for a, b in pairs]})
        assert r.status_code == 200, r.text


def links(url: str, from_obj: str, to_obj: str, ids: list[str]) -> dict[str, list[str]]:
    """Each id's associated ids (v4 batch read), ids with none left out."""
    out: dict[str, list[str]] = {}
    with client(url) as c:
        for start in range(0, len(ids), 1000):
            r = c.post(f"/crm/v4/associations/{from_obj}/{to_obj}/batch/read",
                       json={"inputs": [{"id": i} for i in ids[start : start + 1000]]})
            assert r.status_code in (200, 207), r.text
            for res in r.json()["results"]:
                out[res["from"]["id"]] = sorted(str(t["toObjectId"]) for t in res["to"])
    return out


def snapshot(url: str) -> dict[str, Any]:
    """Every live contact and company with its values and its associations, both ways."""
    out: dict[str, Any] = {}
    for obj, other in (("contacts", "companies"), ("companies", "contacts")):
        records = all_records(url, obj)
        linked = links(url, obj, other, [r["id"] for r in records])
        for rec in records:
            values = {k: rec["properties"].get(k) or "" for k in FIELDS}
            out[f"{obj}:{rec['id']}"] = (values, linked.get(rec["id"], []))
    return out


def run_push(url: str, tmp_path: Path, input_file: str, records: list[Any]) -> Path:
    journal = tmp_path / "run.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=url, journal_path=journal,
                         clean_result=clean_result(records))
    assert summary.exit_code == 0, summary.message
    return journal


def test_rollback_removes_only_the_associations_the_run_added(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    ann, bob = create(url, "contacts", [
        {"email": "person1@example.com", "firstname": "Old"},
        {"email": "person2@example.com", "firstname": "Old"}])
    acme, beta, other = create(url, "companies", [{"name": "Acme"}, {"name": "Beta"},
                                                   {"name": "Other"}])
    associate(url, [(bob, beta), (ann, other)])  # bob already works at Beta; ann at Other
    before = snapshot(url)
    records = [contact(1, firstname="New", company="Acme"),  # update + a new association
               contact(2, firstname="New", company="Beta"),  # update, association already there
               contact(3, company="Acme"),                   # a new contact at an old company
               contact(4, company="Gamma")]                  # a new contact at a new company
    journal = run_push(url, tmp_path, input_file, records)
    status = push_status(journal)
    assert status["associations"] == {"done": 3, "existed": 1}
    assert status["created"] == 2 and status["updated"] == 2
    assert links(url, "contacts", "companies", [ann, bob]) == {
        ann: sorted([acme, other]), bob: [beta]}
    assert snapshot(url) != before

    summary = rollback_push(journal)
    assert summary.exit_code == 0, summary.message
    assert snapshot(url) == before  # incl. bob-Beta and ann-Other, which the run found there
    status = push_status(journal)
    assert status["state"] == "rolled_back" and status["associations_removed"] == 1
    assert status["associations"] == {"done": 3, "existed": 1}  # what the run did, kept


def test_an_interrupted_rollback_runs_again_to_the_same_end(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    url = sandbox_server.url
    people = create(url, "contacts", [{"email": f"person{i}@example.com", "firstname": "Old"}
                                      for i in range(1, 151)])
    acme, beta = create(url, "companies", [{"name": "Acme"}, {"name": "Beta"}])
    associate(url, [(p, beta) for p in people[:50]])
    before = snapshot(url)
    records = [contact(i, firstname="New", company="Acme" if i % 2 else "Beta")
               for i in range(1, 151)]
    journal = run_push(url, tmp_path, input_file, records)
    added = push_status(journal)["associations"]
    assert added == {"done": 125, "existed": 25}  # the first 25 even ones were at Beta

    class Died(Exception):
        pass

    def die() -> None:
        raise Died

    async def first_batch_then_die() -> None:
        j = Journal.open(journal)
        c = HubSpotConnector(url=url, token=DEFAULT_TOKEN, target="sandbox")
        try:
            # the process dies right after removing a batch, before journalling it...
            pairs = [(p.contact_id, p.company_id) for p in j.associations_to_remove()[:100]]
            await c.dissociate("contacts", "companies", pairs)
            # ...and a second time after journalling one batch of the next rollback
            with pytest.raises(Died):
                await undo(j, c, "contacts", on_batch=die)
        finally:
            await c.aclose()
            j.close()

    asyncio.run(first_batch_then_die())
    assert push_status(journal)["associations_removed"] == 100  # the first batch of 100
    summary = rollback_push(journal)
    assert summary.exit_code == 0, summary.message
    assert snapshot(url) == before
    assert push_status(journal)["associations_removed"] == 125
    # nothing is left to undo: a second rollback sends nothing
    requests = sandbox_server.stats()["requests"]
    assert rollback_push(journal).exit_code == 0
    assert sandbox_server.stats()["requests"] == requests


# --- kill -9 inside the association step ---

ROWS = 120
def seed_crm(url: str) -> None:
    """60 of the 120 contacts exist; the first 20 of them already work at their company."""
    companies = dict(zip([f"Org{i}" for i in range(4)],
                         create(url, "companies", [{"name": f"Org{i}"} for i in range(4)]),
                         strict=True))
    people = create(url, "contacts", [{"email": f"p{i}@example.com", "firstname": "Old"}
                                      for i in range(1, 61)])
    associate(url, [(p, companies[f"Org{i % 4}"]) for i, p in enumerate(people[:20], start=1)])


def push_and_kill(tmp_path: Path, url: str, point: str) -> Path:
    proc, journal = push_until_paused(tmp_path, url, point, ROWS)
    kill_9(proc)
    return journal


@pytest.mark.parametrize(("point", "then"), [("assoc-sent:1", "resume"),
                                              ("assoc-sent:1", "rollback"),
                                              ("assoc-read", "rollback")])
def test_kill_in_the_association_step_then_resume_or_rollback_is_exact(
    tmp_path: Path, point: str, then: str
) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3") as server:
        seed_crm(server.url)
        before = snapshot(server.url)
        journal = push_and_kill(tmp_path, server.url, point)
        killed = push_status(journal)
        assert killed["state"] == "interrupted"
        assert killed["associations"]["existed"] == 20  # the read was journalled first
        assert killed["associations"]["pending"] == ROWS - 20
        if then == "resume":
            # the first 100 pairs were associated but never journalled: a resume must not
            # read them again (it would find them associated and call them existed)
            assert resume_push(journal).exit_code == 0
            status = push_status(journal)
            assert status["associations"] == {"done": ROWS - 20, "existed": 20}
            assert len(all_records(server.url)) == ROWS
        summary = rollback_push(journal)
        assert summary.exit_code == 0, summary.message
        assert snapshot(server.url) == before
        assert push_status(journal)["associations_removed"] == 40  # existing, not yet there


def test_a_journal_from_before_assoc_undo_gets_the_column_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.journal"
    journal = Journal.create(path, RunMeta(run_id="r1", state=RunState.COMPLETED),
                             [JournalRow(seq=1, source="a.csv:1", payload={"email": "a@x.com"})])
    journal.close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("ALTER TABLE rows DROP COLUMN assoc_undo")  # as older versions wrote
    reopened = Journal.open(path)
    try:
        with closing(sqlite3.connect(path)) as conn:
            columns = {r[1] for r in conn.execute("PRAGMA table_info(rows)")}
        assert "assoc_undo" in columns
        reopened.record_assoc_read([], [1], [])
        reopened.mark_assoc_removed([1])
    finally:
        reopened.close()
    assert push_status(path)["associations_removed"] == 1


def test_a_target_out_of_reach_while_associating_pauses_the_run(
    tmp_path: Path, input_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Associate requests that never get through leave the pairs pending (not failed) and the
    run interrupted; resume finishes them, and rollback still knows which were the run's."""
    from crm_migrate.push import associations
    from crm_migrate.push.retry import RetryPolicy

    monkeypatch.setattr(associations, "RetryPolicy", lambda: RetryPolicy(base=0.001, cap=0.005))

    class Cut(httpx.AsyncBaseTransport):
        """Loopback on which associate requests never connect."""

        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.cut = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/batch/associate/default"):
                self.cut += 1
                raise httpx.ConnectError("All connection attempts failed", request=request)
            return await self.inner.handle_async_request(request)

    with SandboxServer(tmp_path / "sb.sqlite3") as server:
        url = server.url
        create(url, "contacts", [{"email": "person1@example.com", "firstname": "Old"}])
        create(url, "companies", [{"name": "Acme"}])
        before = snapshot(url)
        cut = Cut()
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=url, journal_path=tmp_path / "run.journal",
                             clean_result=clean_result([contact(1, company="Acme"),
                                                        contact(2, company="Acme")]),
                             transport=cut)
        assert cut.cut > 1 and summary.status["state"] == "interrupted"
        assert summary.status["associations"] == {"pending": 2}
        assert "did not answer" in (summary.message or "")
        resumed = resume_push(tmp_path / "run.journal")
        assert resumed.status["associations"] == {"done": 2}
        assert rollback_push(tmp_path / "run.journal").exit_code == 0
        assert snapshot(url) == before
        assert push_status(tmp_path / "run.journal")["associations_removed"] == 1
