"""The commands end to end with the real cleaner: dry run, push into the embedded sandbox,
status, rollback; Ctrl-C leaves a resumable run and exits 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import all_records, write_contacts
from tests.push.test_kill_resume import ROWS, cli, status


def test_dry_run_push_status_rollback_on_the_embedded_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_env: dict[str, Any]
) -> None:
    csv, prof = write_contacts(tmp_path, ROWS)
    journal = tmp_path / "run.journal"
    args = ["push", str(csv), "--profile", str(prof), "--target", "sandbox",
            "--journal", str(journal)]
    assert run([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would create 600, update 0" in out and "companies to create 4" in out
    assert not journal.exists()
    assert run(args) == 0
    assert "completed: 600/600 done (created 600" in capsys.readouterr().out
    assert run(["status", str(journal), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "completed" and data["embedded"] and data["url"] is None
    assert (isolated_env["data"] / "sandbox.sqlite3").exists()
    assert run(args) == 2  # the journal exists: resume it instead
    assert "already exists" in capsys.readouterr().err
    assert run(["rollback", str(journal), "--yes"]) == 0
    assert "rolled back: 600 records undone" in capsys.readouterr().out
    with SandboxServer(isolated_env["data"] / "sandbox.sqlite3") as server:
        assert all_records(server.url) == [] and all_records(server.url, "companies") == []


def test_ctrl_c_stops_cleanly_exit_130_then_resume(tmp_path: Path) -> None:
    csv, prof = write_contacts(tmp_path, ROWS)
    journal = tmp_path / "run.journal"
    with SandboxServer(tmp_path / "sb.sqlite3", latency_ms=80) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm_migrate", "push", str(csv), "--profile", str(prof),
             "--url", server.url, "--journal", str(journal), "--batch-size", "20"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
        deadline = time.monotonic() + 60
        while server.stats()["records"]["contacts"] < 40:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert f"resume with: crm-migrate resume {journal}" in err
        stopped = status(journal)
        assert stopped["state"] == "interrupted" and stopped["in_flight"] == 0
        assert 0 < stopped["done"] < 600
        assert cli("resume", str(journal)).returncode == 0
        emails = [r["properties"]["email"] for r in all_records(server.url)]
    assert len(emails) == len(set(emails)) == 600


def test_push_to_hubspot_without_credentials_fails_before_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, prof = write_contacts(tmp_path, ROWS)
    code = run(["push", str(csv), "--profile", str(prof), "--target", "hubspot",
                "--journal", str(tmp_path / "h.journal")])
    assert code == 2
    assert "no credentials for hubspot" in capsys.readouterr().err
    assert not (tmp_path / "h.journal").exists()


def test_rejected_row_is_isolated_and_written_with_its_original_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "people.csv"
    rows = ["E-mail,Name,Colour"]
    rows += [f"P{i}@Example.com ,Ann{i},{'=blue' if i == 3 else ''}" for i in range(1, 8)]
    csv.write_text("\n".join(rows) + "\n")
    prof = tmp_path / "profile.yaml"
    prof.write_text("version: 1\nobject: contacts\nfields:\n  - {column: E-mail, field: email}\n"
                    "  - {column: Name, field: firstname}\n"
                    "  - {column: Colour, field: favourite_colour}\n")
    journal = tmp_path / "run.journal"
    code = run(["push", str(csv), "--profile", str(prof), "--journal", str(journal)])
    assert code == 1
    out = capsys.readouterr().out
    assert "completed: 6/7 done (created 6" in out and "failed 1" in out
    errors = Path(str(journal) + ".errors.csv")
    assert (errors.stat().st_mode & 0o777) == 0o600
    assert Path(str(journal) + ".errors.xlsx").exists()
    lines = errors.read_text().splitlines()
    assert lines[0] == "E-mail,Name,Colour,_source,_error"
    assert lines[1].startswith("P3@Example.com ,Ann3,'=blue,people.csv:3,")  # formula-safe
    assert "favourite_colour" in lines[1]
