"""Minimum kept, purge and the audit trail, end to end with the CLI, the real cleaner and the
sandbox over loopback: after `purge` no e-mail, phone or name of the input is left in the
journal, its error files or its outputs, while `status` and `runs` still count the run and
rollback says what it can no longer undo."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from crm_migrate.cli import run
from crm_migrate.push import journal as journal_module
from crm_migrate.push.journal import Journal
from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import all_records

PEOPLE = [  # (email, first, last, phone) -- the first three exist before the run
    ("zelda.quigley@example.com", "Zelda", "Quigley", "+1 415 555 0101"),
    ("yannick.abernathy@example.org", "Yannick", "Abernathy", "+1 415 555 0102"),
    ("xenia.brightwater@example.net", "Xenia", "Brightwater", "+1 415 555 0103"),
    ("wolfgang.castellano@example.com", "Wolfgang", "Castellano", "+1 415 555 0104"),
    ("violetta.dunsmore@example.com", "Violetta", "Dunsmore", "+1 415 555 0105"),
    ("ulrich.everhart@example.com", "Ulrich", "Everhart", "+1 415 555 0106"),
    ("tamsin.fairweather@example.com", "Tamsin", "Fairweather", "+1 415 555 0107"),
]
PROFILE = """version: 1
object: contacts
fields:
  - {column: Email, field: email}
  - {column: First Name, field: firstname}
  - {column: Last Name, field: lastname}
  - {column: Phone, field: phone}
  - {column: Colour, field: favourite_colour}
"""


def write_people(folder: Path, name: str, people: list[tuple[str, str, str, str]],
                 *, suffix: str = "", failing: str | None = None) -> Path:
    """A CSV of people (first names suffixed); the `failing` e-mail's row names a property the
    target does not have, so the target refuses it."""
    lines = ["Email,First Name,Last Name,Phone,Colour"]
    for email, first, last, phone in people:
        lines.append(f"{email},{first}{suffix},{last},{phone},{'teal' if email == failing else ''}")
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def secrets_of(people: list[tuple[str, str, str, str]]) -> list[bytes]:
    """Every e-mail, name and phone (as written and in E.164), lower-cased, as bytes."""
    out: list[str] = []
    for email, first, last, phone in people:
        out += [email, first, last, phone, "+" + "".join(ch for ch in phone if ch.isdigit())]
    return [s.lower().encode() for s in out]


def file_bytes(path: Path) -> bytes:
    """A file's bytes; an .xlsx's unzipped members (compressed bytes would hide any text)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return b"".join(book.read(n) for n in book.namelist())
    return path.read_bytes()


