"""PipedriveConnector against a MockTransport handler that checks the documented v2 shapes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from crm_migrate.connectors.base import Connector, TransientError
from crm_migrate.connectors.pipedrive import PipedriveConnector
from crm_migrate.errors import AuthError

TOKEN = "0123456789abcdef0123456789abcdef01234567"
CUSTOM = "a" * 40  # the account's "Job title" person field
SHOE = "b" * 40  # an enum person field
ADDRESS = "c" * 40  # the account's "Address" person field (type address)
BIRTHDAY = "d" * 40  # a date field
SCORE = "e" * 40  # a double field
TAGS = "f" * 40  # a set (multi-option) field
BUDGET = "0" * 40  # a monetary deal field
PERSON_FIELDS = [
    {"key": "name", "name": "Name", "field_type": "varchar", "mandatory_flag": True,
     "edit_flag": False},
    {"key": "email", "name": "Email", "field_type": "varchar", "edit_flag": False},
    {"key": CUSTOM, "name": "Job title", "field_type": "varchar", "edit_flag": True},
    {"key": SHOE, "name": "Shoe size", "field_type": "enum", "edit_flag": True,
     "options": [{"id": 1, "label": "S"}, {"id": 2, "label": "M"}]},
    {"key": ADDRESS, "name": "Address", "field_type": "address", "edit_flag": True},
    {"key": BIRTHDAY, "name": "Birthday", "field_type": "date", "edit_flag": True},
    {"key": SCORE, "name": "Score", "field_type": "double", "edit_flag": True},
    {"key": TAGS, "name": "Tags", "field_type": "set", "edit_flag": True,
     "options": [{"id": 31, "label": "VIP"}, {"id": 32, "label": "Partner"},
                 {"id": 33, "label": "Press"}]},
]
DEAL_FIELDS = [
    {"key": "title", "name": "Title", "field_type": "varchar", "mandatory_flag": True},
    {"key": "stage_id", "name": "Stage", "field_type": "stage"},
    {"key": "pipeline_id", "name": "Pipeline", "field_type": "double"},
    {"key": BUDGET, "name": "Budget", "field_type": "monetary", "edit_flag": True},
]
PIPELINES = [{"id": 1, "name": "Sales", "active": True, "order_nr": 1},
             {"id": 2, "name": "Partners", "active": True, "order_nr": 2}]
STAGES = [
    {"id": 7, "name": "Qualified To Buy", "pipeline_id": 1, "pipeline_name": "Sales",
     "order_nr": 1, "active_flag": True},
    {"id": 8, "name": "Demo", "pipeline_id": 1, "pipeline_name": "Sales", "order_nr": 2,
     "active_flag": True},
    {"id": 21, "name": "Demo", "pipeline_id": 2, "pipeline_name": "Partners", "order_nr": 1,
     "active_flag": True},
    {"id": 22, "name": "Signed", "pipeline_id": 2, "pipeline_name": "Partners", "order_nr": 2,
     "active_flag": True},
]
USERS = [{"id": 11, "name": "Ann Owner", "email": "ann@corp.example", "active_flag": True},
         {"id": 12, "name": "Old Owner", "email": "old@corp.example", "active_flag": False}]


class FakePipedrive:
    """Persons, organizations, deals and stages; every request's shape is checked."""

    def __init__(self) -> None:
        self.store: dict[str, dict[int, dict[str, Any]]] = {
            "persons": {},
            "organizations": {},
            "deals": {},
        }
        self.next_id = 100
        self.requests: list[httpx.Request] = []
        self.queue: list[httpx.Response] = []  # answers served before normal handling
        self.page_size = 500
        self.search_lags = False  # records written while True stay out of search results
        self.unindexed: set[int] = set()
        self.clock = 1_800_000_000  # epoch seconds; each write stamps update_time, then ticks

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers["x-api-token"] == TOKEN
        assert TOKEN not in str(request.url) and "api_token" not in str(request.url)
        assert request.url.host == "api.pipedrive.com"
        if self.queue:
            return self.queue.pop(0)
        path = request.url.path
        headers = {
            "x-ratelimit-limit": "40",
            "x-ratelimit-remaining": "39",
            "x-ratelimit-reset": "2",
        }
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v2"]:
            entity = parts[2]
            if len(parts) == 4 and parts[3] == "search":
                return self._search(entity, request)
            if request.method == "POST" and len(parts) == 3:
                body = json.loads(request.content)
                self._check_body(entity, body)
                rid = self.next_id
                self.next_id += 1
                self.store[entity][rid] = body | {"id": rid, "update_time": self._stamp()}
                if self.search_lags:
                    self.unindexed.add(rid)
                return httpx.Response(
                    200, json={"success": True, "data": self.store[entity][rid]}, headers=headers
                )
            if request.method == "GET" and len(parts) == 3 and "ids" not in request.url.params:
                assert request.url.params["limit"] == "500"
                start = int(request.url.params.get("cursor", "0"))
                mine = list(self.store[entity].values())
                since = request.url.params.get("updated_since")
                if since is not None:  # RFC 3339, UTC
                    assert since.endswith("Z") and "T" in since, since
                    mine = [r for r in mine if r["update_time"] >= since.replace("T", " ")[:-1]]
                page = mine[start : start + self.page_size]
                more = start + self.page_size < len(mine)
                extra = {"next_cursor": str(start + self.page_size) if more else None}
                return httpx.Response(
                    200, json={"success": True, "data": page, "additional_data": extra}
                )
            if request.method == "GET" and len(parts) == 3:
                ids = [int(i) for i in request.url.params["ids"].split(",")]
                assert len(ids) <= 100
                data = [self.store[entity][i] for i in ids if i in self.store[entity]]
                return httpx.Response(
                    200,
                    json={"success": True, "data": data, "additional_data": {"next_cursor": None}},
                    headers=headers,
                )
            rid = int(parts[3])
            if rid not in self.store[entity]:
                return httpx.Response(
                    404,
                    json={
                        "success": False,
                        "error": "Item not found",
                        "error_info": "Please check developers.pipedrive.com",
                    },
                )
            if request.method == "PATCH":
                body = json.loads(request.content)
                self._check_body(entity, body, creating=False)
                self.store[entity][rid].update(body)
                self.store[entity][rid]["update_time"] = self._stamp()
                return httpx.Response(
                    200, json={"success": True, "data": self.store[entity][rid]}, headers=headers
                )
            if request.method == "DELETE":
                del self.store[entity][rid]
                return httpx.Response(
                    200, json={"success": True, "data": {"id": rid}}, headers=headers
                )
        if path == "/v1/users/me":  # the token's user (the run's audit names its company)
            return httpx.Response(200, json={"success": True,
                                             "data": {"id": 1, "company_id": 7001}})
        v1_lists = {"/v1/pipelines": PIPELINES, "/v1/stages": STAGES, "/v1/users": USERS}
        if path in v1_lists:
            return httpx.Response(200, json={"success": True, "data": v1_lists[path]},
                                  headers=headers)
        fields = {"/v1/personFields": PERSON_FIELDS, "/v1/dealFields": DEAL_FIELDS,
                  "/v1/organizationFields": [
                      {"key": "name", "name": "Name", "field_type": "varchar"},
                      {"key": "address", "name": "Address", "field_type": "address"}]}
        if path in fields:
            data = fields[path]
            return httpx.Response(
                200,
                json={
                    "success": True,
                    "data": data,
                    "additional_data": {"pagination": {"more_items_in_collection": False}},
                },
            )
        pytest.fail(f"unexpected {request.method} {request.url}")

    def _stamp(self) -> str:
        """An update_time ("YYYY-MM-DD HH:MM:SS", UTC, as Pipedrive writes it)."""
        import datetime as dt

        self.clock += 1
        return dt.datetime.fromtimestamp(self.clock, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")

    def _check_body(self, entity: str, body: dict[str, Any], creating: bool = True) -> None:
        for key, value in (body.get("custom_fields") or {}).items():
            kind = {f["key"]: f["field_type"] for f in PERSON_FIELDS + DEAL_FIELDS}.get(key)
            if kind == "enum":
                assert value is None or isinstance(value, int), (key, value)
            if kind == "set":
                assert value is None or all(isinstance(v, int) for v in value), (key, value)
            if kind in ("double", "monetary"):
                assert value is None or isinstance(value, int | float), (key, value)
            if kind == "date":
                assert value is None or (len(value) == 10 and value[4] == "-"), (key, value)
            if kind == "address":
                assert value is None or isinstance(value, dict) and value.get("value"), value
        if entity == "persons":
            assert set(body) <= {"name", "emails", "phones", "org_id", "custom_fields"}, body
            if creating:
                assert body.get("name")
            for entry in body.get("emails", []) + body.get("phones", []):
                assert set(entry) == {"value", "primary", "label"}
        if entity == "deals":
            assert set(body) <= {
                "title",
                "value",
                "currency",
                "expected_close_date",
                "stage_id",
                "status",
                "pipeline_id",
                "org_id",
                "person_id",
                "custom_fields",
            }
        if entity == "organizations":
            assert set(body) <= {"name", "address"}

    def _search(self, entity: str, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["exact_match"] == "true"
        term = params["term"]
        items = []
        for rid, rec in self.store[entity].items():
            if rid in self.unindexed:
                continue
            if params["fields"] == "email":
                emails = [e["value"] for e in rec.get("emails", [])]
                if term.lower() in [e.lower() for e in emails]:
                    items.append(
                        {
                            "result_score": 1.0,
                            "item": {
                                "id": rid,
                                "type": "person",
                                "name": rec["name"],
                                "emails": emails,
                                "phones": [],
                            },
                        }
                    )
            elif params["fields"] == "name" and rec.get("name", "").lower() == term.lower():
                items.append(
                    {
                        "result_score": 1.0,
                        "item": {"id": rid, "type": "organization", "name": rec["name"]},
                    }
                )
        return httpx.Response(
            200,
            json={
                "success": True,
                "data": {"items": items},
                "additional_data": {"next_cursor": None},
            },
            headers={
                "x-ratelimit-limit": "10",
                "x-ratelimit-remaining": "9",
                "x-ratelimit-reset": "2",
            },
        )


@pytest.fixture
def api() -> FakePipedrive:
    return FakePipedrive()


@pytest.fixture
async def pd(api: FakePipedrive):  # type: ignore[no-untyped-def]
    connector = PipedriveConnector(
        token=TOKEN,
        transport=httpx.MockTransport(api),
        field_map={"contacts": {"jobtitle": CUSTOM}},
    )
    yield connector
    await connector.aclose()


async def test_create_person_body_and_header_auth(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    assert isinstance(pd, Connector)
    results = await pd.create(
        "contacts",
        [
            {
                "firstname": "Ada",
                "lastname": "Lovelace",
                "email": "ada@x.com",
                "phone": "+441234",
                "mobilephone": "+447777",
                "jobtitle": "CTO",
                "city": "London",
            }
        ],
    )
    assert results[0].ok and results[0].created is True and results[0].id == "100"
    post = [r for r in api.requests if r.method == "POST"][0]
    assert post.url.path == "/api/v2/persons"
    assert json.loads(post.content) == {
        "name": "Ada Lovelace",
        "emails": [{"value": "ada@x.com", "primary": True, "label": "work"}],
        "phones": [
            {"value": "+441234", "primary": True, "label": "work"},
            {"value": "+447777", "primary": False, "label": "mobile"},
        ],
        # job title and address go to the account's own "Job title" and "Address" fields
        "custom_fields": {CUSTOM: "CTO", ADDRESS: {"value": "London", "locality": "London"}},
    }
    assert pd.dropped_fields == {}
    assert pd.limiter.max_requests == 40  # learned from x-ratelimit-limit


async def test_upsert_searches_then_creates_or_updates(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    await pd.create("contacts", [{"firstname": "Old", "email": "Known@x.com"}])
    results = await pd.upsert(
        "contacts",
        "email",
        [
            {"email": "known@x.com", "firstname": "New", "lastname": "Name"},
            {"email": "fresh@x.com", "lastname": "Fresh"},
        ],
    )
    assert [(r.ok, r.created, r.id) for r in results] == [(True, False, "100"), (True, True, "101")]
    searches = [r for r in api.requests if r.url.path == "/api/v2/persons/search"]
    assert [s.url.params["term"] for s in searches] == ["known@x.com", "fresh@x.com"]
    assert all(s.url.params["fields"] == "email" for s in searches)
    patch = [r for r in api.requests if r.method == "PATCH"][0]
    assert patch.url.path == "/api/v2/persons/100"
    assert "emails" not in json.loads(patch.content)  # matched by email: their list stays
    assert api.store["persons"][100]["name"] == "New Name"
    assert await pd.ensure_id_property("contacts") == "email"


async def test_read_and_archive(pd: PipedriveConnector, api: FakePipedrive) -> None:
    made = await pd.create(
        "contacts",
        [{"firstname": "A", "lastname": "B", "email": "a@b.com", "mobilephone": "+1555"}],
    )
    got = await pd.read("contacts", [made[0].id, "999"], [])
    assert list(got) == [made[0].id]
    assert got[made[0].id].properties == {
        "firstname": "A",
        "lastname": "B",
        "email": "a@b.com",
        "mobilephone": "+1555",
    }
    gone = await pd.archive("contacts", [made[0].id, made[0].id])
    assert [r.ok for r in gone] == [True, True]  # the second DELETE answers 404: already gone


async def test_per_record_error_keeps_position(pd: PipedriveConnector, api: FakePipedrive) -> None:
    bad = httpx.Response(
        400,
        json={
            "success": False,
            "error": "Validation failed: emails: invalid",
            "error_info": "see docs",
        },
    )
    api.queue.append(bad)
    results = await pd.update("contacts", [("555", {"email": "x"})])
    assert (
        not results[0].ok
        and results[0].error == "HTTP 400: Validation failed: emails: invalid - see docs"
    )


async def test_429_waits_for_reset_then_succeeds(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    api.queue.append(
        httpx.Response(
            429,
            json={"success": False, "error": "Too many requests"},
            headers={
                "x-ratelimit-limit": "20",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": "0.05",
            },
        )
    )
    results = await pd.create(
        "companies", [{"name": "Acme", "city": "Paris", "zip": "75001", "country": "France"}]
    )
    assert results[0].ok
    posts = [r for r in api.requests if r.method == "POST"]
    assert len(posts) == 2 and posts[0].content == posts[1].content
    assert json.loads(posts[1].content)["address"] == {
        "value": "Paris, 75001, France",
        "locality": "Paris",
        "postal_code": "75001",
        "country": "France",
    }


async def test_429_exhausted_is_transient_with_retry_after(api: FakePipedrive) -> None:
    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api), max_429_retries=1)
    for _ in range(2):
        api.queue.append(
            httpx.Response(
                429,
                json={"success": False, "error": "Rate limit exceeded"},
                headers={"Retry-After": "0.01", "x-ratelimit-reset": "0.01"},
            )
        )
    with pytest.raises(TransientError) as info:
        await pd.create("contacts", [{"firstname": "X", "email": "x@y.com"}])
    assert info.value.status == 429 and info.value.retry_after == pytest.approx(0.01)
    assert info.value.maybe_committed is False
    await pd.aclose()


async def test_5xx_in_a_keyed_batch_raises_maybe_committed_with_partial_results(
    api: FakePipedrive,
) -> None:
    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api), concurrency=1)
    api.queue.extend([httpx.Response(200, json={"success": True, "data": {"items": []}})] * 2)
    api.queue.append(httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(TransientError) as info:
        await pd.upsert("contacts", "email", [{"email": "a@x.com"}, {"email": "b@x.com"}])
    assert info.value.maybe_committed is True  # the engine looks both up by email, then resends
    partial = info.value.results  # type: ignore[attr-defined]
    assert [(r.index, r.ok) for r in partial] == [(1, True)]
    await pd.aclose()


async def test_5xx_in_a_keyless_create_fails_only_the_lost_record(api: FakePipedrive) -> None:
    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api), concurrency=1)
    api.queue.append(httpx.Response(502, text="Bad Gateway"))
    results = await pd.create("deals", [{"dealname": "A"}, {"dealname": "B"}])
    assert [(r.index, r.ok, r.retryable) for r in results] == [(0, False, False), (1, True, False)]
    assert "may have been created" in results[0].error
    assert len(api.store["deals"]) == 1  # nothing will be resent blindly
    # when nothing landed, the whole batch is transient and may be retried
    api.queue.append(httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(TransientError):
        await pd.create("deals", [{"dealname": "C"}])
    await pd.aclose()


async def test_401_is_auth_error_without_token(api: FakePipedrive) -> None:
    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api))
    api.queue.append(
        httpx.Response(
            401, json={"success": False, "error": "unauthorized access", "errorCode": 401}
        )
    )
    with pytest.raises(AuthError) as info:
        await pd.lookup("contacts", "email", ["a@b.com"])
    assert TOKEN not in str(info.value)
    await pd.aclose()


