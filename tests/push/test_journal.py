"""The journal file: owner-only from the start, WAL + synchronous FULL, states, the run lock."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.errors import JournalError
from crm_migrate.push.journal import (
    UPSERT_EMAIL,
    AssocState,
    Classification,
    InputFile,
    Journal,
    JournalRow,
    Op,
    RowKind,
    RowState,
    RunMeta,
    RunState,
)
from crm_migrate.push.runner import resume_push, rollback_push
from crm_migrate.push.status import status_of
from tests.push.conftest import all_records


def rows(n: int) -> list[JournalRow]:
    return [JournalRow(seq=i, source=f"f.csv:{i}", key=f"p{i}@x.com", write_key=f"p{i}@x.com",
                       op=UPSERT_EMAIL, payload={"email": f"p{i}@x.com"}) for i in range(1, n + 1)]


def make(tmp_path: Path, n: int = 5) -> Journal:
    return Journal.create(tmp_path / "run.journal",
                          RunMeta(run_id="r1", target="sandbox", object_name="contacts",
                                  state=RunState.RUNNING), rows(n))


def pragma(journal: Journal, name: str) -> object:
    """A PRAGMA as the journal's own connection sees it."""
    return journal._conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_created_private_in_wal_mode_with_every_row_pending(tmp_path: Path) -> None:
    journal = make(tmp_path)
    assert stat.S_IMODE(os.stat(journal.path).st_mode) == 0o600
    assert pragma(journal, "journal_mode") == "wal"
    assert pragma(journal, "synchronous") == 2  # FULL
    assert journal.counts().pending == 5
    with pytest.raises(JournalError, match="already exists"):
        make(tmp_path)
    journal.close()


def test_states_survive_reopen(tmp_path: Path) -> None:
    journal = make(tmp_path)
    journal.classify([Classification(1, True, "77", {"email": "p1@x.com", "firstname": "Old"}),
                      Classification(2, False)])
    journal.mark_in_flight([1, 2, 3], batch=1)
    journal.mark_done([(1, "77", False), (2, "78", True)])
    journal.mark_failed([(3, "INVALID_EMAIL")])
    journal.close()
    again = Journal.open(tmp_path / "run.journal")
    counts = again.counts()
    assert counts.done == 2 and counts.failed == 1 and counts.pending == 2
    assert counts.created == 1 and counts.updated == 1
    first = again.row(1)
    assert first is not None and first.before == {"email": "p1@x.com", "firstname": "Old"}
    assert first.batch == 1 and first.attempts == 1
    assert again.last_batch() == 1 and again.meta().last_batch == 1
    again.close()


def test_not_a_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no such journal"):
        Journal.open(tmp_path / "missing.journal")
    bogus = tmp_path / "bogus.journal"
    sqlite3.connect(bogus).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(JournalError, match="not a crm-migrate journal"):
        Journal.open(bogus)


