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



def test_an_unchanged_re_push_writes_nothing_but_still_associates(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    """Records the target already holds as they are are skipped (no write, no before-image to
    restore); a changed one is updated; a contact that is up to date still gets its company."""
    import httpx

    from crm_migrate.push.runner import rollback_push

    first = [contact(i, company="Acme") for i in range(1, 6)]
    start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
               url=sandbox_server.url, journal_path=tmp_path / "a.journal",
               clean_result=clean_result(first), associate=False)
    stats = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()
    again = [contact(i, company="Acme") for i in range(1, 6)]
    again[0].properties["firstname"] = "Changed"
    dry = start_push(paths=[input_file], profile=profile(), profile_path=None,
                     target="sandbox", url=sandbox_server.url, journal_path=tmp_path / "x.j",
                     clean_result=clean_result(again), dry_run=True)
    assert (dry.status["would_update"], dry.status["would_skip"]) == (1, 4)
    journal = tmp_path / "b.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(again))
    status = summary.status
    assert (status["updated"], status["skipped"], status["created"]) == (1, 4, 0), status
    assert status["associations"] == {"done": 5}, status  # the new company, for all five
    after = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()
    assert after["records"]["contacts"] == stats["records"]["contacts"] == 5
    assert after["records"]["companies"] == 1
    rollback_push(journal)  # undoes the one update and the company; skipped rows untouched
    names = sorted(r["properties"]["firstname"] for r in all_records(sandbox_server.url))
    assert names == [f"First{i}" for i in range(1, 6)]
    assert all_records(sandbox_server.url, "companies") == []




def test_in_process_sandbox_over_asgi_and_list_runs(tmp_path: Path, input_file: str) -> None:
    import httpx

    from crm_migrate.push.runner import list_runs
    from crm_migrate.sandbox.app import create_app

    app = create_app(tmp_path / "inproc.sqlite3")
    runs = tmp_path / "runs"
    try:
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=None, journal_path=runs / "a.journal",
                             clean_result=clean_result([contact(i) for i in range(1, 31)]),
                             transport=httpx.ASGITransport(app=app))
        assert summary.status["created"] == 30 and not summary.status["embedded"]
        assert app.state.sandbox.stats()["records"]["contacts"] == 30
    finally:
        app.state.sandbox.store.close()
    (runs / "notes.txt").write_text("not a journal")
    listed = list_runs(runs)
    assert [r["run_id"] for r in listed] == [summary.status["run_id"]]
    assert listed[0]["state"] == "completed"


