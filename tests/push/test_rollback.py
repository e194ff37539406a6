"""Rollback leaves the sandbox as it was before the run, before-images included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_migrate.cli import run
from crm_migrate.push.runner import push_status, resume_push, rollback_push, start_push
from tests.push.conftest import all_records, clean_result, contact, profile
from tests.push.test_push_faults import seed_contacts

FIELDS = ("email", "firstname", "lastname", "company", "jobtitle")


def snapshot(url: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for obj in ("contacts", "companies"):
        for rec in all_records(url, obj):
            props = rec["properties"]
            out[f"{obj}:{rec['id']}"] = {k: props.get(k) or "" for k in FIELDS + ("name",)}
    return out


def test_rollback_restores_before_images_and_archives_creations(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    seed_contacts(sandbox_server.url, range(1, 21))
    before = snapshot(sandbox_server.url)
    records = [contact(i, firstname="New", company="Acme") for i in range(11, 41)]
    journal = tmp_path / "run.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(records))
    assert summary.status["created"] == 20 and summary.status["updated"] == 10
    assert snapshot(sandbox_server.url) != before
    code = run(["rollback", str(journal), "--yes"])
    assert code == 0
    assert snapshot(sandbox_server.url) == before
    status = push_status(journal)
    assert status["state"] == "rolled_back" and status["rolled_back"] == 30
    # a second rollback is a no-op, and a rolled-back run cannot be resumed
    assert rollback_push(journal).exit_code == 0
    assert run(["resume", str(journal)]) == 2
    try:
        resume_push(journal)
    except Exception as exc:  # noqa: BLE001
        assert "rolled back" in str(exc)
