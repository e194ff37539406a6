"""The sandbox as a customized portal: properties with HubSpot's options, pipelines, owners,
HubSpot's validation errors (whole-batch and per input), scopes, rate-limit headers, search
lag, YAML portals and their persistence. Each `crm` test runs in-process and over loopback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from crm_migrate.sandbox import DEFAULT_TOKEN
from crm_migrate.sandbox.portal import PortalError, load_portal, parse_portal
from crm_migrate.sandbox.serve import SandboxServer
from tests.conftest import SAMPLE_DATA
from tests.sandbox.conftest import AUTH, Harness

CUSTOMIZED = {"portal": "customized",
              "token_scopes": {"ro-token": ["crm.objects.contacts.read"]}}
RENEWALS = "705209413"
OWNER = "75304611"
ARCHIVED_OWNER = "75304615"


def _deal(name: str, **extra: str) -> dict[str, str]:
    return {"dealname": name, "pipeline": RENEWALS, "dealstage": "1032914265",
            "forecast_probability": "70", **extra}


def _errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(code, propertyName) of each item of a VALIDATION_ERROR's errors[]."""
    return [(e["code"], e["context"]["propertyName"][0]) for e in body.get("errors") or []]


def _industry_labels() -> set[str]:
    sheet = openpyxl.load_workbook(SAMPLE_DATA / "companies.xlsx", read_only=True)["Companies"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Industry")
    return {str(r[column]) for r in rows[1:] if r and r[column]}


@pytest.mark.sandbox(**CUSTOMIZED)
async def test_properties_carry_hubspot_options(crm: Harness) -> None:
    props = {p["name"]: p for p in (await crm.client.get("/crm/v3/properties/companies")).json()[
        "results"]}
    industry = props["industry"]
    assert industry["type"] == "enumeration" and industry["fieldType"] == "select"
    assert industry["hubspotDefined"] is True and industry["hasUniqueValue"] is False
    assert set(industry["modificationMetadata"]) >= {"archivable", "readOnlyDefinition",
                                                      "readOnlyValue"}
    options = industry["options"]
    assert len(options) >= 30
    assert all(set(o) >= {"label", "value", "displayOrder", "hidden"} for o in options)
    by_label = {o["label"]: o["value"] for o in options}
    assert by_label["Computer Hardware"] == "COMPUTER_HARDWARE"
    assert by_label["Accounting"] == "ACCOUNTING"
    missing = _industry_labels() - set(by_label)
    assert not missing, f"sample industries with no option: {missing}"
    # every custom type, a multi-select and hidden options
    assert props["regions_served"]["fieldType"] == "checkbox"
    assert props["is_strategic_account"]["type"] == "bool"
    assert props["contract_renewal_date"]["type"] == "date"
    assert props["founded_year"]["type"] == "number"
    assert props["customer_tier"]["hubspotDefined"] is False
    assert [o["value"] for o in props["customer_tier"]["options"] if o["hidden"]] == ["legacy"]
    contacts = {p["name"]: p for p in (await crm.client.get("/crm/v3/properties/contacts")).json()[
        "results"]}
    assert contacts["last_webinar_attended_at"]["type"] == "datetime"
    assert "RECYCLED" in [o["value"] for o in contacts["hs_lead_status"]["options"] if o["hidden"]]
    assert {o["value"] for o in contacts["lifecyclestage"]["options"]} >= {"lead", "customer"}
    # the deals pipeline/dealstage options follow the pipelines
    deals = {p["name"]: p for p in (await crm.client.get("/crm/v3/properties/deals")).json()[
        "results"]}
    assert [o["value"] for o in deals["pipeline"]["options"]] == ["default", RENEWALS]
    assert "1032914261" in [o["value"] for o in deals["dealstage"]["options"]]
    assert "1032914268" not in [o["value"] for o in deals["dealstage"]["options"]]  # archived


@pytest.mark.sandbox(**CUSTOMIZED)
async def test_values_are_checked_against_the_portal(crm: Harness) -> None:
    url = "/crm/v3/objects/companies"
    refused = await crm.client.post(url, json={"properties": {"name": "A",
                                                              "industry": "Computer Hardware"}})
    assert refused.status_code == 400
    body = refused.json()
    assert body["category"] == "VALIDATION_ERROR" and body["status"] == "error"
    assert _errors(body) == [("INVALID_OPTION", "industry")]
    assert "Computer Hardware was not one of the allowed options" in body["message"]
    made = await crm.client.post(url, json={"properties": {
        "name": "A", "industry": "COMPUTER_HARDWARE", "regions_served": "NA;EMEA",
        "customer_tier": "legacy",  # a hidden option is still a valid value, as in HubSpot
        "is_strategic_account": "true", "contract_renewal_date": "2026-03-01",
        "founded_year": "1999"}})
    assert made.status_code == 201, made.text
    got = await crm.client.get(f"{url}/{made.json()['id']}",
                               params={"properties": "industry,regions_served"})
    assert got.json()["properties"]["industry"] == "COMPUTER_HARDWARE"
    assert got.json()["properties"]["regions_served"] == "NA;EMEA"
    cases = {
        "regions_served": ("NA;Mars", "INVALID_OPTION"),
        "founded_year": ("nineteen", "INVALID_DECIMAL"),
        "contract_renewal_date": ("2026-13-45", "INVALID_DATE"),
        "is_strategic_account": ("maybe", "INVALID_BOOLEAN"),
        "no_such_property": ("x", "PROPERTY_DOESNT_EXIST"),
        "hubspot_owner_id": (ARCHIVED_OWNER, "INVALID_OPTION"),
    }
    for name, (value, code) in cases.items():
        answer = await crm.client.post(url, json={"properties": {"name": "B", name: value}})
        assert answer.status_code == 400, name
        assert _errors(answer.json()) == [(code, name)]
    owned = await crm.client.post(url, json={"properties": {"name": "C",
                                                            "hubspot_owner_id": OWNER}})
    assert owned.status_code == 201


@pytest.mark.sandbox(**CUSTOMIZED)
async def test_batch_answers_207_per_input_and_the_connector_reads_them(crm: Harness) -> None:
    inputs = [
        {"properties": _deal("good"), "objectWriteTraceId": "0"},
        {"properties": {k: v for k, v in _deal("no forecast").items()
                        if k != "forecast_probability"}, "objectWriteTraceId": "1"},
        {"properties": _deal("wrong stage", dealstage="closedwon"), "objectWriteTraceId": "2"},
        {"properties": _deal("bad option", deal_source="Word of mouth"), "objectWriteTraceId": "3"},
    ]
    answer = await crm.client.post("/crm/v3/objects/deals/batch/create", json={"inputs": inputs})
    assert answer.status_code == 207
    body = answer.json()
    assert len(body["results"]) == 1 and body["results"][0]["objectWriteTraceId"] == "0"
    assert body["numErrors"] == 3
    by_trace = {e["context"]["objectWriteTraceId"][0]: e for e in body["errors"]}
    assert {t: e["category"] for t, e in by_trace.items()} == {
        "1": "VALIDATION_ERROR", "2": "VALIDATION_ERROR", "3": "VALIDATION_ERROR"}
    assert _errors(by_trace["1"]) == [("REQUIRED_PROPERTY", "forecast_probability")]
    assert _errors(by_trace["2"]) == [("INVALID_OPTION", "dealstage")]
    assert _errors(by_trace["3"]) == [("INVALID_OPTION", "deal_source")]
    # without trace ids the whole batch is refused, nothing written
    whole = await crm.client.post("/crm/v3/objects/deals/batch/create",
                                  json={"inputs": [{"properties": i["properties"]} for i in inputs]})
    assert whole.status_code == 400 and whole.json()["category"] == "VALIDATION_ERROR"
    assert (await crm.stats())["records"]["deals"] == 1

    from crm_migrate.connectors.hubspot import HubSpotConnector

    if crm.mode == "asgi":
        connector = HubSpotConnector(url="http://sandbox.local", token=DEFAULT_TOKEN,
                                     transport=httpx.ASGITransport(app=crm.app), target="sandbox")
    else:
        connector = HubSpotConnector(url=str(crm.client.base_url), token=DEFAULT_TOKEN,
                                     target="sandbox")
    try:
        results = await connector.create("deals", [i["properties"] for i in inputs])
    finally:
        await connector.aclose()
    assert [r.ok for r in results] == [True, False, False, False]
    assert "forecast_probability" in (results[1].error or "")
    assert "dealstage" in (results[2].error or "") or "closedwon" in (results[2].error or "")


@pytest.mark.sandbox(**CUSTOMIZED)
async def test_a_stage_must_belong_to_the_deals_pipeline_on_update(crm: Harness) -> None:
    made = await crm.client.post("/crm/v3/objects/deals", json={"properties": _deal("d")})
    assert made.status_code == 201, made.text
    deal_id = made.json()["id"]
    moved = await crm.client.patch(f"/crm/v3/objects/deals/{deal_id}",
                                   json={"properties": {"dealstage": "1032914266"}})
    assert moved.status_code == 200
    wrong = await crm.client.patch(f"/crm/v3/objects/deals/{deal_id}",
                                   json={"properties": {"dealstage": "closedwon"}})
    assert wrong.status_code == 400 and _errors(wrong.json()) == [("INVALID_OPTION", "dealstage")]
    both = await crm.client.patch(f"/crm/v3/objects/deals/{deal_id}", json={"properties": {
        "pipeline": "default", "dealstage": "closedwon"}})
    assert both.status_code == 200
    partial = await crm.client.post("/crm/v3/objects/deals/batch/update", json={"inputs": [
        {"id": deal_id, "properties": {"dealstage": "1032914261"}, "objectWriteTraceId": "a"}]})
    assert partial.status_code == 207
    assert _errors(partial.json()["errors"][0]) == [("INVALID_OPTION", "dealstage")]


@pytest.mark.sandbox(**CUSTOMIZED)
async def test_missing_scope_is_403_naming_it(crm: Harness) -> None:
    limited = {"Authorization": "Bearer ro-token"}
    ok = await crm.anon.get("/crm/v3/objects/contacts", headers=limited)
    assert ok.status_code == 200
    refused = await crm.anon.post("/crm/v3/objects/contacts/batch/create", headers=limited,
                                  json={"inputs": [{"properties": {"email": "a@b.co"}}]})
    assert refused.status_code == 403
    body = refused.json()
    assert body["category"] == "MISSING_SCOPES" and body["status"] == "error"
    assert body["correlationId"] and "required scopes" in body["message"]
    assert body["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.contacts.write"]
    assert "x-hubspot-ratelimit-remaining" in refused.headers
    owners = await crm.anon.get("/crm/v3/owners", headers=limited)
    assert owners.status_code == 403
    assert owners.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.objects.owners.read"]
    props = await crm.anon.get("/crm/v3/properties/deals", headers=limited)
    assert set(props.json()["errors"][0]["context"]["requiredGranularScopes"]) == {
        "crm.objects.deals.read", "crm.schemas.deals.read"}
    assert (await crm.stats())["records"]["contacts"] == 0
    assert (await crm.anon.get("/crm/v3/objects/contacts",
                               headers={"Authorization": "Bearer nope"})).status_code == 401
    # the full token holds every scope
    assert (await crm.client.get("/crm/v3/owners")).status_code == 200


@pytest.mark.sandbox(portal="customized")
async def test_rate_limit_headers_on_every_authenticated_answer(crm: Harness) -> None:
    answers = [
        await crm.client.get("/crm/v3/objects/contacts"),
        await crm.client.get("/crm/v3/properties/deals"),
        await crm.client.get("/crm/v3/pipelines/deals"),
        await crm.client.get("/crm/v3/owners"),
        await crm.client.post("/crm/v3/objects/contacts/search", json={}),
        await crm.client.get("/crm/v3/objects/contacts/99999"),  # a 404
        await crm.client.post("/crm/v3/objects/contacts", json={"properties": {"email": "bad"}}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 404, 400]
    remaining = []
    for answer in answers:
        headers = answer.headers
        for name in ("max", "remaining", "interval-milliseconds", "daily", "daily-remaining"):
            assert f"x-hubspot-ratelimit-{name}" in headers, (answer.url, name)
        remaining.append(int(headers["x-hubspot-ratelimit-remaining"]))
    assert remaining == sorted(remaining, reverse=True) and remaining[0] > remaining[-1]
    assert "x-hubspot-ratelimit-max" not in (await crm.anon.get("/crm/v3/objects/contacts")).headers


@pytest.mark.sandbox(portal="customized")
async def test_pipelines_in_hubspots_shape(crm: Harness) -> None:
    body = (await crm.client.get("/crm/v3/pipelines/deals")).json()
    pipelines = body["results"]
    assert [p["id"] for p in pipelines] == ["default", RENEWALS]
    for pipeline in pipelines:
        assert set(pipeline) >= {"archived", "createdAt", "displayOrder", "id", "label", "stages",
                                 "updatedAt"}
        for stage in pipeline["stages"]:
            assert set(stage) >= {"archived", "createdAt", "displayOrder", "id", "label",
                                  "metadata", "updatedAt"}
            assert set(stage["metadata"]) == {"isClosed", "probability"}
            float(stage["metadata"]["probability"])
    renewals = pipelines[1]
    assert renewals["label"] == "Renewals" and all(s["id"].isdigit() for s in renewals["stages"])
    assert "1032914268" not in [s["id"] for s in renewals["stages"]]  # archived stage
    one = await crm.client.get(f"/crm/v3/pipelines/deals/{RENEWALS}")
    assert one.json() == renewals
    stages = await crm.client.get(f"/crm/v3/pipelines/deals/{RENEWALS}/stages")
    assert stages.json()["results"] == renewals["stages"]
    stage = await crm.client.get(f"/crm/v3/pipelines/deals/{RENEWALS}/stages/1032914261")
    assert stage.json()["label"] == "Appointment Scheduled"
    missing = await crm.client.get("/crm/v3/pipelines/deals/123")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert (await crm.client.get("/crm/v3/pipelines/contacts")).json() == {"results": []}


async def test_a_plain_sandbox_has_hubspots_default_pipeline(crm: Harness) -> None:
    pipelines = (await crm.client.get("/crm/v3/pipelines/deals")).json()["results"]
    assert [p["id"] for p in pipelines] == ["default"]
    assert [s["id"] for s in pipelines[0]["stages"]][:2] == ["appointmentscheduled",
                                                           "qualifiedtobuy"]
    assert (await crm.client.get("/crm/v3/owners")).json() == {"results": []}


@pytest.mark.sandbox(portal="customized")
async def test_owners_paged_filtered_and_archived(crm: Harness) -> None:
    everyone = (await crm.client.get("/crm/v3/owners")).json()
    assert len(everyone["results"]) == 4 and "paging" not in everyone
    for owner in everyone["results"]:
        assert set(owner) >= {"archived", "createdAt", "id", "type", "updatedAt", "email",
                              "firstName", "lastName", "userId", "teams"}
        assert owner["type"] == "PERSON" and owner["archived"] is False
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3"}
    while True:
        page = (await crm.client.get("/crm/v3/owners", params=params)).json()
        seen += [o["id"] for o in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
        params["after"] = after
    assert seen == [o["id"] for o in everyone["results"]]
    found = (await crm.client.get("/crm/v3/owners",
                                  params={"email": "Marco.Bellini@acme-example.com"})).json()
    assert [o["lastName"] for o in found["results"]] == ["Bellini"]
    archived = (await crm.client.get("/crm/v3/owners", params={"archived": "true"})).json()
    assert [o["id"] for o in archived["results"]] == [ARCHIVED_OWNER]
    one = await crm.client.get(f"/crm/v3/owners/{OWNER}")
    assert one.json()["email"] == "dana.whitfield@acme-example.com"
    by_user = await crm.client.get("/crm/v3/owners/61200311", params={"idProperty": "userId"})
    assert by_user.json()["id"] == OWNER
    assert (await crm.client.get(f"/crm/v3/owners/{ARCHIVED_OWNER}")).status_code == 404


@pytest.mark.sandbox(portal="customized", search_lag_ms=400)
async def test_search_lag_applies_to_a_customized_portal(crm: Harness) -> None:
    made = await crm.client.post("/crm/v3/objects/companies", json={"properties": {
        "name": "Lagging", "domain": "lag.example", "industry": "RETAIL"}})
    assert made.status_code == 201, made.text
    query = {"filterGroups": [{"filters": [{"propertyName": "industry", "operator": "EQ",
                                            "value": "RETAIL"}]}]}
    first = (await crm.client.post("/crm/v3/objects/companies/search", json=query)).json()
    assert first["total"] == 0
    await asyncio.sleep(0.6)
    later = (await crm.client.post("/crm/v3/objects/companies/search", json=query)).json()
    assert later["total"] == 1


def test_official_client_reads_pipelines_owners_and_properties(tmp_path: Path) -> None:
    hubspot = pytest.importorskip("hubspot")
    with SandboxServer(tmp_path / "c.sqlite3", portal="customized") as server:
        client = hubspot.HubSpot(access_token=server.token, host=server.url)
        pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
        assert [p.label for p in pipelines] == ["Sales Pipeline", "Renewals"]
        assert pipelines[1].stages[0].metadata["probability"] == "0.2"
        owners = client.crm.owners.owners_api.get_page(limit=2)
        assert len(owners.results) == 2 and owners.paging.next.after
        props = client.crm.properties.core_api.get_all("companies").results
        industry = next(p for p in props if p.name == "industry")
        assert any(o.value == "COMPUTER_SOFTWARE" and not o.hidden for o in industry.options)


def test_the_portal_is_kept_in_the_db_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "keep.sqlite3"

    def industry_type(server: SandboxServer) -> str:
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            found = client.get("/crm/v3/properties/companies/industry").json()
            return str(found["type"])

    with SandboxServer(db, portal="customized") as server:
        assert industry_type(server) == "enumeration"
    with SandboxServer(db) as server:  # no portal given: the db's one
        assert server.portal_name == "customized" and industry_type(server) == "enumeration"
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            assert len(client.get("/crm/v3/owners").json()["results"]) == 4
            client.post("/_sandbox/reset")  # a reset wipes records, not the portal
            assert len(client.get("/crm/v3/owners").json()["results"]) == 4
    with SandboxServer(db, portal="plain") as server:
        assert industry_type(server) == "string"
    with SandboxServer(db) as server:
        assert server.portal_name == "plain"


PORTAL_YAML = """\
name: tiny
portalId: 4242
properties:
  contacts:
    - name: shoe_size
      type: number
      required: true
    - name: colour
      label: Favourite colour
      type: enumeration
      options: [red, {value: grn, label: Green}, {value: blu, label: Blue, hidden: true}]
pipelines:
  deals:
    - id: "11"
      label: Partners
      stages:
        - {id: "21", label: Talking, probability: 0.3}
        - {id: "22", label: Signed, probability: 1.0}
owners:
  - {id: "7", email: o@example.com, firstName: O, lastName: Wner}
tokens:
  yaml-token: [crm.objects.contacts.read]
"""


def test_a_yaml_portal_is_served(tmp_path: Path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(PORTAL_YAML, encoding="utf-8")
    with SandboxServer(tmp_path / "t.sqlite3", portal=path) as server:
        with httpx.Client(base_url=server.url, headers=AUTH) as client:
            colour = client.get("/crm/v3/properties/contacts/colour").json()
            assert [(o["value"], o["label"], o["hidden"]) for o in colour["options"]] == [
                ("red", "red", False), ("grn", "Green", False), ("blu", "Blue", True)]
            assert colour["hubspotDefined"] is False and colour["fieldType"] == "select"
            assert client.get("/account-info/v3/details").json()["portalId"] == 4242
            pipelines = client.get("/crm/v3/pipelines/deals").json()["results"]
            assert [(p["id"], [s["id"] for s in p["stages"]]) for p in pipelines] == [
                ("11", ["21", "22"])]
            missing = client.post("/crm/v3/objects/contacts",
                                  json={"properties": {"email": "a@b.co"}})
            assert _errors(missing.json()) == [("REQUIRED_PROPERTY", "shoe_size")]
            made = client.post("/crm/v3/objects/contacts", json={"properties": {
                "email": "a@b.co", "shoe_size": "42", "colour": "blu"}})
            assert made.status_code == 201
        ro = {"Authorization": "Bearer yaml-token"}
        with httpx.Client(base_url=server.url, headers=ro) as client:
            assert client.get("/crm/v3/objects/contacts").status_code == 200
            assert client.get("/crm/v3/objects/deals").status_code == 403


@pytest.mark.parametrize(("text", "expected"), [
    ("name: [unclosed\n", "line 2: not valid YAML"),
    ("bogus: 1\n", "bogus: unknown key"),
    ("properties:\n  leads: []\n", "properties.leads: unknown object"),
    ("properties:\n  contacts:\n    - {name: a, type: enumeration}\n",
     "properties.contacts.a.options: an enumeration needs options"),
    ("properties:\n  contacts:\n    - {name: a, type: enumeration, options: [x, x]}\n",
     "option value 'x' appears twice"),
    ("pipelines:\n  deals:\n    - {id: p, stages: [{id: s, probability: 7}]}\n",
     "probability: must be a number between 0 and 1"),
    ("owners:\n  - {id: 1}\n", "owners[0]: each owner is a mapping with an id and an email"),
    ("- a list\n", "a portal file is a YAML mapping"),
])
def test_bad_portal_files_name_the_problem(text: str, expected: str) -> None:
    with pytest.raises(PortalError) as caught:
        parse_portal(text, "p.yaml")
    line = caught.value.one_line()
    assert line.startswith("p.yaml: ") and expected in line and "\n" not in line


def test_the_builtin_portal_loads_like_a_file() -> None:
    portal = load_portal("customized")
    assert portal.name == "customized" and portal.required == {"deals": ["forecast_probability"]}
    assert load_portal("plain").is_plain
    with pytest.raises(PortalError, match="no such portal file"):
        load_portal("/no/such/portal.yaml")


@pytest.mark.sandbox(portal="customized")
async def test_upsert_checks_options_required_and_stages_per_input(crm: Harness) -> None:
    prop = {"name": "crm_migrate_id", "label": "id", "type": "string", "fieldType": "text",
            "groupName": "dealinformation", "hasUniqueValue": True}
    assert (await crm.client.post("/crm/v3/properties/deals", json=prop)).status_code == 201
    url = "/crm/v3/objects/deals/batch/upsert"

    def item(key: str, **props: str) -> dict[str, Any]:
        return {"id": key, "idProperty": "crm_migrate_id", "properties": props,
                "objectWriteTraceId": key}

    first = await crm.client.post(url, json={"inputs": [item("k1", **_deal("one"))]})
    assert first.status_code == 200 and first.json()["results"][0]["new"] is True
    answer = await crm.client.post(url, json={"inputs": [
        item("k1", dealstage="closedwon"),  # an update: its pipeline is still Renewals
        item("k2", dealname="two", pipeline="default", dealstage="closedwon"),  # no forecast
        item("k3", **_deal("three", products_of_interest="analytics;support_plus")),
        item("k4", **_deal("four", products_of_interest="analytics;hardware")),
    ]})
    assert answer.status_code == 207
    body = answer.json()
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["k3"]
    by_trace = {e["context"]["objectWriteTraceId"][0]: _errors(e) for e in body["errors"]}
    assert by_trace == {"k1": [("INVALID_OPTION", "dealstage")],
                        "k2": [("REQUIRED_PROPERTY", "forecast_probability")],
                        "k4": [("INVALID_OPTION", "products_of_interest")]}
