"""A row whose address is another person's contact on the target is not written over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from crm_migrate.mapping.profile import FieldMapping, Profile, save_profile
from crm_migrate.push.runner import resume_push, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from tests.push.conftest import all_records

ROWS = """\
First Name,Last Name,Email,Phone
Ben,Holt,info@acme.com,+1 415 555 0202
A.,Lee,anna@lee.org,+1 415 555 0301
Cara,Diaz,cara@diaz.net,+1 415 555 0401
"""


def _profile() -> Profile:
    return Profile(object="contacts", default_region="US", fields=[
        FieldMapping("First Name", "firstname"), FieldMapping("Last Name", "lastname"),
        FieldMapping("Email", "email"), FieldMapping("Phone", "phone")])


def _seed(url: str) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        for first, last, email in (("Anna", "Lee", "info@acme.com"), ("Anna", "Lee", "anna@lee.org")):
            made = c.post("/crm/v3/objects/contacts", json={"properties": {
                "firstname": first, "lastname": last, "email": email}})
            assert made.status_code == 201, made.text


def _by_email(url: str) -> dict[str, dict[str, Any]]:
    return {r["properties"]["email"]: r["properties"] for r in all_records(url)}


def test_another_persons_contact_keeps_its_name_and_the_row_comes_back_failed(
        sandbox_server: Any, tmp_path: Path) -> None:
    _seed(sandbox_server.url)
    path = tmp_path / "people.csv"
    path.write_text(ROWS)
    profile_path = tmp_path / "people.yaml"
    save_profile(_profile(), profile_path)
    run = dict(paths=[str(path)], profile=_profile(), profile_path=str(profile_path),
               target="sandbox", url=sandbox_server.url)
    dry = start_push(**run, journal_path=tmp_path / "dry.journal", dry_run=True)
    assert dry.status["would_fail"] == 1 and dry.status["would_update"] == 1

    journal = tmp_path / "run.journal"
    summary = start_push(**run, journal_path=journal)
    assert summary.status["failed"] == 1 and summary.status["created"] == 1
    assert summary.status["updated"] == 1  # A. Lee is Anna: her own contact is updated
    contacts = _by_email(sandbox_server.url)
    assert (contacts["info@acme.com"]["firstname"], contacts["info@acme.com"]["lastname"]) == ("Anna", "Lee")
    assert contacts["cara@diaz.net"]["firstname"] == "Cara"
    errors = Path(summary.errors_file or "").read_text()
    assert "info@acme.com" in errors and "Anna Lee" in errors and "different person" in errors

    # a changed input re-cleans the rows of the run; this one stays unsent
    path.write_text(ROWS.replace("Cara,Diaz", "Cara,Díaz"))
    again = resume_push(journal, force=True)
    assert again.status["failed"] == 1
    assert _by_email(sandbox_server.url)["info@acme.com"]["firstname"] == "Anna"
    from crm_migrate.push.journal import Journal, RowKind

    opened = Journal.open(journal, for_writing=False)
    try:
        [ben] = [r for r in opened.rows(RowKind.RECORD) if r.source == "people.csv:1"]
    finally:
        opened.close()
    assert ben.state.value == "failed" and ben.attempts == 0  # never sent, not even on resume
    assert "different person" in (ben.error or "")