def test_companies_match_by_domain_and_deals_upsert_by_crm_migrate_id(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    import httpx

    from crm_migrate.model import OutputRecord
    from crm_migrate.push.runner import resume_push, rollback_push
    from crm_migrate.sandbox import DEFAULT_TOKEN

    with httpx.Client(base_url=sandbox_server.url,
                      headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        c.post("/crm/v3/objects/companies", json={"properties": {
            "name": "Acme Old", "domain": "acme.com", "city": "Paris"}}).raise_for_status()
    companies = [OutputRecord(source=f"orgs.csv:{i}", key=d, properties={"name": n, "domain": d,
                                                                           "city": "Berlin"})
                 for i, (n, d) in enumerate([("Acme", "ACME.com"), ("Beta", "beta.io")], 1)]
    companies.append(OutputRecord(source="orgs.csv:3", properties={"name": "No Domain Ltd"}))
    summary = start_push(paths=[input_file], profile=profile("companies"), profile_path=None,
                         target="sandbox", url=sandbox_server.url,
                         journal_path=tmp_path / "c.journal",
                         clean_result=clean_result(companies, "companies"))
    assert summary.status["updated"] == 1 and summary.status["created"] == 2
    rows = {r["properties"]["domain"]: r["properties"] for r in
            all_records(sandbox_server.url, "companies", ("name", "domain", "city"))
            if r["properties"].get("domain")}
    assert rows["acme.com"]["name"] == "Acme" and rows["acme.com"]["city"] == "Berlin"
    deals = [OutputRecord(source=f"deals.csv:{i}", properties={
        "dealname": f"Deal {i}", "amount": str(100 * i), "dealstage": "appointmentscheduled",
        "pipeline": "default"}) for i in range(1, 6)]
    journal = tmp_path / "d.journal"
    first = start_push(paths=[input_file], profile=profile("deals"), profile_path=None,
                       target="sandbox", url=sandbox_server.url, journal_path=journal,
                       clean_result=clean_result(deals, "deals"))
    assert first.status["created"] == 5
    assert resume_push(journal).status["created"] == 5  # nothing sent twice
    assert len(all_records(sandbox_server.url, "deals")) == 5
    assert rollback_push(journal).exit_code == 0
    assert all_records(sandbox_server.url, "deals") == []
    assert rollback_push(tmp_path / "c.journal").exit_code == 0
    after = all_records(sandbox_server.url, "companies", ("name", "domain", "city"))
    assert [(r["properties"]["name"], r["properties"]["city"]) for r in after] == [
        ("Acme Old", "Paris")]


def test_contacts_naming_one_existing_company_two_ways_update_it_in_separate_batches(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    """A company found once by domain and once by name is one target id: an update batch
    with that id twice is refused by HubSpot ("Duplicate IDs found in batch input")."""
    import httpx

    from crm_migrate.sandbox import DEFAULT_TOKEN

    with httpx.Client(base_url=sandbox_server.url,
                      headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        for n in range(12):
            c.post("/crm/v3/objects/companies", json={"properties": {
                "name": f"Acme {n}", "domain": f"acme{n}.com"}}).raise_for_status()
    records = []
    for n in range(12):
        records += [contact(3 * n + 1, company=f"Acme {n}", website=f"https://www.acme{n}.com"),
                    contact(3 * n + 2, company=f"Acme {n}"), contact(3 * n + 3, company=f"ACME {n}")]
    journal = tmp_path / "run.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result(records))
    assert summary.exit_code == 0, summary.status
    assert summary.status["created"] == 36 and summary.status["failed"] == 0
    companies = all_records(sandbox_server.url, "companies", ("name", "domain"))
    assert sorted(c["properties"]["domain"] for c in companies) == sorted(
        f"acme{n}.com" for n in range(12))


def test_a_token_given_to_the_call_is_used_and_never_journalled(tmp_path: Path,
                                                                input_file: str) -> None:
    """The wizard passes a typed (unsaved) token: push, resume and rollback use it in memory."""
    import pytest

    from crm_migrate.errors import AuthError
    from crm_migrate.push.runner import resume_push, rollback_push
    from crm_migrate.sandbox.serve import SandboxServer

    typed = "typed" + "-only-in-memory-7f3a"
    with SandboxServer(tmp_path / "crm.sqlite3", token=typed) as server:
        with pytest.raises(AuthError):  # the keyring/default token is not this server's
            start_push(paths=[input_file], profile=profile(), profile_path=None,
                       target="sandbox", url=server.url, journal_path=tmp_path / "a.journal",
                       clean_result=clean_result([contact(1)]))
        journal = tmp_path / "b.journal"
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=server.url, journal_path=journal,
                             clean_result=clean_result([contact(i) for i in range(1, 6)]),
                             token=typed)
        assert summary.status["created"] == 5
        assert resume_push(journal, token=typed).status["state"] == "completed"
        assert rollback_push(journal, token=typed).status["state"] == "rolled_back"
    assert typed.encode() not in journal.read_bytes()
    assert not any(typed.encode() in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def test_records_without_a_natural_key_are_not_created_twice_by_a_second_run(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    """Deals (no unique field) and contacts without an email get a crm_migrate_id derived from
    what names them, so pushing the same file again updates them; rolling back the second run
    restores them and leaves what the first run created."""
    from crm_migrate.model import OutputRecord
    from crm_migrate.push.runner import rollback_push

    def deals(amount: int) -> list[OutputRecord]:
        names = ["Renewal", "Upsell", "Renewal", "Pilot"]  # two deals share a name
        return [OutputRecord(source=f"deals.csv:{i}", properties={
            "dealname": name, "amount": str(amount + i), "dealstage": "appointmentscheduled",
            "pipeline": "default"}) for i, name in enumerate(names, 1)]

    first = start_push(paths=[input_file], profile=profile("deals"), profile_path=None,
                       target="sandbox", url=sandbox_server.url,
                       journal_path=tmp_path / "d1.journal",
                       clean_result=clean_result(deals(100), "deals"))
    assert first.status["created"] == 4
    again = deals(100)
    again[3].properties["amount"] = "999"
    dry = start_push(paths=[input_file], profile=profile("deals"), profile_path=None,
                     target="sandbox", url=sandbox_server.url, journal_path=tmp_path / "x.j",
                     clean_result=clean_result(again, "deals"), dry_run=True)
    assert (dry.status["would_create"], dry.status["would_update"],
            dry.status["would_skip"]) == (0, 1, 3)
    second = start_push(paths=[input_file], profile=profile("deals"), profile_path=None,
                        target="sandbox", url=sandbox_server.url,
                        journal_path=tmp_path / "d2.journal",
                        clean_result=clean_result(again, "deals"))
    status = second.status
    assert (status["created"], status["updated"], status["skipped"]) == (0, 1, 3), status
    amounts = sorted(r["properties"]["amount"] for r in
                     all_records(sandbox_server.url, "deals", ("dealname", "amount")))
    assert amounts == ["101", "102", "103", "999"]
    rollback_push(tmp_path / "d2.journal")
    amounts = sorted(r["properties"]["amount"] for r in
                     all_records(sandbox_server.url, "deals", ("dealname", "amount")))
    assert amounts == ["101", "102", "103", "104"]  # the first run's deals stay

    keyless = [OutputRecord(source=f"people.csv:{i}", properties={
        "firstname": f"No{i}", "lastname": "Email", "phone": f"+1415555010{i}"})
        for i in range(1, 4)]
    for name in ("k1.journal", "k2.journal"):
        start_push(paths=[input_file], profile=profile(), profile_path=None, target="sandbox",
                   url=sandbox_server.url, journal_path=tmp_path / name,
                   clean_result=clean_result(keyless))
    people = [r for r in all_records(sandbox_server.url) if r["properties"]["lastname"] == "Email"]
    assert len(people) == 3


def test_a_new_run_counts_the_target_once_before_writing_its_journal(
    sandbox_server: Any, tmp_path: Path, input_file: str
) -> None:
    """The one read a run needs before its first write (how many contacts the target holds)
    goes out before the journal is written, and is not asked again."""
    import httpx

    journal = tmp_path / "run.journal"
    seen: list[tuple[str, bool]] = []

    class Watch(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append((request.url.path, journal.exists()))
            return await super().handle_async_request(request)

    from crm_migrate.sandbox import DEFAULT_TOKEN

    schema = httpx.get(f"{sandbox_server.url}/crm/v3/properties/contacts",
                       headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}).json()["results"]
    # the run-marker property: read, and created unless an earlier run created it
    marker = 1 if any(p["name"] == "crm_migrate_run" for p in schema) else 2
    before = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()["requests"]
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="sandbox", url=sandbox_server.url, journal_path=journal,
                         clean_result=clean_result([contact(i) for i in range(1, 151)]),
                         transport=Watch())
    assert summary.status["created"] == 150
    searches = [(path, exists) for path, exists in seen if path.endswith("/search")]
    assert searches == [("/crm/v3/objects/contacts/search", False)], seen
    stats = httpx.get(f"{sandbox_server.url}/_sandbox/stats").json()
    # the live schema (properties, owners) read once + count + batches + marker property
    assert stats["requests"] - before == 2 + 1 + 2 + marker
    assert stats["rate_limited"] == 0
