"""The engine drives the other engineer's connectors too: Pipedrive (fake v2 API) end to end,
with a re-push that updates instead of duplicating, and rollback."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from crm_migrate.push.runner import resume_push, rollback_push, start_push
from tests.connectors.test_pipedrive import TOKEN, FakePipedrive
from tests.push.conftest import clean_result, contact, profile


def test_pipedrive_push_repush_and_rollback(tmp_path: Path, input_file: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_MIGRATE_TOKEN", TOKEN)
    api = FakePipedrive()
    transport = httpx.MockTransport(api)
    records = [contact(i, company="Acme" if i % 2 else "Beta") for i in range(1, 7)]
    first = start_push(paths=[input_file], profile=profile(), profile_path=None,
                       target="pipedrive", url=None, journal_path=tmp_path / "p1.journal",
                       clean_result=clean_result(records), transport=transport)
    assert first.status["state"] == "completed", first.message
    assert first.status["created"] == 6 and first.status["failed"] == 0
    assert len(api.store["persons"]) == 6 and len(api.store["organizations"]) == 2
    again = [contact(i, firstname="Changed") for i in range(4, 10)]
    second = start_push(paths=[input_file], profile=profile(), profile_path=None,
                        target="pipedrive", url=None, journal_path=tmp_path / "p2.journal",
                        clean_result=clean_result(again), transport=transport)
    assert second.status["created"] == 3 and second.status["updated"] == 3
    assert len(api.store["persons"]) == 9
    assert resume_push(tmp_path / "p2.journal", transport=transport).status["done"] == 6
    assert len(api.store["persons"]) == 9
    undone = rollback_push(tmp_path / "p2.journal", transport=transport)
    assert undone.exit_code == 0, undone.message
    assert len(api.store["persons"]) == 6  # the three it created are gone...
    assert "Changed" not in str(api.store["persons"])  # ...and the three it updated restored


def test_salesforce_push_resume_and_rollback(tmp_path: Path, input_file: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.connectors.test_salesforce import INSTANCE, FakeOrg
    from tests.connectors.test_salesforce import TOKEN as SF_TOKEN

    monkeypatch.setenv("CRM_MIGRATE_TOKEN", SF_TOKEN)
    org = FakeOrg()
    transport = httpx.MockTransport(org)
    journal = tmp_path / "sf.journal"
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="salesforce", url=INSTANCE, journal_path=journal,
                         clean_result=clean_result([contact(i) for i in range(1, 8)]),
                         transport=transport)
    assert summary.status["state"] == "completed", summary.message
    assert summary.status["created"] == 7
    assert len(org.records) == 7
    assert resume_push(journal, transport=transport).status["created"] == 7
    assert len(org.records) == 7  # nothing sent twice
    assert rollback_push(journal, transport=transport).exit_code == 0
    assert org.records == {}
