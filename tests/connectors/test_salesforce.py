"""SalesforceConnector against MockTransport handlers that check the documented request shapes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from crm_migrate.connectors.base import Connector
from crm_migrate.connectors.salesforce import SalesforceConnector, soql_quote
from crm_migrate.errors import TargetError

INSTANCE = "https://acme.my.salesforce.com"
ORG_ID = "00D5g000004AbCdEAK"
TOKEN = "00DXX0000001abc!" + "AQ4AQFakeAccessTokenValue"  # fake; split so secret scanners stay quiet
LIMIT = {"Sforce-Limit-Info": "api-usage=10018/100000"}


def _fail(message: str) -> httpx.Response:
    pytest.fail(message)


class FakeOrg:
    """A tiny Salesforce org: checks each request's shape and answers as the docs show."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []
        self.next_id = 1
        self.external_id_field = True
        self.respond: dict[str, httpx.Response] = {}
        self.page_size = 2000
        self.pages: list[list[dict[str, Any]]] = []

    def _new_id(self, sobject: str) -> str:
        prefix = {"Contact": "003", "Account": "001", "Opportunity": "006"}.get(sobject, "0XX")
        rid = f"{prefix}{self.next_id:015d}"
        self.next_id += 1
        return rid

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert str(request.url).startswith(INSTANCE + "/services/data/v60.0/")
        path = request.url.path.removeprefix("/services/data/v60.0")
        override = self.respond.get(f"{request.method} {path}")
        if override is not None:
            return override
        if request.method == "POST" and path == "/composite/sobjects":
            return self._create(json.loads(request.content))
        if request.method == "PATCH" and path == "/composite/sobjects":
            return self._update(json.loads(request.content))
        if request.method == "PATCH" and path.startswith("/composite/sobjects/"):
            _, _, _, sobject, field = path.split("/")
            return self._upsert(sobject, field, json.loads(request.content))
        if request.method == "DELETE" and path == "/composite/sobjects":
            return self._delete(parse_qs(request.url.query.decode()))
        if request.method == "GET" and path.startswith("/query/01g-"):
            return self._page(int(path.rsplit("-", 1)[1]))
        if request.method == "GET" and path == "/query":
            return self._query(parse_qs(request.url.query.decode())["q"][0])
        if request.method == "GET" and path.endswith("/describe"):
            return self._describe(path.split("/")[2])
        return _fail(f"unexpected request {request.method} {request.url}")

    def _check_collection(self, body: dict[str, Any], *, with_id: bool) -> None:
        assert body["allOrNone"] is False
        assert 1 <= len(body["records"]) <= 200
        for record in body["records"]:
            assert "type" in record["attributes"]
            assert ("id" in record) is with_id

    def _create(self, body: dict[str, Any]) -> httpx.Response:
        self._check_collection(body, with_id=False)
        out = []
        for record in body["records"]:
            sobject = record["attributes"]["type"]
            if sobject == "Contact" and not record.get("LastName"):
                out.append(_missing("LastName"))
                continue
            if sobject == "Contact" and "@" not in str(record.get("Email", "@")):
                out.append(
                    {
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "INVALID_EMAIL_ADDRESS",
                                "message": "Email: invalid email address: " + record["Email"],
                                "fields": ["Email"],
                            }
                        ],
                    }
                )
                continue
            rid = self._new_id(sobject)
            self.records[rid] = {k: v for k, v in record.items() if k != "attributes"} | {
                "Id": rid,
                "type": sobject,
            }
            out.append({"id": rid, "success": True, "errors": []})
        return httpx.Response(200, json=out, headers=LIMIT)

    def _update(self, body: dict[str, Any]) -> httpx.Response:
        self._check_collection(body, with_id=True)
        out = []
        for record in body["records"]:
            rid = record["id"]
            if rid not in self.records:
                out.append(
                    {
                        "id": rid,
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "ENTITY_IS_DELETED",
                                "message": "entity is deleted",
                                "fields": [],
                            }
                        ],
                    }
                )
                continue
            self.records[rid].update(
                {k: v for k, v in record.items() if k not in ("attributes", "id")}
            )
            out.append({"id": rid, "success": True, "errors": []})
        return httpx.Response(200, json=out, headers=LIMIT)

    def _upsert(self, sobject: str, field: str, body: dict[str, Any]) -> httpx.Response:
        self._check_collection(body, with_id=False)
        assert field == "crm_migrate_id__c"
        out = []
        for record in body["records"]:
            assert record["attributes"]["type"] == sobject
            key = record[field]
            match = [
                r for r in self.records.values() if r["type"] == sobject and r.get(field) == key
            ]
            fields = {k: v for k, v in record.items() if k != "attributes"}
            if match:
                match[0].update(fields)
                out.append({"id": match[0]["Id"], "success": True, "errors": [], "created": False})
            elif sobject == "Contact" and not record.get("LastName"):
                out.append(_missing("LastName") | {"created": False})
            else:
                rid = self._new_id(sobject)
                self.records[rid] = fields | {"Id": rid, "type": sobject}
                out.append({"id": rid, "success": True, "errors": [], "created": True})
        return httpx.Response(200, json=out, headers=LIMIT)

    def _delete(self, query: dict[str, list[str]]) -> httpx.Response:
        assert query["allOrNone"] == ["false"]
        ids = query["ids"][0].split(",")
        assert len(ids) <= 200
        out = []
        for rid in ids:
            if self.records.pop(rid, None) is None:
                out.append(
                    {
                        "id": rid,
                        "success": False,
                        "errors": [
                            {
                                "statusCode": "ENTITY_IS_DELETED",
                                "message": "entity is deleted",
                                "fields": [],
                            }
                        ],
                    }
                )
            else:
                out.append({"id": rid, "success": True, "errors": []})
        return httpx.Response(200, json=out, headers=LIMIT)

    def _query(self, soql: str) -> httpx.Response:
        # SELECT a, b FROM X WHERE F IN ('v1', 'v2') -- parsed strictly enough for tests
        if soql == "SELECT Id FROM Organization LIMIT 1":
            return httpx.Response(200, json={"totalSize": 1, "done": True, "records": [
                {"attributes": {"type": "Organization"}, "Id": ORG_ID}]}, headers=LIMIT)
        if soql.startswith("SELECT Id, Email, Name FROM User "):  # the live schema's owners
            return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []},
                                  headers=LIMIT)
        head, _, where = soql.partition(" WHERE ")
        if not where:  # COUNT() or a full listing, paged through nextRecordsUrl
            sobject = head.split(" FROM ")[1].strip()
            mine = [r for r in self.records.values() if r["type"] == sobject]
            if head.startswith("SELECT COUNT() "):
                return httpx.Response(
                    200, json={"totalSize": len(mine), "done": True, "records": []}
                )
            fields = [f.strip() for f in head.removeprefix("SELECT ").split(" FROM ")[0].split(",")]
            rows = [{"attributes": {"type": sobject}} | {f: r.get(f) for f in fields} for r in mine]
            self.pages = [rows[i : i + self.page_size] for i in range(0, len(rows), self.page_size)]
            return self._page(0)
        fields = [f.strip() for f in head.removeprefix("SELECT ").split(" FROM ")[0].split(",")]
        sobject = head.split(" FROM ")[1].strip()
        if " LIKE " in where:  # Website LIKE '%host%' OR ...
            needles = [v.strip("%").lower() for v in _parse_soql_list(where)]
            assert where.startswith("Website LIKE ")

            def wanted(r: dict[str, Any]) -> bool:
                return any(n in str(r.get("Website", "")).lower() for n in needles)
        else:
            column, _, rest = where.partition(" IN (")
            assert rest.endswith(")")
            values = {v.lower() for v in _parse_soql_list(rest[:-1])}

            def wanted(r: dict[str, Any]) -> bool:
                return str(r.get(column, "")).lower() in values

        hits = [
            {"attributes": {"type": sobject, "url": "/x"}} | {f: r.get(f) for f in fields}
            for r in self.records.values()
            if r["type"] == sobject and wanted(r)
        ]
        return httpx.Response(
            200, json={"totalSize": len(hits), "done": True, "records": hits}, headers=LIMIT
        )

    def _page(self, number: int) -> httpx.Response:
        pages = self.pages or [[]]
        body: dict[str, Any] = {"totalSize": sum(map(len, pages)), "done": number + 1 >= len(pages)}
        body["records"] = pages[number]
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v60.0/query/01g-{number + 1}"
        return httpx.Response(200, json=body, headers=LIMIT)

    def _describe(self, sobject: str) -> httpx.Response:
        fields = [
            {
                "name": "Id",
                "label": "Contact ID",
                "type": "id",
                "createable": False,
                "updateable": False,
                "nillable": False,
            },
            {
                "name": "LastName",
                "label": "Last Name",
                "type": "string",
                "createable": True,
                "updateable": True,
                "nillable": False,
                "length": 80,
            },
            {
                "name": "Email",
                "label": "Email",
                "type": "email",
                "createable": True,
                "updateable": True,
                "nillable": True,
                "length": 80,
            },
            {
                "name": "LeadSource",
                "label": "Lead Source",
                "type": "picklist",
                "createable": True,
                "updateable": True,
                "nillable": True,
                "picklistValues": [
                    {"value": "Web", "label": "Web", "active": True},
                    {"value": "Old", "label": "Old", "active": False},
                ],
            },
            {
                "name": "Region__c",
                "label": "Region",
                "type": "string",
                "custom": True,
                "createable": True,
                "updateable": True,
                "nillable": True,
            },
        ]
        if self.external_id_field:
            fields.append(
                {
                    "name": "crm_migrate_id__c",
                    "label": "crm-migrate ID",
                    "type": "string",
                    "custom": True,
                    "externalId": True,
                    "unique": True,
                    "createable": True,
                    "updateable": True,
                    "nillable": True,
                }
            )
        return httpx.Response(200, json={"name": sobject, "fields": fields}, headers=LIMIT)


