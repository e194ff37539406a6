"""kill -9 a real `python -m crm_migrate push` at chosen points, then resume: no duplicate, no
lost row, status right. Refuses changed inputs unless --force."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import all_records, kill_9, push_until_paused

ROWS = 600
def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crm_migrate", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def status(journal: Path) -> dict[str, Any]:
    done = cli("status", str(journal), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def push_and_kill(tmp_path: Path, url: str, point: str) -> Path:
    proc, journal = push_until_paused(tmp_path, url, point, ROWS, "--batch-size", "50")
    assert status(journal)["state"] == "running"
    kill_9(proc)
    return journal


@pytest.mark.parametrize("point", ["before-batch:1", "in-flight:3", "mid-batch:5",
                                   "after-batch:7", "after-last"])
def test_kill_then_resume_is_exact(tmp_path: Path, point: str) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3", latency_ms=5) as server:
        journal = push_and_kill(tmp_path, server.url, point)
        killed = status(journal)
        assert killed["state"] == "interrupted"
        assert killed["total"] == ROWS
        if point == "after-last":
            assert killed["pending"] == 0
        resumed = cli("resume", str(journal))
        assert resumed.returncode == 0, resumed.stderr
        final = status(journal)
        contacts = all_records(server.url)
        companies = all_records(server.url, "companies")
    assert final["state"] == "completed"
    assert final["done"] == final["created"] == ROWS and final["failed"] == 0
    assert final["associations"] == {"done": ROWS}
    emails = [r["properties"]["email"] for r in contacts]
    assert len(emails) == len(set(emails)) == ROWS
    assert set(emails) == {f"p{i}@example.com" for i in range(1, ROWS + 1)}
    assert sorted(c["properties"]["name"] for c in companies) == ["Org0", "Org1", "Org2", "Org3"]


def test_resume_refuses_changed_inputs_unless_forced(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3", latency_ms=5) as server:
        journal = push_and_kill(tmp_path, server.url, "after-batch:2")
        csv = tmp_path / "people.csv"
        csv.write_text(csv.read_text().replace("Ann500,", "Anne500,"))
        refused = cli("resume", str(journal))
        assert refused.returncode == 2
        assert "people.csv changed since the run began" in refused.stderr
        assert "Traceback" not in refused.stderr and len(refused.stderr.splitlines()) == 1
        forced = cli("resume", str(journal), "--force")
        assert forced.returncode == 0, forced.stderr
        contacts = all_records(server.url)
        assert status(journal)["state"] == "completed"
        assert cli("resume", str(journal)).returncode == 0  # the new hashes are journalled
    assert len({r["properties"]["email"] for r in contacts}) == len(contacts) == ROWS
    names = {r["properties"]["email"]: r["properties"]["firstname"] for r in contacts}
    assert names["p500@example.com"] == "Anne500"  # the fixed file is what was sent


def test_kill_mid_batch_then_rollback_leaves_nothing(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3", latency_ms=5) as server:
        journal = push_and_kill(tmp_path, server.url, "mid-batch:4")
        assert status(journal)["in_flight"] > 0  # the answer of batch 4 never got journalled
        assert server.stats()["records"]["contacts"] > 0
        undone = cli("rollback", str(journal), "--yes")
        assert undone.returncode == 0, undone.stderr
        assert status(journal)["state"] == "rolled_back"
        assert all_records(server.url) == [] and all_records(server.url, "companies") == []