def found(paths: list[Path], secrets: list[bytes]) -> list[tuple[str, bytes]]:
    hits = []
    for path in paths:
        data = file_bytes(path).lower()
        hits += [(path.name, s) for s in secrets if s in data]
    return hits


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert run(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def rows_of(journal: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(journal)) as conn:
        return conn.execute("SELECT * FROM rows ORDER BY seq").fetchall()


@pytest.fixture
def server(tmp_path: Path) -> Any:
    with SandboxServer(tmp_path / "sb.sqlite3") as sandbox:
        yield sandbox


def test_purge_leaves_no_personal_data_but_counts_and_explains_rollback(
    tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    before = write_people(tmp_path, "before.csv", PEOPLE[:3])
    assert run(["push", str(before), "--profile", str(profile), "--url", server.url,
                "--journal", str(tmp_path / "first.journal")]) == 0
    people = write_people(tmp_path, "people.csv", PEOPLE, suffix="x",
                          failing=PEOPLE[-1][0])
    journal = tmp_path / "runs" / "people.journal"
    assert run(["push", str(people), "--profile", str(profile), "--url", server.url,
                "--journal", str(journal)]) == 1
    capsys.readouterr()
    errors = [Path(str(journal) + ".errors.csv"), Path(str(journal) + ".errors.xlsx")]
    secrets = secrets_of(PEOPLE) + [f"{p[1]}x".lower().encode() for p in PEOPLE]
    # minimum kept: settled rows keep a hash of their payload; before-images only for updates
    with closing(sqlite3.connect(journal)) as conn:
        kept = conn.execute("SELECT state, created, payload, payload_sha256, before IS NOT NULL "
                            "FROM rows WHERE kind = 'record' ORDER BY seq").fetchall()
    assert [(s, c) for s, c, *_ in kept] == [("done", 0)] * 3 + [("done", 1)] * 3 + [("failed", 0)]
    assert all(p == "{}" and h for s, _, p, h, _ in kept if s == "done")
    assert [b for *_, b in kept] == [1, 1, 1, 0, 0, 0, 0]
    assert found([errors[0]], secrets)  # the search can see what is there
    status = run_json(capsys, "status", str(journal), "--json")
    assert (status["created"], status["updated"], status["failed"]) == (3, 3, 1)
    assert status["inputs"][0]["sha256"] == hashlib.sha256(people.read_bytes()).hexdigest()
    assert status["account"] == "1000001" and status["os_user"]

    assert run(["purge", str(journal)]) == 2  # stdin is no terminal: --yes or nothing
    assert "needs confirmation" in capsys.readouterr().err
    assert run(["purge", str(journal), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "purged" in out and "can no longer restore the 3 records" in out
    leftovers = [p for p in journal.parent.iterdir() if p.name.startswith(journal.name)]
    assert journal in leftovers and all(e in leftovers for e in errors)
    assert found([p for p in leftovers if not p.name.endswith(".lock")], secrets) == []
    with closing(sqlite3.connect(journal)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rows WHERE payload <> '{}' OR before IS NOT NULL"
                            ).fetchone() == (0,)
    lines = list(csv.reader(io.StringIO(errors[0].read_text())))
    assert lines[0] == ["_source", "_error"] and lines[1][0] == "people.csv:7"
    assert "favourite_colour" in lines[1][1]

    status = run_json(capsys, "status", str(journal), "--json")
    assert (status["created"], status["updated"], status["failed"], status["total"]) == (3, 3, 1, 7)
    assert status["purged"] and status["state"] == "completed"
    assert run(["status", str(journal)]) == 0
    assert "purged: personal data removed" in capsys.readouterr().out
    listed = {r["journal"]: r for r in run_json(capsys, "runs", "--json")}
    assert set(listed) == {str(journal.resolve()), str((tmp_path / "first.journal").resolve())}
    assert listed[str(journal.resolve())]["purged"] and listed[str(journal.resolve())]["created"] == 3

    assert run(["resume", str(journal)]) == 2
    assert "purged" in capsys.readouterr().err
    assert run(["rollback", str(journal), "--yes"]) == 0
    captured = capsys.readouterr()
    assert "archived 3 created, restored 0 updated" in captured.out
    assert "the 3 records it updated keep the run's values: their previous values were purged" \
        in captured.err
    names = sorted(r["properties"]["firstname"] for r in all_records(server.url))
    assert names == ["Xeniax", "Yannickx", "Zeldax"]  # created ones archived, updates stay
    assert run_json(capsys, "status", str(journal), "--json")["state"] == "rolled_back"


def test_no_before_images_rollback_archives_created_records_only(
    tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    assert run(["push", str(write_people(tmp_path, "a.csv", PEOPLE[:2])), "--profile",
                str(profile), "--url", server.url, "--journal", str(tmp_path / "a.journal")]) == 0
    journal = tmp_path / "b.journal"
    assert run(["push", str(write_people(tmp_path, "b.csv", PEOPLE[:4], suffix="y")),
                "--profile", str(profile), "--url", server.url, "--journal", str(journal),
                "--no-before-images"]) == 0
    with closing(sqlite3.connect(journal)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rows WHERE before IS NOT NULL").fetchone() == (0,)
    capsys.readouterr()
    assert run(["rollback", str(journal), "--yes"]) == 0
    assert "the run kept no before-images (--no-before-images)" in capsys.readouterr().err
    assert sorted(r["properties"]["firstname"] for r in all_records(server.url)) == [
        "Yannicky", "Zelday"]


def test_purge_removes_a_file_targets_outputs(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE.replace("  - {column: Colour, field: favourite_colour}\n", ""))
    out = tmp_path / "out" / "contacts_for_hubspot.csv"
    journal = tmp_path / "file.journal"
    assert run(["push", str(write_people(tmp_path, "p.csv", PEOPLE)), "--profile", str(profile),
                "--target", "file", "--url", str(out), "--journal", str(journal)]) == 0
    assert found([out], secrets_of(PEOPLE))
    written = Journal.open(journal)
    try:
        files = written.meta().written_files
    finally:
        written.close()
    assert str(out.resolve()) in files
    capsys.readouterr()
    assert run(["purge", str(journal), "--yes"]) == 0
    assert str(out.resolve()) in capsys.readouterr().out
    assert not out.exists() and not any(out.parent.iterdir())
    assert found([journal], secrets_of(PEOPLE)) == []
    status = run_json(capsys, "status", str(journal), "--json")
    assert status["created"] == 7 and status["purged"]


def test_purge_refuses_bad_input_and_changes_nothing(
    tmp_path: Path, server: Any, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    folder = tmp_path / "runs"
    journal = folder / "r.journal"
    assert run(["push", str(write_people(tmp_path, "p.csv", PEOPLE[:3])), "--profile",
                str(profile), "--url", server.url, "--journal", str(journal)]) == 0
    capsys.readouterr()
    original = rows_of(journal)
    assert run(["purge", str(tmp_path / "missing.journal"), "--yes"]) == 2
    assert "no such journal" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("not a journal")
    assert run(["purge", str(tmp_path / "notes.txt"), "--yes"]) == 2
    assert "not a crm-migrate journal" in capsys.readouterr().err
    holder = Journal.open(journal)
    holder.acquire()
    try:
        assert run(["purge", str(journal), "--yes"]) == 2
        err = capsys.readouterr().err
        assert "in progress" in err and len(err.strip().splitlines()) == 1
    finally:
        holder.close()
    folder.chmod(0o555)
    try:
        assert run(["purge", str(journal), "--yes"]) == 2
        assert "read-only" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(journal_module, "_scrub", crash)
    assert run(["purge", str(journal), "--yes"]) == 2
    assert "cannot purge the journal" in capsys.readouterr().err
    assert rows_of(journal) == original  # nothing half-purged
    assert [p.name for p in folder.iterdir() if "purge" in p.name] == []
    assert not run_json(capsys, "status", str(journal), "--json")["purged"]


def test_runs_lists_and_exports_every_run(tmp_path: Path, server: Any,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    people = write_people(tmp_path, "=cmd.csv", PEOPLE[:2])
    journal = tmp_path / "elsewhere" / "r.journal"
    assert run(["push", str(people), "--profile", str(profile), "--url", server.url,
                "--journal", str(journal)]) == 0
    capsys.readouterr()
    (listed,) = run_json(capsys, "runs", "--json")
    assert listed["journal"] == str(journal.resolve())
    assert {"started_at", "finished_at", "os_user", "target", "account", "object",
            "profile_hash", "inputs", "created", "updated", "failed", "state", "purged"} <= set(listed)
    assert "token" not in json.dumps(listed).lower()
    assert listed["profile_hash"] == hashlib.sha256(profile.read_bytes()).hexdigest()
    assert run(["runs"]) == 0
    assert "completed" in capsys.readouterr().out
    export = tmp_path / "audit.csv"
    assert run(["runs", "--export", str(export)]) == 0
    rows = list(csv.DictReader(io.StringIO(export.read_text())))
    assert len(rows) == 1 and rows[0]["created"] == "2" and rows[0]["account"] == "1000001"
    assert "=cmd.csv" in rows[0]["inputs"]
    assert run(["runs", "--export", str(tmp_path / "no" / "such" / "dir" / "a.txt")]) == 2


def test_purge_older_than_sweeps_old_runs_only(tmp_path: Path, server: Any,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(PROFILE)
    old, new = tmp_path / "old.journal", tmp_path / "runs" / "new.journal"
    for journal, people in ((old, PEOPLE[:2]), (new, PEOPLE[2:4])):
        assert run(["push", str(write_people(tmp_path, journal.stem + ".csv", people)),
                    "--profile", str(profile), "--url", server.url, "--journal", str(journal)]) == 0
    with closing(sqlite3.connect(old)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'finished_at'",
                     (json.dumps("2020-01-01T00:00:00+00:00"),))
        conn.commit()
    capsys.readouterr()
    assert run(["purge", "--older-than", "soon", "--yes"]) == 2
    assert "30d" in capsys.readouterr().err
    assert run(["purge", "--older-than", "30d"]) == 2  # no terminal, no --yes
    assert run(["purge", "--older-than", "30d", "--yes"]) == 0
    assert f"purged {old.resolve()}" in capsys.readouterr().out
    assert found([old], secrets_of(PEOPLE[:2])) == []
    assert found([new], secrets_of(PEOPLE[2:4]))  # too young: untouched
    assert run(["purge", "--older-than", "30d", "--yes"]) == 0
    assert "no run older than 30d" in capsys.readouterr().out
    assert run(["purge", "--yes"]) == 2
