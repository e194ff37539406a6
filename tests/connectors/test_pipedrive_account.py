"""Pipedrive against an account shaped like a real one (FakePipedrive handler): custom values typed
by field type, the live schema (fields with options, pipelines with stages, users as owners),
rate limits, and search-then-write upserts that stay exactly-once when search lags and an
answer is lost (in a run and across a resume)."""

from __future__ import annotations

import email.utils
import json
import time
from pathlib import Path

import httpx
import pytest

from crm_migrate.connectors.pipedrive import PipedriveConnector
from crm_migrate.push.runner import resume_push, start_push
from tests.connectors.test_pipedrive import (
    BIRTHDAY,
    BUDGET,
    SCORE,
    SHOE,
    TAGS,
    TOKEN,
    FakePipedrive,
)
from tests.push.conftest import clean_result, contact, profile
from tests.push.conftest import input_file as input_file  # noqa: F401 - the fixture


@pytest.fixture
def api() -> FakePipedrive:
    return FakePipedrive()


def connector(api: FakePipedrive, **kw: object) -> PipedriveConnector:
    return PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api), **kw)  # type: ignore[arg-type]


async def test_custom_values_are_typed_by_the_fields_type(api: FakePipedrive) -> None:
    pd = connector(api)
    results = await pd.create("contacts", [
        {"firstname": "Ada", "email": "ada@x.com", SHOE: "m", TAGS: "VIP; press",
         SCORE: "4.5", BIRTHDAY: "2024-03-05T00:00:00Z"},
        {"firstname": "Bad", SHOE: "XXL"},
        {"firstname": "Worse", SCORE: "lots"},
        {"firstname": "Clear", SHOE: ""},
    ])
    deal = await pd.create("deals", [{"dealname": "Big", BUDGET: "1,200.50"}])
    await pd.aclose()
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].error.startswith("INVALID_OPTION: 'XXL' is not an option of the Pipedrive "
                                       "field 'Shoe size' (S, M)")
    assert results[2].error.startswith("INVALID_NUMBER")
    bodies = [json.loads(r.content) for r in api.requests if r.method == "POST"]
    assert bodies[0]["custom_fields"] == {SHOE: 2, TAGS: [31, 33], SCORE: 4.5,
                                          BIRTHDAY: "2024-03-05"}
    assert bodies[1]["custom_fields"] == {SHOE: None}
    assert deal[0].ok and bodies[2]["custom_fields"] == {BUDGET: 1200.5}
    fields_read = [r.url.path for r in api.requests if r.url.path.endswith("Fields")]
    assert fields_read == ["/v1/personFields", "/v1/dealFields"]  # once per object


async def test_the_live_schema_has_the_accounts_options_pipelines_and_owners(
    api: FakePipedrive,
) -> None:
    pd = connector(api)
    deals = await pd.read_live_schema("deals")
    people = await pd.read_live_schema("contacts")
    await pd.aclose()
    assert [(p.id, p.label, [(s.id, s.label) for s in p.stages]) for p in deals.pipelines] == [
        ("1", "Sales", [("7", "Qualified To Buy"), ("8", "Demo")]),
        ("2", "Partners", [("21", "Demo"), ("22", "Signed")])]
    assert deals.pipeline("partners") is deals.pipelines[1]
    stage = deals.get("dealstage")
    assert stage is not None and ("21", "Demo") in stage.options
    assert ("appointmentscheduled", "Appointment Scheduled") not in stage.options  # not HubSpot's
    assert [(o.id, o.email, o.archived) for o in deals.owners] == [
        ("11", "ann@corp.example", False), ("12", "old@corp.example", True)]
    shoe = people.get(SHOE)
    assert shoe is not None and shoe.options == (("1", "S"), ("2", "M"))
    assert people.get("jobtitle") is not None
    assert people.source == "pipedrive (live)" and people.pipelines == ()