async def test_deals_stage_translation(pd: PipedriveConnector, api: FakePipedrive) -> None:
    results = await pd.create(
        "deals",
        [
            {
                "dealname": "Won",
                "amount": "1200.5",
                "closedate": "2026-12-01T00:00:00Z",
                "dealstage": "closedwon",
            },
            {"dealname": "Qual", "dealstage": "qualifiedtobuy", "pipeline": "Sales"},
            {"dealname": "Unknown", "dealstage": "nosuchstage"},
            {"dealname": "Partner demo", "dealstage": "demo", "pipeline": "partners"},
            {"dealname": "By id", "dealstage": "22", "pipeline": "2"},
            {"dealname": "Which demo", "dealstage": "Demo"},
            {"dealname": "HubSpot's", "dealstage": "appointmentscheduled", "pipeline": "default"},
            {"dealname": "Other pipeline's", "dealstage": "7", "pipeline": "Partners"},
        ],
    )
    assert [r.ok for r in results] == [True, True, False, True, True, False, False, False]
    assert results[2].error.startswith("INVALID_STAGE")
    assert "several pipelines (Sales, Partners)" in results[5].error
    assert results[6].error.startswith("INVALID_PIPELINE: no Pipedrive pipeline 'default'")
    assert results[7].error.startswith("INVALID_STAGE") and "pipeline 2" in results[7].error
    assert [r.url.path for r in api.requests if r.url.path.startswith("/v1/")].count(
        "/v1/stages") == 1  # read once
    bodies = [json.loads(r.content) for r in api.requests if r.method == "POST"]
    assert {
        "title": "Won",
        "value": 1200.5,
        "expected_close_date": "2026-12-01",
        "status": "won",
    } in bodies
    assert {"title": "Qual", "pipeline_id": 1, "stage_id": 7} in bodies
    assert {"title": "Partner demo", "pipeline_id": 2, "stage_id": 21} in bodies
    assert {"title": "By id", "pipeline_id": 2, "stage_id": 22} in bodies


