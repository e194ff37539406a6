"""The journal file: owner-only from the start, WAL + synchronous FULL, states, the run lock."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crm_migrate.errors import JournalError
from crm_migrate.push.journal import Journal
from crm_migrate.push.status import status_of


def rows(n: int) -> list[dict[str, object]]:
    return [{"seq": i, "source": f"f.csv:{i}", "key": f"p{i}@x.com", "write_key": f"p{i}@x.com",
             "op": "upsert:email", "payload": {"email": f"p{i}@x.com"}} for i in range(1, n + 1)]


def make(tmp_path: Path, n: int = 5) -> Journal:
    return Journal.create(tmp_path / "run.journal",
                          {"run_id": "r1", "target": "sandbox", "object": "contacts",
                           "state": "running"}, rows(n))


def test_created_private_in_wal_mode_with_every_row_pending(tmp_path: Path) -> None:
    journal = make(tmp_path)
    assert stat.S_IMODE(os.stat(journal.path).st_mode) == 0o600
    assert journal.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert journal.counts()["pending"] == 5
    with pytest.raises(JournalError, match="already exists"):
        make(tmp_path)
    journal.close()


def test_states_survive_reopen(tmp_path: Path) -> None:
    journal = make(tmp_path)
    journal.classify([(1, True, "77", {"email": "p1@x.com", "firstname": "Old"}),
                      (2, False, None, None)])
    journal.mark_in_flight([1, 2, 3], batch=1)
    journal.mark_done([(1, "77", False), (2, "78", True)])
    journal.mark_failed([(3, "INVALID_EMAIL")])
    journal.close()
    again = Journal.open(tmp_path / "run.journal")
    counts = again.counts()
    assert counts["done"] == 2 and counts["failed"] == 1 and counts["pending"] == 2
    assert counts["created"] == 1 and counts["updated"] == 1
    first = again.rows("seq = 1")[0]
    assert first["before"] == {"email": "p1@x.com", "firstname": "Old"}
    assert first["batch"] == 1 and first["attempts"] == 1
    assert again.get("last_batch") == 1
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
    assert other.get("state") == "running" and status_of(other)["state"] == "interrupted"
    other.acquire()  # the lock is free again
    with pytest.raises(JournalError, match="in progress"):
        Journal.open(journal.path).acquire()
    other.close()
    journal.close()
