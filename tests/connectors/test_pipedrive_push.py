"""The Pipedrive connector driven by the real push engine."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.connectors.test_pipedrive import TOKEN, FakePipedrive


@pytest.fixture
def api() -> FakePipedrive:
    return FakePipedrive()


def test_push_engine_end_to_end(tmp_path: Path, api: FakePipedrive) -> None:
    """The real push engine: organizations first, persons upserted by email (search then
    write), each person linked to its organization, and a rerun updates instead of duplicating."""
    from crm_migrate import secrets
    from crm_migrate.mapping.profile import load_profile
    from crm_migrate.push.runner import start_push

    source = tmp_path / "people.csv"
    source.write_text(
        "Email,First,Last,Company\nada@acme.com,Ada,Lovelace,Acme Ltd\nbob@beta.io,Bob,Byron,Beta\n",
        encoding="utf-8",
    )
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text(
        "version: 1\nobject: contacts\nfields:\n"
        "  - {column: Email, field: email}\n  - {column: First, field: firstname}\n"
        "  - {column: Last, field: lastname}\n  - {column: Company, field: company}\n",
        encoding="utf-8",
    )
    secrets.set_token("pipedrive", TOKEN)
    for run in ("first", "second"):
        summary = start_push(
            paths=[str(source)],
            profile=load_profile(profile_path),
            profile_path=str(profile_path),
            target="pipedrive",
            url=None,
            journal_path=tmp_path / f"{run}.journal",
            transport=httpx.MockTransport(api),
        )
        assert summary.status["failed"] == 0, summary.status
        assert summary.status["account"] == "7001"  # the company, for the audit trail
    persons = {p["emails"][0]["value"]: p for p in api.store["persons"].values()}
    orgs = {o["name"]: o["id"] for o in api.store["organizations"].values()}
    assert set(persons) == {"ada@acme.com", "bob@beta.io"}  # the rerun found them by email
    assert persons["ada@acme.com"]["name"] == "Ada Lovelace"
    assert persons["ada@acme.com"]["org_id"] == orgs["Acme Ltd"]
    assert summary.status["updated"] == 2