async def test_a_429_with_retry_after_as_an_http_date_waits_then_succeeds(
    api: FakePipedrive,
) -> None:
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    api.queue.append(httpx.Response(429, json={"success": False, "error": "Too many requests"},
                                    headers={"Retry-After": when, "x-ratelimit-limit": "20",
                                             "x-ratelimit-remaining": "0"}))
    pd = connector(api)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)
        pd.limiter._blocked_until = 0.0

    pd.limiter._sleep = no_sleep
    results = await pd.create("companies", [{"name": "Acme"}])
    await pd.aclose()
    assert results[0].ok
    assert len(waits) == 1 and 1.0 <= waits[0] <= 3.5  # the date's wait, not the 2 s window


class LoseAnswer(httpx.MockTransport):
    """The person POST for `email` lands, then its answer is lost (502)."""

    def __init__(self, api: FakePipedrive, email: str) -> None:
        super().__init__(api)
        self.api = api
        self.email = email
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if (request.method == "POST" and request.url.path == "/api/v2/persons"
                and not self.lost and self.email in request.content.decode()):
            self.lost += 1
            return httpx.Response(502, text="<html>502 Bad Gateway</html>")
        return response


def persons_by_email(api: FakePipedrive) -> dict[str, int]:
    out: dict[str, int] = {}
    for person in api.store["persons"].values():
        for entry in person.get("emails") or []:
            out[entry["value"]] = out.get(entry["value"], 0) + 1
    return out


def test_a_lost_create_answer_under_search_lag_creates_the_person_once(
    api: FakePipedrive, tmp_path: Path, input_file: str,
) -> None:
    api.search_lags = True  # nothing written now shows up in search
    transport = LoseAnswer(api, "person3@example.com")
    records = [contact(i) for i in range(1, 7)]
    summary = start_push(paths=[input_file], profile=profile(), profile_path=None,
                         target="pipedrive", url=None, journal_path=tmp_path / "run.journal",
                         clean_result=clean_result(records), transport=transport, token=TOKEN)
    assert summary.status["state"] == "completed", summary.message
    assert transport.lost == 1
    counts = persons_by_email(api)
    assert counts == {f"person{i}@example.com": 1 for i in range(1, 7)}
    assert summary.status["created"] == 6 and summary.status["failed"] == 0


class CutAfter(httpx.MockTransport):
    """Everything goes through until the `n`th person POST has landed; from then on, nothing
    answers (a cable pulled, a process killed): the run stops with rows in flight."""

    def __init__(self, api: FakePipedrive, n: int) -> None:
        super().__init__(api)
        self.n = n
        self.posts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.posts >= self.n:
            raise httpx.ConnectError("connection refused")
        response = await super().handle_async_request(request)
        if request.method == "POST" and request.url.path == "/api/v2/persons":
            self.posts += 1
            if self.posts >= self.n:
                raise httpx.ReadError("connection reset")  # landed, answer lost
        return response


def test_a_run_cut_mid_write_then_resumed_under_search_lag_creates_no_duplicate(
    api: FakePipedrive, tmp_path: Path, input_file: str,
) -> None:
    api.search_lags = True
    journal = tmp_path / "run.journal"
    records = [contact(i) for i in range(1, 31)]
    cut = CutAfter(api, 12)
    first = start_push(paths=[input_file], profile=profile(), profile_path=None,
                       target="pipedrive", url=None, journal_path=journal,
                       clean_result=clean_result(records), transport=cut, token=TOKEN,
                       should_stop=lambda: cut.posts >= cut.n)  # as Ctrl-C, or a kill
    assert first.status["state"] == "interrupted"
    assert 0 < len(api.store["persons"]) < 30
    resumed = resume_push(journal, transport=httpx.MockTransport(api), token=TOKEN)
    assert resumed.status["state"] == "completed", resumed.message
    assert persons_by_email(api) == {f"person{i}@example.com": 1 for i in range(1, 31)}
    assert resumed.status["created"] == 30 and resumed.status["failed"] == 0