def test_running_without_a_live_lock_reads_interrupted(tmp_path: Path) -> None:
    journal = make(tmp_path)
    journal.acquire()
    assert status_of(journal)["state"] == "running"
    # another process sees the lock held...
    probe = ("import sys; from crm_migrate.push.journal import Journal; "
             "j = Journal.open(sys.argv[1]); print(j.held_elsewhere())")
    out = subprocess.run([sys.executable, "-c", probe, str(journal.path)], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "True"
    journal.release()
    other = Journal.open(journal.path)
    assert other.meta().state is RunState.RUNNING and status_of(other)["state"] == "interrupted"
    other.acquire()  # the lock is free again
    with pytest.raises(JournalError, match="in progress"):
        Journal.open(journal.path).acquire()
    other.close()
    journal.close()


# --- a journal as earlier versions wrote it ---

# the schema and the stored text of the journal format before the typed Journal (written by
# hand here, never through Journal): a change to what Journal reads that older journals do not
# match fails here
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rows (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL DEFAULT 'record', source TEXT NOT NULL,
    members TEXT NOT NULL DEFAULT '[]', key TEXT, write_key TEXT, op TEXT, payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', batch INTEGER, existed INTEGER, target_id TEXT,
    created INTEGER NOT NULL DEFAULT 0, before TEXT, error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0, company_seq INTEGER, assoc TEXT,
    undone INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rows_state ON rows (kind, state);
"""


def write_old_journal(path: Path, url: str) -> None:
    """A contacts run to `url` killed after its first batch went in flight and came back
    pending: a company row, two contacts to write (by email, by crm_migrate_id), one skipped,
    one failed; no assoc_undo column (it came later)."""
    meta = {"run_id": "old1", "target": "sandbox", "url": url, "embedded": False,
            "object": "contacts", "profile": {"object": "contacts"}, "profile_path": None,
            "profile_hash": "0" * 64, "inputs": [], "inputs_paths": [], "region": None,
            "batch_size": None, "concurrency": None, "max_failure_rate": 0.02,
            "created_at": "2026-01-02T03:04:05+00:00", "state": "running", "dry_run": False,
            "message": None, "finished_at": None, "stop_reason": None, "owner_pid": 1,
            "owner_host": "elsewhere"}
    company = json.dumps({"name": "Acme", "domain": "acme.example"})
    rows = [
        (1, "company", "people.csv:1", '["people.csv:1"]', "acme.example", "cm-acme", None,
         company, "pending", 1, None, None, 1, None),
        (2, "record", "people.csv:1", '["people.csv:1", "people.csv:4"]', "ann@old.example",
         "ann@old.example", "upsert:email",
         json.dumps({"email": "ann@old.example", "firstname": "Ann", "company": "Acme"}),
         "pending", None, None, 1, 0, "pending"),
        (3, "record", "people.csv:2", '["people.csv:2"]', None, "cm-nomail",
         "upsert:crm_migrate_id", json.dumps({"firstname": "Bo", "lastname": "Lund"}),
         "pending", None, None, None, 0, None),
        (4, "record", "people.csv:3", '["people.csv:3"]', "cy@old.example", "cy@old.example",
         "upsert:email", json.dumps({"email": "cy@old.example"}), "skipped", None, None, None,
         0, None),
        (5, "record", "people.csv:5", '["people.csv:5"]', None, "cm-empty",
         "upsert:crm_migrate_id", "{}", "failed", None, "the record has no values to write",
         None, 0, None),
    ]
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         [(k, json.dumps(v)) for k, v in meta.items()])
        conn.execute("INSERT INTO meta VALUES ('last_batch', '1')")  # stored as bare text
        conn.executemany(
            "INSERT INTO rows (seq, kind, source, members, key, write_key, op, payload, state, "
            "batch, error, company_seq, attempts, assoc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows)
        conn.commit()


def test_a_new_journal_stores_what_earlier_versions_stored(tmp_path: Path) -> None:
    meta = RunMeta(run_id="r1", target="sandbox", object_name="contacts", state=RunState.RUNNING,
                   inputs=[InputFile("/in/people.csv", "ab" * 32)])
    company = JournalRow(seq=1, kind=RowKind.COMPANY, source="a.csv:1", payload={"name": "Acme"},
                         members_json='["a.csv:1"]', write_key="cm-1")
    contact = JournalRow(seq=2, source="a.csv:1", payload={"email": "a@x.com"}, key="a@x.com",
                         write_key="a@x.com", op=UPSERT_EMAIL, company_seq=1,
                         assoc=AssocState.PENDING)
    keyless = JournalRow(seq=3, source="a.csv:2", payload={}, write_key="cm-2",
                         op=Op.upsert("crm_migrate_id"), state=RowState.FAILED, error="empty")
    Journal.create(tmp_path / "run.journal", meta, [company, contact, keyless]).close()
    with closing(sqlite3.connect(tmp_path / "run.journal")) as conn:
        stored = dict(conn.execute("SELECT key, value FROM meta"))
        rows = conn.execute("SELECT kind, op, state, assoc, members, payload FROM rows "
                            "ORDER BY seq").fetchall()
    assert set(stored) == {"run_id", "target", "url", "embedded", "object", "profile",
                           "profile_path", "profile_hash", "inputs", "inputs_paths", "region",
                           "batch_size", "concurrency", "max_failure_rate", "created_at", "state",
                           "dry_run", "message", "os_user", "before_images"}
    assert stored["object"] == '"contacts"' and stored["state"] == '"running"'
    assert json.loads(stored["inputs"]) == [{"path": "/in/people.csv", "sha256": "ab" * 32}]
    assert rows == [("company", None, "pending", None, '["a.csv:1"]', '{"name": "Acme"}'),
                    ("record", "upsert:email", "pending", "pending", "[]",
                     '{"email": "a@x.com"}'),
                    ("record", "upsert:crm_migrate_id", "failed", None, "[]", "{}")]


def test_a_journal_written_before_the_typed_journal_reads_resumes_and_rolls_back(
    tmp_path: Path, sandbox_server: Any
) -> None:
    path = tmp_path / "old.journal"
    write_old_journal(path, sandbox_server.url)
    journal = Journal.open(path)
    try:
        meta = journal.meta()
        assert (meta.run_id, meta.object_name, meta.url) == ("old1", "contacts", sandbox_server.url)
        assert meta.state is RunState.RUNNING and meta.stop_reason is None
        assert meta.last_batch == 1 and meta.max_failure_rate == 0.02 and meta.inputs == []
        company, by_email, by_id, skipped, failed = (journal.row(s) for s in range(1, 6))
        assert company is not None and company.kind is RowKind.COMPANY and company.op is None
        assert company.payload == {"name": "Acme", "domain": "acme.example"}
        assert company.batch == 1 and company.attempts == 1 and company.assoc_undo is None
        assert by_email is not None and by_email.op == UPSERT_EMAIL
        assert by_email.members == ["people.csv:1", "people.csv:4"]
        assert by_email.company_seq == 1 and by_email.assoc is AssocState.PENDING
        assert by_id is not None and by_id.op == Op.upsert("crm_migrate_id")
        assert by_id.existed is None and by_id.key is None
        assert skipped is not None and skipped.state is RowState.SKIPPED
        assert failed is not None and failed.error == "the record has no values to write"
        status = status_of(journal)
    finally:
        journal.close()
    assert status["state"] == "interrupted"  # running, but nobody holds the lock
    assert (status["total"], status["pending"], status["skipped"], status["failed"]) == (4, 2, 1, 1)
    assert status["companies"] == {"total": 1, "done": 0, "created": 0, "failed": 0}
    assert status["started_at"] == "2026-01-02T03:04:05+00:00" and status["embedded"] is False

    resumed = resume_push(path)
    assert resumed.status["state"] == "completed" and resumed.exit_code == 1  # one failed row
    assert (resumed.status["done"], resumed.status["created"]) == (2, 2)
    assert resumed.status["companies"]["created"] == 1
    assert resumed.status["associations"] == {"done": 1}
    assert sorted(r["properties"].get("firstname") for r in all_records(sandbox_server.url)) == [
        "Ann", "Bo"]
    assert [r["properties"]["name"] for r in all_records(sandbox_server.url, "companies")] == [
        "Acme"]

    rolled = rollback_push(path)
    assert rolled.exit_code == 0 and rolled.status["state"] == "rolled_back"
    assert all_records(sandbox_server.url) == [] and all_records(sandbox_server.url, "companies") == []


def test_purge_keeps_only_the_ids_of_the_targets_owners(tmp_path: Path) -> None:
    """The run's cached schema holds the target's owners (for resume); they are people too."""
    from crm_migrate.schema import ObjectSchema, Owner, builtin_schema

    journal = make(tmp_path)
    owners = (Owner("101", "ada.owner@example.com", "Ada Owner"),
              Owner("102", "bob.owner@example.com", "Bob Owner", archived=True))
    schema = builtin_schema("contacts").with_live(owners=owners)
    journal.set_schema(schema.to_dict())
    journal.purge("2026-12-02T00:00:00Z", {})
    journal.close()
    raw = (tmp_path / "run.journal").read_bytes()
    assert b"ada.owner" not in raw and b"Ada Owner" not in raw and b"Bob Owner" not in raw
    kept = Journal.open(tmp_path / "run.journal", for_writing=False)
    cached = kept.meta().schema
    kept.close()
    assert cached is not None and [o["id"] for o in cached["owners"]] == ["101", "102"]
    restored = ObjectSchema.from_dict(cached)
    owner_field = restored.get("hubspot_owner_id")
    assert restored.owners[1].archived and owner_field is not None
    assert owner_field.options == (("101", "101"),)
