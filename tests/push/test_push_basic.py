"""Push into a real sandbox over loopback: every record once, status, dry run, re-push."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from crm_migrate.push.runner import push_status, start_push
from tests.push.conftest import all_records, clean_result, contact, profile


def test_push_creates_every_record_once(sandbox_server: Any, tmp_path: Path,
                                        input_file: str) -> None:
    records = [contact(i) for i in range(1, 251)]
    journal = tmp_path / "run.journal"
    seen: list[Any] = []
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(records), on_progress=seen.append)
    assert summary.exit_code == 0, summary
    assert summary.status["state"] == "completed"
    assert summary.status["created"] == 250 and summary.status["failed"] == 0
    emails = sorted(r["properties"]["email"] for r in all_records(sandbox_server.url))
    assert emails == sorted(f"person{i}@example.com" for i in range(1, 251))
    assert seen and seen[-1].phase == "finished"
    assert stat.S_IMODE(os.stat(journal).st_mode) == 0o600
    status = push_status(journal)
    assert status["state"] == "completed" and status["done"] == 250
    assert set(status) >= {"run_id", "target", "object", "state", "total", "done", "created",
                           "updated", "failed", "skipped", "pending"}


def test_second_push_updates_and_dry_run_classifies(sandbox_server: Any, tmp_path: Path,
                                                     input_file: str) -> None:
    first = [contact(i) for i in range(1, 11)]
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=tmp_path / "a.journal",
               clean_result=clean_result(first))
    second = [contact(i, firstname="Changed") for i in range(6, 16)]
    dry = start_push(paths=[input_file], profile=profile(), profile_path=None,
                     target="sandbox", url=sandbox_server.url, journal_path=tmp_path / "b.j",
                     clean_result=clean_result(second), dry_run=True)
    assert dry.status["would_create"] == 5 and dry.status["would_update"] == 5
    assert not (tmp_path / "b.j").exists()
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url,
                         journal_path=tmp_path / "b.journal", clean_result=clean_result(second))
    assert summary.status["created"] == 5 and summary.status["updated"] == 5
    recs = all_records(sandbox_server.url)
    assert len(recs) == 15
    changed = {r["properties"]["email"] for r in recs if r["properties"]["firstname"] == "Changed"}
    assert changed == {f"person{i}@example.com" for i in range(6, 16)}
