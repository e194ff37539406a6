"""The Salesforce connector driven by the real push engine, and listing for its snapshot."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from crm_migrate.connectors.salesforce import SalesforceConnector
from tests.connectors.test_salesforce import INSTANCE, ORG_ID, TOKEN, FakeOrg


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg()


@pytest.fixture
async def sf(org: FakeOrg):  # type: ignore[no-untyped-def]
    connector = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=httpx.MockTransport(org))
    yield connector
    await connector.aclose()


def test_push_engine_end_to_end_into_a_documented_org(tmp_path: Path, org: FakeOrg) -> None:
    """The real push engine drives the connector: companies first, contacts keyed by the
    External ID, a missing LastName failed per row, AccountId set by the association step,
    and a rollback deletes what the run created."""
    from crm_migrate import secrets
    from crm_migrate.mapping.profile import load_profile
    from crm_migrate.push.runner import rollback_push, start_push

    source = tmp_path / "people.csv"
    source.write_text(
        "Email,First,Last,Company\n"
        "ada@acme.com,Ada,Lovelace,Acme Ltd\n"
        "bob@acme.com,Bob,Byron,Acme Ltd\n"
        "nolast@beta.io,Nolast,,Beta Inc\n",
        encoding="utf-8",
    )
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text(
        "version: 1\nobject: contacts\nfields:\n"
        "  - {column: Email, field: email}\n  - {column: First, field: firstname}\n"
        "  - {column: Last, field: lastname}\n  - {column: Company, field: company}\n",
        encoding="utf-8",
    )
    secrets.set_token("salesforce", TOKEN)
    transport = httpx.MockTransport(org)
    summary = start_push(
        paths=[str(source)],
        profile=load_profile(profile_path),
        profile_path=str(profile_path),
        target="salesforce",
        url=INSTANCE,
        journal_path=tmp_path / "run.journal",
        transport=transport,
    )
    contacts = {r["Email"]: r for r in org.records.values() if r["type"] == "Contact"}
    accounts = {r["Name"]: r for r in org.records.values() if r["type"] == "Account"}
    assert set(contacts) == {"ada@acme.com", "bob@acme.com"}
    assert set(accounts) == {"Acme Ltd", "Beta Inc"}
    assert contacts["ada@acme.com"]["AccountId"] == accounts["Acme Ltd"]["Id"]
    assert all(c["crm_migrate_id__c"] for c in contacts.values())
    assert summary.status["created"] == 2 and summary.status["failed"] == 1
    assert summary.status["account"] == ORG_ID  # the org, for the audit trail
    rollback_push(tmp_path / "run.journal", transport=transport)
    assert [r for r in org.records.values() if r["type"] == "Contact"] == []


async def test_count_and_list_all_follow_next_records_url(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    assert await sf.count("contacts") == 0
    await sf.create("contacts", [{"lastname": f"L{i}", "email": f"p{i}@x.com"} for i in range(5)])
    assert await sf.count("contacts") == 5
    org.page_size = 2
    listed = await sf.list_all("contacts", ["email", "Region__c"])
    assert sorted(r.properties["email"] for r in listed) == [f"p{i}@x.com" for i in range(5)]
    pages = [r for r in org.requests if "/query/01g-" in r.url.path]
    assert len(pages) == 2  # 2 + 2 + 1 records
