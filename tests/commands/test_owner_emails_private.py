"""Owners read with the live schema: a file's owner column is matched to them by name, e-mail
or id, but the target's users' e-mail addresses never appear in what a run writes for people
to read (`clean --report`, the cleaned output, error files, `status --json`, the run's printed
lines), not even when an owner has no name or a file value is no owner at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from crm_migrate.sandbox.serve import SandboxServer

PORTAL = """name: owners-test
owners:
  - {id: "901", email: quinn.private@staff-example.com}
  - {id: "902", email: rae.hidden@staff-example.com, firstName: Rae, lastName: Lindqvist}
  - {id: "903", email: old.timer@staff-example.com, archived: true}
"""
SECRETS = [b"quinn.private@", b"rae.hidden@", b"old.timer@"]  # the users' own addresses
PEOPLE = """Email,First Name,Contact Owner
a@example.org,Ann,901
b@example.org,Bob,Rae Lindqvist
c@example.org,Cid,quinn.privat@staff-example.com
d@example.org,Dee,Nobody Known
"""
PROFILE = """version: 1
object: contacts
fields:
  - {column: Email, field: email}
  - {column: First Name, field: firstname}
  - {column: Contact Owner, field: hubspot_owner_id}
"""


@pytest.fixture
def server(tmp_path: Path) -> Any:
    portal = tmp_path / "owners.yaml"
    portal.write_text(PORTAL, encoding="utf-8")
    with SandboxServer(tmp_path / "sb.sqlite3", portal=portal) as sandbox:
        yield sandbox


def test_owner_emails_stay_out_of_reports_errors_and_status(
    server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    report, cleaned = tmp_path / "report.json", tmp_path / "clean.csv"
    journal = tmp_path / "run.journal"
    assert run(["clean", str(people), "--profile", str(profile), "--target", "sandbox",
                "--url", server.url, "--out", str(cleaned), "--report", str(report)]) == 0
    issues = json.loads(report.read_text(encoding="utf-8"))
    texts = json.dumps(issues)
    assert "Nobody Known" in texts and "quinn.privat@" in texts  # the file's own values, reported
    assert "Rae Lindqvist (902)" in texts and "901" in texts  # owners by name, else by id
    run(["push", str(people), "--profile", str(profile), "--target", "sandbox", "--url",
         server.url, "--journal", str(journal)])
    assert run(["status", str(journal), "--json"]) == 0
    printed = capsys.readouterr()
    status = json.loads(printed.out.strip().splitlines()[-1])
    assert status["failed"] == 2 and status["created"] == 2  # the two values that are no owner
    assert status["schema"]["owners"] == 2  # the active ones, counted, never listed
    written = [report, cleaned, Path(f"{journal}.errors.csv")]
    assert Path(f"{journal}.errors.csv").exists()
    for path in written:
        data = path.read_bytes()
        assert [s for s in SECRETS if s in data] == [], path.name
    shown = (printed.out + printed.err).encode()
    assert [s for s in SECRETS if s in shown] == []
