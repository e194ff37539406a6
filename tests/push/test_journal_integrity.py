"""A journal that is damaged, empty, on a full disk or in a read-only folder: one line, exit 2,
nothing lost; creation is atomic; a deleted or damaged WAL is reported by `status`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from crm_migrate.errors import JournalError
from crm_migrate.push import journal as journal_module
from crm_migrate.push.journal import Journal, JournalRow, RunMeta, RunState
from crm_migrate.push.runner import push_status, resume_push, start_push
from tests.push.conftest import all_records, clean_result, contact, one_line_error, profile


def new_journal(path: Path, rows: int = 400) -> None:
    meta = RunMeta(run_id="r1", target="sandbox", object_name="contacts", state=RunState.RUNNING)
    Journal.create(path, meta, [
        JournalRow(seq=i, source=f"a.csv:{i}", payload={"email": f"p{i}@x.com", "note": "x" * 200})
        for i in range(1, rows + 1)]).close()


def test_a_failed_creation_leaves_no_journal_and_no_scratch_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(*args: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(journal_module, "_write_new", dies)
    with pytest.raises(JournalError, match="the disk is full"):
        new_journal(tmp_path / "run.journal")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_leftover_is_explained_by_push_and_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "people.csv").write_text("Email\na@x.com\n")
    (tmp_path / "p.yaml").write_text("version: 1\nobject: contacts\nfields:\n"
                                     "  - column: Email\n    field: email\n")
    empty = tmp_path / "run.journal"
    empty.touch()
    for argv in (["resume", str(empty)], ["status", str(empty)],
                 ["push", str(tmp_path / "people.csv"), "--profile", str(tmp_path / "p.yaml"),
                  "--journal", str(empty)]):
        err = one_line_error(capsys, argv)
        assert "empty" in err and "nothing was sent" in err and "not a" not in err


def damage(path: Path) -> None:
    """Overwrite bytes in the middle of the journal (its rows), as a bad disk would."""
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\xde\xad\xbe\xef" * 1024)


def test_a_damaged_journal_is_named_by_status_and_refused_by_resume_and_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.journal"
    new_journal(path)
    damage(path)
    code = run(["status", str(path)])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert "damaged" in err and "run r1" in err
    assert code in (0, 2)
    for argv in (["resume", str(path)], ["rollback", str(path), "--yes"]):
        err = one_line_error(capsys, argv)
        assert "damaged" in err


def test_a_full_disk_stops_the_run_with_one_line_and_the_resume_is_exact(
    sandbox_server: Any, tmp_path: Path, input_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = tmp_path / "run.journal"
    # every third contact has a property the target lacks: its error text grows the journal
    records = [contact(i, **({"favourite_colour": "blue"} if i % 3 == 0 else {}))
               for i in range(1, 301)]
    good = [f"person{i}@example.com" for i in range(1, 301) if i % 3]
    connect = journal_module._connect

    def small_disk(path: Path) -> sqlite3.Connection:
        conn = connect(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # no room to grow: SQLITE_FULL
        return conn

    monkeypatch.setattr(journal_module, "_connect", small_disk)
    with pytest.raises(JournalError, match="disk is full") as caught:
        start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
                   url=sandbox_server.url, journal_path=journal, batch_size=20, concurrency=1,
                   clean_result=clean_result(records), max_failure_rate=1.0)
    assert "resume" in str(caught.value) and "\n" not in str(caught.value)
    monkeypatch.setattr(journal_module, "_connect", connect)
    assert push_status(journal)["state"] == "interrupted"
    resumed = resume_push(journal)
    assert resumed.status["state"] == "completed"
    assert (resumed.status["created"], resumed.status["failed"]) == (200, 100)
    emails = [r["properties"]["email"] for r in all_records(sandbox_server.url)]
    assert sorted(emails) == sorted(good)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_gets_one_line_and_status_still_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "run.journal"
    new_journal(path, rows=3)
    folder.chmod(0o555)
    try:
        for argv in (["resume", str(path)], ["rollback", str(path), "--yes"]):
            assert "read-only" in one_line_error(capsys, argv)
        assert push_status(path)["total"] == 3
    finally:
        folder.chmod(0o755)


CRASH_AFTER_WRITING = """
import os, sys
from crm_migrate.push.journal import Journal
journal = Journal.open(sys.argv[1])
journal.mark_failed([(i, "x" * 500) for i in range(1, 301)])
os._exit(0)  # no checkpoint, no close: the WAL keeps the writes, as after kill -9
"""


def crash_after_writing(path: Path) -> None:
    subprocess.run([sys.executable, "-c", CRASH_AFTER_WRITING, str(path)], check=True,
                   env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert Path(f"{path}-wal").stat().st_size > 0


def test_a_deleted_wal_is_reported_by_status(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.journal"
    new_journal(path)
    crash_after_writing(path)
    Path(f"{path}-wal").unlink()
    assert run(["status", str(path)]) == 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "write-ahead log" in err and "missing" in err
    assert "write-ahead log" in one_line_error(capsys, ["resume", str(path)])


def test_a_damaged_wal_is_reported_by_status(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.journal"
    new_journal(path)
    crash_after_writing(path)
    wal = Path(f"{path}-wal")
    data = bytearray(wal.read_bytes())
    data[32 + 24 + 100 : 32 + 24 + 104] = b"\x00\xff\x00\xff"  # inside the first frame's page
    wal.write_bytes(bytes(data))
    status = push_status(path)
    assert "write-ahead log" in status["warning"] and "damaged" in status["warning"]
    err = one_line_error(capsys, ["resume", str(path)])
    assert "write-ahead log" in err
