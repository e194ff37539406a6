"""Cleaning, matching and the push's life (push, status, resume, rollback) against a sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_migrate.actions import InputsChanged, Progress
from crm_migrate.actions.cleaning import clean, clean_files
from crm_migrate.actions.connection import check_connection
from crm_migrate.actions.duplicates import not_duplicate
from crm_migrate.actions.files import load_files
from crm_migrate.actions.profiles import build_profile, load_profile, object_schema
from crm_migrate.actions.runs import dry_run, push, resume, rollback, status
from crm_migrate.actions.sandbox import SandboxServer
from crm_migrate.mapping.profile import save_profile


def _profile_file(contacts: str, tmp_path: Path) -> str:
    tables = load_files([contacts]).tables
    path = tmp_path / "contacts.yaml"
    save_profile(build_profile(tables, "contacts", region="US"), path)
    return str(path)


def test_clean_reports_typed_progress_and_a_note_when_the_target_is_down(contacts: str) -> None:
    tables = load_files([contacts]).tables
    profile = build_profile(tables, "contacts", region="US")
    seen: list[Progress] = []
    outcome = clean(tables, profile, target="sandbox", url="http://127.0.0.1:9",
                    on_progress=seen.append)
    assert outcome.match_note is not None and outcome.match_note.startswith("not compared with sandbox")
    assert outcome.result.records and {r.action for r in outcome.result.records} <= {"create"}
    assert seen[-1].fraction == 1.0 and all(0 <= (p.fraction or 0) <= 1 for p in seen)
    assert len({p.started_at for p in seen}) == 1 and all(p.elapsed_s >= 0 for p in seen)
    again: list[Progress] = []
    clean(tables, profile, on_progress=again.append)  # no target: one pass, never back
    runs = [phase for n, phase in enumerate(p.phase for p in again)
            if n == 0 or again[n - 1].phase != phase]
    assert len(runs) == len(set(runs)) and runs[0] == "map" and runs[-1] == "done"
    for phase in runs:  # each phase counts up in its own unit, never past its total
        counts = [p.done for p in again if p.phase == phase]
        assert counts == sorted(counts)
        assert all(p.total is None or p.done <= p.total for p in again if p.phase == phase)
    assert again[-1].fraction == 1.0


def test_clean_files_matches_against_the_sandbox(contacts: str, tmp_path: Path,
                                                 sandbox: SandboxServer) -> None:
    profile_path = _profile_file(contacts, tmp_path)
    cleaned = clean_files([contacts], profile_path, target="sandbox", url=sandbox.url)
    assert cleaned.schema_note is None
    assert {r.action for r in cleaned.result.records} <= {"create", "skip"}
    assert cleaned.result.rows_in == len(cleaned.tables[0].frame)


def test_not_duplicate_goes_into_the_profile_once(contacts: str) -> None:
    profile = build_profile(load_files([contacts]).tables, "contacts")
    key = not_duplicate(profile, ["b.csv:2", "a.csv:1"])
    not_duplicate(profile, ["b.csv:2", "a.csv:1"])
    assert key == ("a.csv:1", "b.csv:2")
    assert profile.dedupe.not_duplicates == [["b.csv:2", "a.csv:1"]]


def test_push_status_resume_and_rollback(contacts: str, tmp_path: Path, sandbox: SandboxServer) -> None:
    profile_path = _profile_file(contacts, tmp_path)
    tables = load_files([contacts]).tables
    profile = load_profile(profile_path)
    result = clean(tables, profile).result
    planned = dry_run([contacts], profile, target="sandbox", url=sandbox.url, clean_result=result)
    assert planned.state == "dry_run" and planned.status["would_create"] > 0

    journal = tmp_path / "run.journal"
    seen: list[Progress] = []
    stop_after_first = {"stop": False}

    def progress(p: Progress) -> None:
        seen.append(p)
        stop_after_first["stop"] = p.done > 0

    first = push([contacts], profile, journal, target="sandbox", url=sandbox.url,
                 profile_path=profile_path, clean_result=result, batch_size=5,
                 on_progress=progress, should_stop=lambda: stop_after_first["stop"])
    assert seen and all(isinstance(p, Progress) for p in seen)
    assert first.state == "interrupted"

    Path(contacts).write_text(Path(contacts).read_text(encoding="utf-8-sig") + "\n", encoding="utf-8")
    with pytest.raises(InputsChanged) as caught:
        resume(journal)
    assert "outlook_contacts.csv" in caught.value.what
    assert resume(journal, force=True).state == "completed"
    assert status(journal)["state"] == "completed"
    undone = rollback(journal)
    assert undone.exit_code == 0 and status(journal)["state"] == "rolled_back"


def test_check_connection_reads_the_live_schema(sandbox: SandboxServer) -> None:
    checked = check_connection("sandbox", sandbox.url, None, "contacts", object_schema("contacts"))
    assert checked.text.startswith("Connected to sandbox; ")
    assert checked.schema is not None and checked.schema.get("email") is not None


def test_clean_refuses_a_sensitive_column_mapped_without_the_choice(tmp_path: Path) -> None:
    """A profile opened in the wizard (or built by hand) is held to the rule the CLI applies."""
    from crm_migrate.errors import ProfileError
    from crm_migrate.mapping.profile import FieldMapping

    people = tmp_path / "people.csv"
    people.write_text("Email,SSN\nann@example.com,078-05-1120\nbob@example.org,219-09-9999\n")
    tables = load_files([str(people)]).tables
    profile = build_profile(tables, "contacts", region="US")
    assert [m.column for m in profile.fields if m.field] == ["Email"]  # never auto-mapped
    profile.fields.append(FieldMapping(column="SSN", field="jobtitle"))
    with pytest.raises(ProfileError, match="sensitive"):
        clean(tables, profile)
    profile.fields[-1].sensitive = True  # mapped on purpose
    assert clean(tables, profile).result.records


def test_a_stop_flag_stops_a_clean_at_its_next_report(contacts: str) -> None:
    from crm_migrate.errors import Stopped

    tables = load_files([contacts]).tables
    profile = build_profile(tables, "contacts", region="US")
    seen: list[Progress] = []

    def stop_after_two() -> bool:
        return len(seen) >= 2

    with pytest.raises(Stopped):
        clean(tables, profile, on_progress=seen.append, should_stop=stop_after_two)
    assert len(seen) == 2 and (seen[-1].fraction or 0) < 1.0  # it never got to the end
    assert Stopped.exit_code == 130


def test_the_target_is_read_once_and_reused_by_the_dry_run_and_the_push(
        tmp_path: Path, sandbox: SandboxServer) -> None:
    import copy

    import httpx

    from crm_migrate.clean.matching import held_snapshot

    def asked() -> int:
        return int(httpx.get(f"{sandbox.url}/_sandbox/stats").json()["requests"])

    path = tmp_path / "people.csv"
    path.write_text("Email,First Name,Last Name\n" + "".join(
        f"p{i}@example.com,F{i},L{i}\n" for i in range(250)), encoding="utf-8")
    with httpx.Client(base_url=sandbox.url,
                      headers={"Authorization": f"Bearer {sandbox.token}"}) as http:
        answer = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
            {"properties": {"email": f"p{i}@example.com", "firstname": "Old"}}
            for i in range(0, 250, 5)]})
        assert answer.status_code in (200, 201), answer.text
        for start in range(0, 400, 100):  # more than the file: it is looked up, not listed
            answer = http.post("/crm/v3/objects/contacts/batch/create", json={"inputs": [
                {"properties": {"email": f"other{i}@example.com"}}
                for i in range(start, start + 100)]})
            assert answer.status_code in (200, 201), answer.text
    tables = load_files([str(path)]).tables
    profile = build_profile(tables, "contacts", region="US")
    result = clean(tables, profile, target="sandbox", url=sandbox.url).result
    held = held_snapshot(result)
    assert held is not None and held.requests >= 3  # 250 keys, 100 a lookup
    assert sum(r.action == "update" for r in result.records) == 50

    def dry(clean_result: object) -> tuple[int, dict[str, int]]:
        before = asked()
        summary = dry_run([str(path)], profile, target="sandbox", url=sandbox.url,
                          clean_result=clean_result, associate=False)  # type: ignore[arg-type]
        status = summary.status
        return asked() - before, {k: status[k] for k in ("would_create", "would_update")}

    unread = copy.copy(result)
    unread.target_snapshot = None
    with_held, planned = dry(result)
    without, planned_alone = dry(unread)
    assert planned == planned_alone == {"would_create": 200, "would_update": 50}
    assert without - with_held >= 3  # the dry run looked none of the keys up again

    summary = push([str(path)], profile, tmp_path / "run.journal", target="sandbox",
                   url=sandbox.url, clean_result=result, associate=False)
    assert summary.status["state"] == "completed"
    # the push refreshed what it wrote: every key is now held, with its id; nothing re-read
    assert all(held.by_key[f"p{i}@example.com"] is not None for i in range(250))
    before = asked()
    again = clean(tables, profile, target="sandbox", url=sandbox.url, snapshot=held).result
    assert asked() - before <= 2  # connecting and the schema at most: no key looked up
    odd = [(r.properties, held.by_key[r.key or ""]) for r in again.records if r.action != "skip"]
    assert not odd, odd[:2]
