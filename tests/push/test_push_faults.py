"""Faults before and after commit, a tight rate limit: every record arrives exactly once."""

from __future__ import annotations

from pathlib import Path

import httpx

from crm_migrate.push.runner import push_status, start_push
from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.serve import SandboxServer
from tests.push.conftest import all_records, clean_result, contact, profile


def seed_contacts(url: str, numbers: range, firstname: str = "Old") -> None:
    inputs = [{"properties": {"email": f"person{i}@example.com", "firstname": firstname,
                              "jobtitle": "Keeper"}} for i in numbers]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
        for start in range(0, len(inputs), 100):
            r = c.post("/crm/v3/objects/contacts/batch/create",
                       json={"inputs": inputs[start : start + 100]})
            assert r.status_code == 201, r.text


def test_exactly_once_under_faults_and_rate_limit(tmp_path: Path, input_file: str) -> None:
    companies = ["Acme", "Beta GmbH", "Gamma"]
    records = [contact(i, company=companies[i % 3], jobtitle="Engineer")
               for i in range(1, 701)]
    with SandboxServer(tmp_path / "sb.sqlite3", seed=7) as server:
        seed_contacts(server.url, range(1, 101))
        server.set_faults(fail_rate=0.25, rate_limit=30)
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=server.url,
                             journal_path=tmp_path / "run.journal", batch_size=50,
                             clean_result=clean_result(records))
        stats = server.stats()
        server.set_faults(fail_rate=0.0, rate_limit=0)
        contacts = all_records(server.url)
        orgs = all_records(server.url, "companies")
        with httpx.Client(base_url=server.url,
                          headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}) as c:
            first = next(r for r in contacts if r["properties"]["email"] == "person1@example.com")
            assoc = c.get(f"/crm/v4/objects/contacts/{first['id']}/associations/companies").json()
    assert stats["faults"] > 0, stats
    assert summary.status["state"] == "completed", summary
    assert summary.status["failed"] == 0
    assert summary.status["created"] == 600 and summary.status["updated"] == 100
    emails = [r["properties"]["email"] for r in contacts]
    assert len(emails) == len(set(emails)) == 700
    assert all(r["properties"]["jobtitle"] == "Engineer" for r in contacts)
    assert sorted(o["properties"]["name"] for o in orgs) == sorted(companies)
    acme = next(o for o in orgs if o["properties"]["name"] == "Beta GmbH")
    assert [a["toObjectId"] for a in assoc["results"]] == [int(acme["id"])] or \
        [str(a["toObjectId"]) for a in assoc["results"]] == [acme["id"]]
    status = push_status(tmp_path / "run.journal")
    assert status["associations"] == {"done": 700}
    assert status["companies"]["created"] == 3


def test_a_network_cut_pauses_the_run_without_failing_rows(
    tmp_path: Path, input_file: str, monkeypatch: object
) -> None:
    """The target stops answering mid-run: after the retries the run stops as interrupted,
    the unsent rows stay pending (not failed, not in an error file); resume finishes exactly."""
    import pytest

    from crm_migrate.push import sender
    from crm_migrate.push.retry import RetryPolicy
    from crm_migrate.push.runner import resume_push

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(sender, "RetryPolicy", lambda: RetryPolicy(base=0.001, cap=0.005))

    class Cut(httpx.AsyncBaseTransport):
        """Loopback that goes dead after a few batch writes (a pulled cable)."""

        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()
            self.writes = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith(("/batch/upsert", "/batch/create")):
                self.writes += 1
            if self.writes > 3:
                raise httpx.ConnectError("All connection attempts failed", request=request)
            return await self.inner.handle_async_request(request)

    records = [contact(i) for i in range(1, 301)]
    journal = tmp_path / "run.journal"
    with SandboxServer(tmp_path / "sb.sqlite3") as server:
        summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                             target="sandbox", url=server.url, journal_path=journal,
                             batch_size=50, concurrency=1, clean_result=clean_result(records),
                             transport=Cut())
        assert summary.status["state"] == "interrupted", summary.status
        assert summary.status["failed"] == 0 and summary.status["done"] == 150
        assert summary.status["pending"] == 150
        assert "did not answer" in (summary.message or "")
        assert not Path(str(journal) + ".errors.csv").exists()
        resumed = resume_push(journal)
        emails = sorted(r["properties"]["email"] for r in all_records(server.url))
    assert resumed.status["state"] == "completed" and resumed.status["failed"] == 0
    assert emails == sorted(f"person{i}@example.com" for i in range(1, 301))