async def test_schema_and_lookup_organizations(pd: PipedriveConnector, api: FakePipedrive) -> None:
    schema = {p["name"]: p for p in await pd.read_schema("contacts")}
    assert schema["jobtitle"]["targetName"] == CUSTOM and schema["jobtitle"]["options"] == []
    assert schema["address"]["targetName"] == ADDRESS
    assert schema[SHOE]["options"] == [
        {"label": "S", "value": "1", "hidden": False, "displayOrder": 0},
        {"label": "M", "value": "2", "hidden": False, "displayOrder": 1},
    ]
    assert schema["jobtitle"]["hubspotDefined"] is False and schema["name"]["required"] is True
    await pd.create("companies", [{"name": "Acme Inc"}])
    found = await pd.lookup("companies", "name", ["ACME inc", "Other"])
    assert list(found) == ["ACME inc"]
    assert await pd.ensure_id_property("companies") == "name"
    linked = await pd.associate("contacts", "companies", [("555", found["ACME inc"].id)])
    assert not linked[0].ok  # person 555 does not exist: a 404 is a failed row, not an exception


async def test_rolling_limiter_keeps_the_burst_budget() -> None:
    import asyncio
    import time

    from crm_migrate.connectors.limiter import RollingWindowLimiter

    limiter = RollingWindowLimiter(3, 0.2, margin=0.0)
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        stamps.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(10)))
    stamps.sort()
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - start < 0.2 - 1e-3) <= 3