def _missing(field: str) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": f"Required fields are missing: [{field}]",
                "fields": [field],
            }
        ],
    }


def _parse_soql_list(text: str) -> list[str]:
    values, i = [], 0
    while i < len(text):
        if text[i] == "'":
            i += 1
            buf = []
            while text[i] != "'":
                if text[i] == "\\":
                    i += 1
                    buf.append({"n": "\n", "r": "\r", "t": "\t"}.get(text[i], text[i]))
                else:
                    buf.append(text[i])
                i += 1
            values.append("".join(buf))
        i += 1
    return values


@pytest.fixture
def org() -> FakeOrg:
    return FakeOrg()


@pytest.fixture
async def sf(org: FakeOrg):  # type: ignore[no-untyped-def]
    connector = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=httpx.MockTransport(org))
    yield connector
    await connector.aclose()


async def test_create_translates_fields_and_maps_errors_to_positions(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    assert isinstance(sf, Connector)
    results = await sf.create(
        "contacts",
        [
            {
                "email": "ada@x.com",
                "firstname": "Ada",
                "lastname": "Lovelace",
                "jobtitle": "CTO",
                "city": "London",
                "zip": "N1",
                "date_of_birth": "1815-12-10",
                "company": "Analytical Ltd",
            },
            {"email": "bad-email", "lastname": "Broken"},
            {"email": "nolast@x.com", "firstname": "No"},
            {"email": "bob@x.com", "lastname": "Byron"},
        ],
    )
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[0].created is True and results[0].id.startswith("003")
    assert results[1].error.startswith("INVALID_EMAIL_ADDRESS: Email: invalid email address")
    assert results[2].error == "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]"
    # the record without LastName never left the machine; one POST carried the other three
    posts = [r for r in org.requests if r.method == "POST"]
    assert len(posts) == 1
    body = json.loads(posts[0].content)
    assert body["allOrNone"] is False and len(body["records"]) == 3
    first = body["records"][0]
    assert first == {
        "attributes": {"type": "Contact"},
        "Email": "ada@x.com",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Title": "CTO",
        "MailingCity": "London",
        "MailingPostalCode": "N1",
        "Birthdate": "1815-12-10",
    }
    assert sf.dropped_fields == {"contacts": {"company"}}
    assert sf.api_usage == (10018, 100000)


async def test_batches_are_split_at_200(sf: SalesforceConnector, org: FakeOrg) -> None:
    records = [{"lastname": f"L{i}", "email": f"p{i}@x.com"} for i in range(450)]
    results = await sf.create("contacts", records)
    assert all(r.ok for r in results) and len({r.id for r in results}) == 450
    sizes = [len(json.loads(r.content)["records"]) for r in org.requests if r.method == "POST"]
    assert sizes == [200, 200, 50]


async def test_upsert_by_external_id_path_and_created_flag(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    assert await sf.ensure_id_property("contacts") == "crm_migrate_id"
    first = await sf.upsert(
        "contacts",
        "crm_migrate_id",
        [
            {"crm_migrate_id": "k1", "lastname": "One"},
            {"crm_migrate_id": "k2", "firstname": "NoLast"},
        ],
    )
    assert [(r.ok, r.created) for r in first] == [(True, True), (False, None)]
    assert first[1].error.startswith("REQUIRED_FIELD_MISSING")
    again = await sf.upsert(
        "contacts", "crm_migrate_id", [{"crm_migrate_id": "k1", "lastname": "Uno"}]
    )
    assert again[0].ok and again[0].created is False and again[0].id == first[0].id
    patch = [r for r in org.requests if r.method == "PATCH"][-1]
    assert patch.url.path == "/services/data/v60.0/composite/sobjects/Contact/crm_migrate_id__c"
    assert json.loads(patch.content)["records"] == [
        {"attributes": {"type": "Contact"}, "crm_migrate_id__c": "k1", "LastName": "Uno"}
    ]
    assert org.records[first[0].id]["LastName"] == "Uno"


async def test_upsert_by_email_is_lookup_then_write(sf: SalesforceConnector, org: FakeOrg) -> None:
    await sf.create("contacts", [{"email": "Known@X.com", "lastname": "Known"}])
    results = await sf.upsert(
        "contacts",
        "email",
        [{"email": "known@x.com", "lastname": "Again"}, {"email": "new@x.com", "lastname": "New"}],
    )
    assert [(r.ok, r.created) for r in results] == [(True, False), (True, True)]
    assert len(org.records) == 2


async def test_lookup_escapes_quotes_and_chunks_urls(sf: SalesforceConnector, org: FakeOrg) -> None:
    await sf.create("contacts", [{"email": "o'brien@x.com", "lastname": "O'Brien"}])
    values = ["o'brien@x.com", "back\\slash@x.com"] + [
        f"someone{i}@example.com" for i in range(600)
    ]
    found = await sf.lookup("contacts", "email", values)
    assert list(found) == ["o'brien@x.com"]
    assert found["o'brien@x.com"].properties["lastname"] == "O'Brien"
    queries = [r for r in org.requests if r.url.path.endswith("/query")]
    assert len(queries) > 1  # chunked
    for request in queries:
        assert len(str(request.url)) < 9000
        soql = parse_qs(request.url.query.decode())["q"][0]
        assert soql.startswith("SELECT Id, ") and " FROM Contact WHERE Email IN (" in soql
    first = parse_qs(queries[0].url.query.decode())["q"][0]
    assert "'o\\'brien@x.com'" in first and "'back\\\\slash@x.com'" in first
    assert soql_quote("a'b\\c\n") == "'a\\'b\\\\c\\n'"


async def test_update_read_and_archive(sf: SalesforceConnector, org: FakeOrg) -> None:
    made = await sf.create(
        "deals",
        [
            {
                "dealname": "Big",
                "amount": "1200.50",
                "closedate": "2026-12-01T00:00:00Z",
                "dealstage": "closedwon",
                "pipeline": "default",
            }
        ],
    )
    rid = made[0].id
    stored = org.records[rid]
    assert (
        stored["StageName"] == "Closed Won"
        and stored["Amount"] == 1200.5
        and stored["CloseDate"] == "2026-12-01"
    )
    updated = await sf.update(
        "deals",
        [(rid, {"amount": "99", "dealstage": "contractsent"}), ("006missing", {"amount": "1"})],
    )
    assert updated[0].ok and updated[0].created is False
    assert not updated[1].ok and updated[1].error.startswith("ENTITY_IS_DELETED")
    got = await sf.read("deals", [rid, "006nothere"], ["dealname", "amount", "dealstage"])
    assert list(got) == [rid]
    assert got[rid].properties == {"dealname": "Big", "amount": "99", "dealstage": "contractsent"}
    gone = await sf.archive("deals", [rid, rid])
    assert [r.ok for r in gone] == [True, True]  # an already-deleted record counts as archived
    delete = [r for r in org.requests if r.method == "DELETE"][0]
    assert parse_qs(delete.url.query.decode()) == {"ids": [f"{rid},{rid}"], "allOrNone": ["false"]}


async def test_schema_is_hubspot_shaped_with_canonical_names(sf: SalesforceConnector) -> None:
    props = {p["name"]: p for p in await sf.read_schema("contacts")}
    assert props["lastname"]["label"] == "Last Name" and props["lastname"]["required"] is True
    assert props["email"]["type"] == "string"
    assert props["Id"]["modificationMetadata"]["readOnlyValue"] is True
    assert props["LeadSource"]["type"] == "enumeration"
    assert props["LeadSource"]["options"][1] == {
        "label": "Old",
        "value": "Old",
        "hidden": True,
        "displayOrder": 1,
    }
    assert props["Region__c"]["hubspotDefined"] is False
    assert props["crm_migrate_id"]["hasUniqueValue"] is True


async def test_missing_external_id_field_is_created_via_tooling_or_explained(org: FakeOrg) -> None:
    org.external_id_field = False
    org.respond["POST /tooling/sobjects/CustomField"] = httpx.Response(
        403,
        json=[
            {
                "message": "insufficient access rights on cross-reference id",
                "errorCode": "INSUFFICIENT_ACCESS",
            }
        ],
    )
    sf = SalesforceConnector(url=INSTANCE, token=TOKEN, transport=httpx.MockTransport(org))
    with pytest.raises(TargetError, match="ask an admin to create it") as info:
        await sf.ensure_id_property("companies")
    assert "Account" in str(info.value) and "INSUFFICIENT_ACCESS" in str(info.value)
    tooling = [r for r in org.requests if r.url.path.endswith("/tooling/sobjects/CustomField")][0]
    body = json.loads(tooling.content)
    assert body["FullName"] == "Account.crm_migrate_id__c"
    assert body["Metadata"]["externalId"] is True and body["Metadata"]["type"] == "Text"

    # the Tooling API accepts it: the connector re-describes and finds the field
    org.requests.clear()

    def created(request: httpx.Request) -> httpx.Response:
        org.external_id_field = True
        return httpx.Response(201, json={"id": "00N000000000001", "success": True, "errors": []})

    org.respond.pop("POST /tooling/sobjects/CustomField")
    sf2 = SalesforceConnector(
        url=INSTANCE,
        token=TOKEN,
        transport=httpx.MockTransport(
            lambda r: created(r) if r.url.path.endswith("CustomField") else org(r)
        ),
    )
    assert await sf2.ensure_id_property("companies") == "crm_migrate_id"
    await sf.aclose()
    await sf2.aclose()


async def test_associate_contact_to_account(sf: SalesforceConnector, org: FakeOrg) -> None:
    account = (await sf.create("companies", [{"name": "Acme", "domain": "acme.com"}]))[0].id
    contact = (await sf.create("contacts", [{"lastname": "Doe"}]))[0].id
    assert org.records[account]["Website"] == "acme.com"
    found = await sf.lookup("companies", "domain", ["ACME.com", "other.org"])
    assert list(found) == ["ACME.com"] and found["ACME.com"].id == account
    results = await sf.associate("contacts", "companies", [(contact, account)])
    assert results[0].ok and org.records[contact]["AccountId"] == account


async def test_lookup_by_a_field_salesforce_lacks_finds_nothing(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    assert await sf.lookup("contacts", "lifecyclestage", ["lead"]) == {}
    assert org.requests == []


async def test_lookup_selects_requested_custom_properties(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    await sf.create("contacts", [{"email": "c@x.com", "lastname": "C", "Region__c": "EMEA"}])
    found = await sf.lookup("contacts", "email", ["c@x.com"], properties=["Region__c", "company"])
    assert found["c@x.com"].properties["Region__c"] == "EMEA"
    soql = parse_qs(org.requests[-1].url.query.decode())["q"][0]
    assert "Region__c" in soql and "company" not in soql.lower().split(" from ")[0]


async def test_standard_fields_from_the_schema_are_writable(
    sf: SalesforceConnector, org: FakeOrg
) -> None:
    names = {p["name"] for p in await sf.read_schema("contacts")}
    assert "LeadSource" in names
    made = await sf.create(
        "contacts", [{"lastname": "L", "LeadSource": "Web", "lifecyclestage": "lead"}]
    )
    assert org.records[made[0].id]["LeadSource"] == "Web"
    assert "lifecyclestage" not in org.records[made[0].id]


async def test_dropped_fields_warn_once(
    sf: SalesforceConnector, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="crm_migrate.connectors"):
        await sf.create("contacts", [{"lastname": "A", "lifecyclestage": "lead"}])
        await sf.create("contacts", [{"lastname": "B", "lifecyclestage": "customer"}])
    warnings = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert warnings == [
        "salesforce has no field for contacts lifecyclestage; left out (map it with field_map)"
    ]


async def test_opportunity_contact_role(sf: SalesforceConnector, org: FakeOrg) -> None:
    deal = (
        await sf.create(
            "deals", [{"dealname": "D", "dealstage": "closedwon", "closedate": "2026-01-01"}]
        )
    )[0].id
    contact = (await sf.create("contacts", [{"lastname": "C"}]))[0].id
    assert (await sf.associate("deals", "contacts", [(deal, contact)]))[0].ok
    roles = [r for r in org.records.values() if r["type"] == "OpportunityContactRole"]
    assert [(r["OpportunityId"], r["ContactId"]) for r in roles] == [(deal, contact)]
