"""Salesforce contract tests for a real org's shape: describe -> live schema (picklists, ISO-code
country/state fields, lengths, StageName stages, users), per-record errors named, OAuth refresh
mid-run, Bulk 2.0 failed results, contact roles not duplicated, the profile's `target:` section.

The handler reproduces Salesforce's documented request/response shapes (REST sObject
Collections, describe, SOQL query, Bulk API 2.0 ingest, OAuth 2.0 refresh token flow).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from crm_migrate import secrets
from crm_migrate.connectors.salesforce import SalesforceConnector
from crm_migrate.errors import AuthError, ProfileError
from crm_migrate.mapping.profile import load_profile, profile_from_dict
from tests.connectors.test_salesforce import INSTANCE, LIMIT, ORG_ID, FakeOrg

ACCESS = "00DXX0000001abc!" + "AQ4AQLiveAccessToken1"  # fake; split so secret scanners stay quiet
REFRESH = "5Aep861" + "FakeRefreshTokenValue.abc"
CLIENT_ID = "3MVG9FakeConsumerKey"
CLIENT_SECRET = "FakeConsumer" + "Secret123"

USERS = [
    {"Id": "005000000000001AAA", "Email": "ann@acme.com", "Name": "Ann Owner"},
    {"Id": "005000000000002AAA", "Email": "bo@acme.com", "Name": "Bo Seller"},
]
STAGES = [
    ("Prospecting", True),
    ("Qualification", True),
    ("Closed Won", True),
    ("Closed Lost", True),
    ("Legacy Stage", False),
]
ID = "crm_migrate_id"
COUNTRIES = [("DE", "Germany"), ("US", "United States"), ("FR", "France")]
STATES = [("CA", "California"), ("BY", "Bavaria")]


def _field(name: str, type_: str = "string", **kw: Any) -> dict[str, Any]:
    out = {"name": name, "label": kw.pop("label", name), "type": type_, "createable": True,
           "updateable": True, "nillable": True, "defaultedOnCreate": False, "length": 0,
           "custom": name.endswith("__c"), "picklistValues": [], "restrictedPicklist": False}
    out.update(kw)
    return out


def _picklist(values: list[tuple[str, str, bool]]) -> list[dict[str, Any]]:
    return [{"value": v, "label": lab, "active": a, "defaultValue": False} for v, lab, a in values]


DESCRIBE: dict[str, list[dict[str, Any]]] = {
    "Contact": [
        _field("Id", "id", createable=False, updateable=False, nillable=False, length=18),
        _field("FirstName", length=40, label="First Name"),
        _field("LastName", length=80, nillable=False, label="Last Name"),
        _field("Name", length=121, createable=False, updateable=False, label="Full Name"),
        _field("Email", "email", length=80),
        _field("MailingCountry", length=80),
        _field("MailingState", length=80),
        _field("MailingCountryCode", "picklist", restrictedPicklist=True,
               picklistValues=_picklist([(c, n, True) for c, n in COUNTRIES])),
        _field("MailingStateCode", "picklist", restrictedPicklist=True,
               picklistValues=_picklist([(c, n, True) for c, n in STATES])),
        _field("OwnerId", "reference", nillable=False, defaultedOnCreate=True, length=18),
        _field("LeadSource", "picklist", picklistValues=_picklist(
            [("Web", "Web", True), ("Fax", "Fax", False)]), label="Lead Source"),
        _field("Website__c", "url", length=255, label="Website"),
        _field("Lifecycle_Stage__c", "picklist", restrictedPicklist=True, label="Lifecycle",
               picklistValues=_picklist([("lead", "Lead", True), ("customer", "Customer", True)])),
        _field("crm_migrate_id__c", length=64, externalId=True, unique=True),
    ],
    "Account": [
        _field("Id", "id", createable=False, updateable=False, nillable=False, length=18),
        _field("Name", length=255, nillable=False),
        _field("Website", "url", length=255),
        _field("crm_migrate_id__c", length=64, externalId=True, unique=True),
    ],
    "Opportunity": [
        _field("Id", "id", createable=False, updateable=False, nillable=False, length=18),
        _field("Name", length=120, nillable=False),
        _field("StageName", "picklist", nillable=False, restrictedPicklist=True,
               picklistValues=_picklist([(s, s, a) for s, a in STAGES])),
        _field("CloseDate", "date", nillable=False),
        _field("Amount", "currency"),
        _field("crm_migrate_id__c", length=64, externalId=True, unique=True),
    ],
}


def _error(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"success": False, "errors": [{"statusCode": code, "message": message, "fields": fields}]}


class LiveOrg(FakeOrg):
    """FakeOrg with a real org's checks: token expiry and OAuth refresh, picklist/length/required
    validation per record, describe as above, User and contact-role queries, Bulk API 2.0."""

    def __init__(self, version: str = "v60.0") -> None:
        super().__init__()
        self.version = version
        self.valid = {ACCESS}
        self.expire_after_writes: int | None = None  # the token expires after this many writes
        self.writes = 0
        self.refresh_ok = True
        self.token_requests: list[httpx.Request] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.limit_exceeded = False

    # -- plumbing --------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/services/oauth2/token":
            return self._token(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.valid:
            return httpx.Response(401, json=[{"message": "Session expired or invalid",
                                              "errorCode": "INVALID_SESSION_ID"}])
        prefix = f"/services/data/{self.version}"
        assert request.url.path.startswith(prefix + "/"), request.url.path
        path = request.url.path.removeprefix(prefix)
        if request.method != "GET":
            if self.limit_exceeded:
                return httpx.Response(403, json=[{"message": "TotalRequests Limit exceeded.",
                                                  "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
            self.writes += 1
            if self.expire_after_writes is not None and self.writes > self.expire_after_writes:
                self.valid.discard(bearer)  # the session times out between two calls
                self.expire_after_writes = None
                self.writes -= 1
                return httpx.Response(401, json=[{"message": "Session expired or invalid",
                                                  "errorCode": "INVALID_SESSION_ID"}])
        if path.startswith("/jobs/ingest"):
            return self._bulk(request, path)
        if request.method == "POST" and path == "/composite/sobjects":
            return self._checked(json.loads(request.content), self._create)
        if request.method == "PATCH" and path.startswith("/composite/sobjects/"):
            _, _, _, sobject, field = path.split("/")
            return self._checked(json.loads(request.content),
                                 lambda body: self._upsert(sobject, field, body))
        if request.method == "PATCH" and path == "/composite/sobjects":
            return self._update(json.loads(request.content))
        if request.method == "DELETE" and path == "/composite/sobjects":
            return self._delete(parse_qs(request.url.query.decode()))
        if request.method == "GET" and path == "/query":
            soql = parse_qs(request.url.query.decode())["q"][0]
            if soql.startswith("SELECT Id, Email, Name FROM User"):
                assert soql == "SELECT Id, Email, Name FROM User WHERE IsActive = true"
                rows = [{"attributes": {"type": "User"}} | u for u in USERS]
                return httpx.Response(200, json={"totalSize": 2, "done": True, "records": rows})
            return self._query(soql)
        if request.method == "GET" and path.endswith("/describe"):
            sobject = path.split("/")[2]
            return httpx.Response(200, json={"name": sobject, "fields": DESCRIBE[sobject]},
                                  headers=LIMIT)
        pytest.fail(f"unexpected request {request.method} {request.url}")

    def _token(self, request: httpx.Request) -> httpx.Response:
        """OAuth 2.0 refresh token flow: form-encoded POST, no bearer token sent along."""
        self.token_requests.append(request)
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert "authorization" not in request.headers
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "refresh_token" and form["client_id"] == CLIENT_ID
        if not self.refresh_ok or form["refresh_token"] != REFRESH:
            return httpx.Response(400, json={"error": "invalid_grant",
                                             "error_description": "expired access/refresh token"})
        new = f"00DXX0000001abc!AQ4AQRefreshed{len(self.token_requests)}"
        self.valid.add(new)
        return httpx.Response(200, json={
            "access_token": new, "instance_url": INSTANCE, "token_type": "Bearer",
            "id": f"https://login.salesforce.com/id/{ORG_ID}/005000000000001AAA",
            "issued_at": "1700000000000", "signature": "c2lnbmF0dXJl"})

    # -- per-record validation as the org does it ---------------------------------------

    def _problem(self, record: dict[str, Any]) -> dict[str, Any] | None:
        sobject = record["attributes"]["type"] if "attributes" in record else record["type"]
        fields = {f["name"]: f for f in DESCRIBE.get(sobject, [])}
        for name, value in record.items():
            spec = fields.get(name)
            if spec is None or value is None:
                continue
            if spec["type"] == "picklist" and spec["restrictedPicklist"]:
                allowed = {p["value"] for p in spec["picklistValues"] if p["active"]}
                if value not in allowed:
                    return _error("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                  f"{spec['label']}: bad value for restricted picklist field: "
                                  f"{value}", [name])
            if spec["length"] and spec["type"] in ("string", "email", "url"):
                if len(str(value)) > spec["length"]:
                    return _error("STRING_TOO_LONG", f"{spec['label']}: data value too large: "
                                  f"{value} (max length={spec['length']})", [name])
        for name, spec in fields.items():
            if (spec["createable"] and not spec["nillable"] and not spec["defaultedOnCreate"]
                    and record.get(name) in (None, "") and "id" not in record):
                return _error("REQUIRED_FIELD_MISSING",
                              f"Required fields are missing: [{name}]", [name])
        return None

    def _checked(self, body: dict[str, Any], write: Any) -> httpx.Response:
        records = body["records"]
        problems = [self._problem(r) for r in records]
        good = [r for r, p in zip(records, problems, strict=True) if p is None]
        answers = iter(json.loads(write({"allOrNone": False, "records": good}).content)
                       if good else [])
        out = [p if p is not None else next(answers) for p in problems]
        return httpx.Response(200, json=out, headers=LIMIT)

    # -- Bulk API 2.0 ingest ---------------------------------------------------------------

    def _bulk(self, request: httpx.Request, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")  # jobs, ingest, [id, [what]]
        if request.method == "POST" and len(parts) == 2:
            spec = json.loads(request.content)
            assert spec["contentType"] == "CSV" and spec["lineEnding"] == "LF"
            job_id = f"7505g00000{len(self.jobs):08d}"
            self.jobs[job_id] = spec | {"id": job_id, "state": "Open", "csv": None}
            return httpx.Response(200, json={k: v for k, v in self.jobs[job_id].items()
                                             if k != "csv"})
        job = self.jobs[parts[2]]
        if request.method == "PUT" and parts[3:] == ["batches"]:
            assert request.headers["content-type"] == "text/csv" and job["state"] == "Open"
            job["csv"] = request.content.decode()
            return httpx.Response(201)
        if request.method == "PATCH" and len(parts) == 3:
            assert json.loads(request.content) == {"state": "UploadComplete"}
            self._run_job(job)
            return httpx.Response(200, json={"id": job["id"], "state": "UploadComplete"})
        if request.method == "GET" and len(parts) == 3:
            return httpx.Response(200, json={"id": job["id"], "state": "JobComplete",
                                             "numberRecordsProcessed": len(job["rows"])})
        if request.method == "GET" and parts[3] in ("successfulResults", "failedResults",
                                                    "unprocessedrecords"):
            return httpx.Response(200, text=job[parts[3]], headers={"Content-Type": "text/csv"})
        pytest.fail(f"unexpected bulk request {request.method} {path}")

    def _run_job(self, job: dict[str, Any]) -> None:
        rows = list(csv.DictReader(io.StringIO(job["csv"])))
        columns = list(rows[0]) if rows else []
        job["rows"] = rows
        ok, failed = io.StringIO(), io.StringIO()
        ok_writer = csv.writer(ok, lineterminator="\n")
        bad_writer = csv.writer(failed, lineterminator="\n")
        ok_writer.writerow(["sf__Id", "sf__Created", *columns])
        bad_writer.writerow(["sf__Id", "sf__Error", *columns])
        for row in reversed(rows):  # result order is not input order
            record = {"type": job["object"]} | {k: v for k, v in row.items() if v != ""}
            problem = self._problem(record)
            if problem:
                err = problem["errors"][0]
                bad_writer.writerow(["", f"{err['statusCode']}:{err['message']}:"
                                         f"{','.join(err['fields'])} --", *row.values()])
                continue
            rid = self._new_id(job["object"])
            self.records[rid] = {k: v for k, v in record.items() if k != "type"} | {
                "Id": rid, "type": job["object"]}
            ok_writer.writerow([rid, "true", *row.values()])
        job["successfulResults"] = ok.getvalue()
        job["failedResults"] = failed.getvalue()
        job["unprocessedrecords"] = ",".join(columns) + "\n"


@pytest.fixture
def org() -> LiveOrg:
    return LiveOrg()


def _credential(**extra: str) -> str:
    return json.dumps({"instance_url": INSTANCE, "access_token": ACCESS, "refresh_token": REFRESH,
                       "client_id": CLIENT_ID, **extra})


def _sf(org: LiveOrg, **options: Any) -> SalesforceConnector:
    return SalesforceConnector(token=_credential(), transport=httpx.MockTransport(org), **options)


# -- describe -> live schema -------------------------------------------------------------


async def test_live_schema_from_describe(org: LiveOrg) -> None:
    sf = _sf(org)
    contacts = await sf.read_live_schema("contacts")
    assert contacts.source == "salesforce (live)"
    assert contacts.fields["firstname"].max_length == 40
    assert contacts.fields["lastname"].required and not contacts.fields["email"].required
    assert not contacts.fields["hubspot_owner_id"].required  # defaulted on create
    # State and Country Picklists on: ISO codes are the options, not free text
    assert contacts.fields["country"].options == tuple(COUNTRIES)
    assert contacts.fields["state"].options == tuple(STATES)
    assert "MailingCountryCode" not in contacts.fields and "MailingCountry" not in contacts.fields
    # inactive picklist values are kept hidden; a custom field found by name holds website
    assert contacts.fields["LeadSource"].options == (("Web", "Web"),)
    assert contacts.fields["LeadSource"].hidden_options == (("Fax", "Fax"),)
    assert "website" in contacts.fields and "Website__c" not in contacts.fields
    # lifecyclestage goes to a custom field only when the profile maps it
    assert "lifecyclestage" not in contacts.fields
    assert contacts.fields["Lifecycle_Stage__c"].options == (("lead", "Lead"), ("customer", "Customer"))
    assert "Name" not in contacts.fields  # read-only fields are not offered
    assert [(o.id, o.email, o.name) for o in contacts.owners] == [
        (u["Id"], u["Email"], u["Name"]) for u in USERS]
    deals = await sf.read_live_schema("deals")
    (pipeline,) = deals.pipelines
    assert [(s.id, s.archived) for s in pipeline.stages] == [
        ("Prospecting", False), ("Qualification", False), ("closedwon", False),
        ("closedlost", False), ("Legacy Stage", True)]
    assert deals.fields["dealstage"].required and not deals.fields["pipeline"].required
    assert deals.fields["pipeline"].options == (("default", pipeline.label),)
    # the profile's fields override: lifecyclestage -> the custom picklist
    mapped = _sf(org, field_map={"contacts": {"lifecyclestage": "Lifecycle_Stage__c"}})
    live = await mapped.read_live_schema("contacts")
    assert live.fields["lifecyclestage"].options == (("lead", "Lead"), ("customer", "Customer"))
    for connector in (sf, mapped):
        await connector.aclose()


async def test_country_and_picklist_labels_go_out_as_the_orgs_values(org: LiveOrg) -> None:
    sf = _sf(org)
    await sf.ensure_id_property("contacts")  # the run's first call describes the object
    made = await sf.create("contacts", [
        {"lastname": "Ng", "country": "Germany", "state": "bavaria", "website": "https://ng.de"},
        {"lastname": "Li", "country": "us"},
    ])
    assert [m.ok for m in made] == [True, True]
    first, second = (org.records[m.id or ""] for m in made)
    assert first["MailingCountryCode"] == "DE" and first["MailingStateCode"] == "BY"
    assert first["Website__c"] == "https://ng.de" and "MailingCountry" not in first
    assert second["MailingCountryCode"] == "US"
    await sf.aclose()


async def test_per_record_errors_name_the_field_and_keep_the_others(org: LiveOrg) -> None:
    sf = _sf(org)
    await sf.ensure_id_property("deals")
    deals = await sf.create("deals", [
        {"dealname": "Good", "dealstage": "Prospecting", "closedate": "2026-01-01"},
        {"dealname": "HubSpot stage", "dealstage": "appointmentscheduled",
         "closedate": "2026-01-01"},
        {"dealname": "Won", "dealstage": "closedwon", "closedate": "2026-01-01"},
    ])
    assert [d.ok for d in deals] == [True, False, True]
    assert deals[1].error is not None
    assert deals[1].error.startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")
    assert "(fields: StageName = dealstage)" in deals[1].error
    assert org.records[deals[2].id or ""]["StageName"] == "Closed Won"
    contacts = await sf.create("contacts", [
        {"lastname": "Fine", "firstname": "Ok"},
        {"lastname": "Long", "firstname": "X" * 41},
        {"firstname": "NoLast"},
    ])
    assert [c.ok for c in contacts] == [True, False, False]
    assert contacts[1].error and contacts[1].error.startswith("STRING_TOO_LONG")
    assert "FirstName = firstname" in contacts[1].error
    assert contacts[2].error and contacts[2].error.startswith("REQUIRED_FIELD_MISSING")
    assert "LastName" in contacts[2].error
    await sf.aclose()


async def test_bulk_failed_results_map_back_to_their_rows(org: LiveOrg) -> None:
    sf = _sf(org, bulk=True, bulk_poll_seconds=0.0)
    await sf.ensure_id_property("contacts")
    rows = [{"lastname": f"L{i}", "firstname": "F", ID: f"k{i}"} for i in range(5)]
    rows[3]["firstname"] = "Y" * 50
    rows[1]["country"] = "Atlantis"
    results = await sf.upsert("contacts", ID, rows)
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert results[3].error and results[3].error.startswith("STRING_TOO_LONG")
    assert "(fields: FirstName = firstname)" in results[3].error
    assert results[1].error and "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" in results[1].error
    assert any(r.url.path.endswith("/jobs/ingest") for r in org.requests)
    assert not any(r.url.path.endswith("/composite/sobjects/Contact/crm_migrate_id__c")
                   for r in org.requests)
    await sf.aclose()



async def test_contact_roles_are_not_added_twice(org: LiveOrg) -> None:
    sf = _sf(org)
    deal = (await sf.create("deals", [{"dealname": "D", "dealstage": "Prospecting",
                                       "closedate": "2026-01-01"}]))[0].id or ""
    a, b = [r.id or "" for r in await sf.create("contacts", [{"lastname": "A"},
                                                              {"lastname": "B"}])]
    first = await sf.associate("deals", "contacts", [(deal, a), (deal, a)])
    assert [r.ok for r in first] == [True, True] and first[0].id == first[1].id
    again = await sf.associate("contacts", "deals", [(a, deal), (b, deal)])  # a resend + one new
    assert [r.ok for r in again] == [True, True]
    assert again[0].id == first[0].id and again[0].created is False
    roles = [r for r in org.records.values() if r["type"] == "OpportunityContactRole"]
    assert sorted(r["ContactId"] for r in roles) == sorted([a, b])
    await sf.aclose()


# -- OAuth refresh ------------------------------------------------------------------------


async def test_expired_token_is_refreshed_and_the_call_sent_again(org: LiveOrg) -> None:
    secrets.set_token("salesforce", _credential(client_secret=CLIENT_SECRET))
    sf = SalesforceConnector(token=secrets.get_token("salesforce"),
                             transport=httpx.MockTransport(org))
    org.expire_after_writes = 1
    assert (await sf.create("contacts", [{"lastname": "A"}]))[0].ok
    assert (await sf.create("contacts", [{"lastname": "B"}]))[0].ok  # 401, refresh, again
    assert len([r for r in org.records.values() if r["type"] == "Contact"]) == 2
    (token_request,) = org.token_requests
    form = parse_qs(token_request.content.decode())
    assert form["client_secret"] == [CLIENT_SECRET]
    stored = json.loads(secrets.get_token("salesforce") or "{}")
    assert stored["access_token"] == "00DXX0000001abc!AQ4AQRefreshed1"
    assert stored["refresh_token"] == REFRESH and stored["client_secret"] == CLIENT_SECRET
    assert sf.refreshes == 1
    await sf.aclose()


async def test_a_refused_refresh_is_one_auth_error_without_secrets(org: LiveOrg) -> None:
    sf = _sf(org)
    org.valid.clear()
    org.refresh_ok = False
    with pytest.raises(AuthError) as info:
        await sf.create("contacts", [{"lastname": "A"}])
    text = str(info.value)
    assert "invalid_grant" in text and "\n" not in text and info.value.exit_code == 2
    for secret in (ACCESS, REFRESH):
        assert secret not in text
    assert org.records == {}
    await sf.aclose()


async def test_without_a_refresh_token_expiry_is_an_auth_error(org: LiveOrg) -> None:
    sf = SalesforceConnector(url=INSTANCE, token=ACCESS, transport=httpx.MockTransport(org))
    org.valid.clear()
    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        await sf.create("contacts", [{"lastname": "A"}])
    assert org.token_requests == []
    await sf.aclose()


def _people(tmp_path: Path, count: int) -> Path:
    source = tmp_path / "people.csv"
    lines = ["Email,First,Last,Stage,Country"]
    lines += [f"p{i}@acme.com,P{i},Person{i},lead,Germany" for i in range(count)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def _profile(tmp_path: Path, target: str = "") -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nobject: contacts\nfields:\n"
        "  - {column: Email, field: email}\n  - {column: First, field: firstname}\n"
        "  - {column: Last, field: lastname}\n  - {column: Stage, field: lifecyclestage}\n"
        "  - {column: Country, field: country}\n" + target,
        encoding="utf-8",
    )
    return path


def test_push_outlives_an_expired_token_and_keeps_the_profiles_target_settings(
    tmp_path: Path,
) -> None:
    """The real push engine: the profile's `target:` (api_version, a field override) reaches
    the connector; the access token expires mid-run, is refreshed, and the run finishes."""
    from crm_migrate.push.runner import start_push

    org = LiveOrg(version="v61.0")
    org.expire_after_writes = 2
    secrets.set_token("salesforce", _credential())
    profile = _profile(tmp_path, "target:\n  api_version: '61.0'\n  bulk: false\n"
                                 "  fields: {lifecyclestage: Lifecycle_Stage__c}\n")
    summary = start_push(
        paths=[str(_people(tmp_path, 450))], profile=load_profile(profile),
        profile_path=str(profile), target="salesforce", url=INSTANCE,
        journal_path=tmp_path / "run.journal", transport=httpx.MockTransport(org),
        batch_size=100,
    )
    assert summary.status["failed"] == 0 and summary.status["created"] == 450
    contacts = [r for r in org.records.values() if r["type"] == "Contact"]
    assert len(contacts) == 450
    assert {c["Lifecycle_Stage__c"] for c in contacts} == {"lead"}
    assert {c["MailingCountryCode"] for c in contacts} == {"DE"}
    assert len(org.token_requests) == 1
    assert json.loads(secrets.get_token("salesforce") or "{}")["access_token"] != ACCESS


def test_a_refused_refresh_stops_the_run_with_the_journal_kept_and_resume_finishes(
    tmp_path: Path,
) -> None:
    from crm_migrate.push.runner import push_status, resume_push, start_push

    org = LiveOrg()
    org.expire_after_writes = 2
    org.refresh_ok = False
    secrets.set_token("salesforce", _credential())
    profile = _profile(tmp_path, "target: {fields: {lifecyclestage: Lifecycle_Stage__c}}\n")
    journal = tmp_path / "run.journal"
    transport = httpx.MockTransport(org)
    with pytest.raises(AuthError, match="refreshing it was refused") as info:
        start_push(paths=[str(_people(tmp_path, 300))], profile=load_profile(profile),
                   profile_path=str(profile), target="salesforce", url=INSTANCE,
                   journal_path=journal, transport=transport, batch_size=100)
    assert info.value.exit_code == 2
    status = push_status(journal)
    assert status["state"] == "interrupted"
    written = len([r for r in org.records.values() if r["type"] == "Contact"])
    assert 0 < written < 300
    org.refresh_ok = True  # e.g. the user stored a new refresh token
    summary = resume_push(journal, transport=transport)
    contacts = [r for r in org.records.values() if r["type"] == "Contact"]
    assert summary.status["failed"] == 0 and len(contacts) == 300
    assert {c["Lifecycle_Stage__c"] for c in contacts} == {"lead"}  # resume kept the profile's map
    assert len({c["Email"] for c in contacts}) == 300


def test_the_orgs_request_limit_stops_the_run_with_a_reason(tmp_path: Path) -> None:
    from crm_migrate.push.runner import start_push

    org = LiveOrg()
    org.limit_exceeded = True
    secrets.set_token("salesforce", _credential())
    profile = _profile(tmp_path)
    summary = start_push(paths=[str(_people(tmp_path, 5))], profile=load_profile(profile),
                         profile_path=str(profile), target="salesforce", url=INSTANCE,
                         journal_path=tmp_path / "run.journal", transport=httpx.MockTransport(org))
    assert summary.status["created"] == 0
    assert "API request limit is exceeded" in str(summary.status.get("message"))


# -- the profile's target: section ----------------------------------------------------------


def test_target_section_round_trips() -> None:
    profile = profile_from_dict({
        "version": 1, "object": "contacts", "fields": [{"column": "E", "field": "email"}],
        "target": {"api_version": 61.0, "bulk": "auto", "bulk_threshold": 500,
                   "fields": {"website": "Website__c", "hs_lead_status": None,
                              "companies": {"domain": "Domain__c"}}}})
    settings = profile.target_settings()
    assert settings.api_version == "v61.0" and settings.bulk == "auto"
    assert settings.fields == {"contacts": {"website": "Website__c", "hs_lead_status": None},
                               "companies": {"domain": "Domain__c"}}
    from crm_migrate.connectors.registry import settings_options

    options = settings_options("salesforce", settings)
    assert options["field_map"]["companies"] == {"domain": "Domain__c"}
    assert options["api_version"] == "v61.0" and options["bulk_threshold"] == 500
    assert settings_options("hubspot", settings) == {}
    again = profile_from_dict(profile.to_dict())
    assert again.target_settings() == settings


@pytest.mark.parametrize(
    ("target", "names"),
    [
        ({"api_version": "sixty"}, "target.api_version"),
        ({"bulk": "sometimes"}, "target.bulk"),
        ({"bulk_threshold": -1}, "target.bulk_threshold"),
        ({"fields": {"website": "Web site"}}, "target.fields.website"),
        ({"fields": ["website"]}, "target.fields"),
        ({"batch": 5}, "'batch'"),
        ("salesforce", "target"),
    ],
)
def test_a_bad_target_section_is_one_line_naming_the_key(target: Any, names: str) -> None:
    with pytest.raises(ProfileError) as info:
        profile_from_dict({"version": 1, "object": "contacts",
                           "fields": [{"column": "E", "field": "email"}], "target": target},
                          file="p.yaml")
    assert names in str(info.value) and "\n" not in str(info.value)



def test_fifteen_character_ids_get_their_checksum() -> None:
    from crm_migrate.connectors.soql import id18

    assert id18("0015000000Gv7qJ") == "0015000000Gv7qJAAR"  # Salesforce's documented example
    assert id18("0015000000Gv7qJAAR") == "0015000000Gv7qJAAR"