async def test_daily_budget_exhausted_stops_the_run(api: FakePipedrive) -> None:
    from crm_migrate.errors import TargetError

    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api))
    api.queue.append(
        httpx.Response(
            429,
            json={"success": False, "error": "Daily rate limit exceeded"},
            headers={"x-daily-requests-left": "0", "x-ratelimit-reset": "0.01"},
        )
    )
    with pytest.raises(TargetError, match="daily API budget"):
        await pd.create("contacts", [{"firstname": "X"}])
    await pd.aclose()


async def test_token_never_reaches_logs_or_urls(
    api: FakePipedrive, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api))
    with caplog.at_level(logging.DEBUG):
        await pd.upsert("contacts", "email", [{"email": "a@b.com", "firstname": "A"}])
        await pd.archive("contacts", ["100"])
    assert "HTTP Request" in caplog.text  # httpx did log each request...
    assert TOKEN not in caplog.text  # ...without the token
    assert all(TOKEN not in str(r.url) for r in api.requests)
    await pd.aclose()


async def test_lookup_by_a_field_pipedrive_lacks_finds_nothing(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    assert await pd.lookup("companies", "domain", ["acme.com"]) == {}
    assert api.requests == []  # nothing to search: no request spent


async def test_lookup_with_properties_reads_hits_in_full(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    await pd.create("contacts", [{"firstname": "Ada", "lastname": "L", "email": "ada@x.com"}])
    api.requests.clear()
    plain = await pd.lookup("contacts", "email", ["ADA@x.com"])
    assert plain["ADA@x.com"].properties == {"email": "ADA@x.com"}
    full = await pd.lookup(
        "contacts", "email", ["ada@x.com", "nobody@x.com"], properties=["firstname"]
    )
    assert full["ada@x.com"].properties == {"firstname": "Ada", "email": "ada@x.com"}
    reads = [r for r in api.requests if r.url.path == "/api/v2/persons" and r.method == "GET"]
    assert len(reads) == 1 and reads[0].url.params["ids"] == "100"


async def test_upsert_by_an_unsearchable_key_creates_without_guessing(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    api.queue.append(httpx.Response(502, text="Bad Gateway"))
    results = await pd.upsert(
        "companies",
        "crm_migrate_id",
        [{"crm_migrate_id": "cm-1", "name": "Acme"}, {"crm_migrate_id": "cm-2", "name": "Beta"}],
    )
    # no search by name: an organization found that way may predate the run, and a
    # rollback would then archive it; the lost record fails instead of being resent
    assert [(r.ok, r.created) for r in results] == [(False, None), (True, True)]
    assert not any(r.url.path.endswith("/search") for r in api.requests)
    assert "crm_migrate_id" not in pd.dropped_fields.get("companies", set())


async def test_standard_fields_pass_through(pd: PipedriveConnector, api: FakePipedrive) -> None:
    api_check = api._check_body
    api._check_body = lambda entity, body, creating=True: None  # type: ignore[method-assign]
    try:
        await pd.create(
            "contacts", [{"firstname": "A", "owner_id": "12", "visible_to": "3", "company": "X"}]
        )
    finally:
        api._check_body = api_check  # type: ignore[method-assign]
    body = json.loads([r for r in api.requests if r.method == "POST"][0].content)
    assert body == {"name": "A", "owner_id": 12, "visible_to": 3}
    assert pd.dropped_fields == {"contacts": {"company"}}


async def test_count_lists_up_to_a_cap_and_list_all_reuses_it(api: FakePipedrive) -> None:
    pd = PipedriveConnector(token=TOKEN, transport=httpx.MockTransport(api), snapshot_cap=3)
    await pd.create("contacts", [{"firstname": f"P{i}", "email": f"p{i}@x.com"} for i in range(5)])
    api.page_size = 2
    assert await pd.count("contacts") == 4  # more than the cap: stop listing, report cap + 1
    pd.snapshot_cap = 10
    api.requests.clear()
    assert await pd.count("contacts") == 5
    assert len(api.requests) == 3  # pages of 2, 2, 1
    listed = await pd.list_all("contacts", ["email"])
    assert sorted(r.properties["email"] for r in listed) == [f"p{i}@x.com" for i in range(5)]
    assert len(api.requests) == 3  # reused the count's listing
    await pd.aclose()


async def test_deal_links_to_organization_and_person(
    pd: PipedriveConnector, api: FakePipedrive
) -> None:
    deal = (await pd.create("deals", [{"dealname": "D"}]))[0].id
    org = (await pd.create("companies", [{"name": "O"}]))[0].id
    person = (await pd.create("contacts", [{"firstname": "P"}]))[0].id
    assert (await pd.associate("deals", "companies", [(deal, org)]))[0].ok
    assert (await pd.associate("deals", "contacts", [(deal, person)]))[0].ok
    stored = api.store["deals"][int(deal)]
    assert (stored["org_id"], stored["person_id"]) == (int(org), int(person))
