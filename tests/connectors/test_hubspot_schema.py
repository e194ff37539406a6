"""HubSpot's live schema (properties v3, pipelines v3, owners v3) read through a handler that
answers with the shapes of HubSpot's published OpenAPI specs (Property/Option/
PropertyModificationMetadata, Pipeline/PipelineStage, PublicOwner with paging.next.after)."""

from __future__ import annotations

from typing import Any

import httpx

from crm_migrate.connectors.hubspot import HubSpotConnector
from crm_migrate.schema import OWNER_FIELD

TOKEN = "pat-na1-0123456789abcdef"
STAMP = "2024-01-01T00:00:00.000Z"


def _prop(name: str, type_: str, field_type: str, options: list[dict[str, Any]] | None = None,
          **extra: Any) -> dict[str, Any]:
    body = {"name": name, "label": name.title(), "type": type_, "fieldType": field_type,
            "description": "", "groupName": "companyinformation", "options": options or [],
            "displayOrder": 1, "calculated": False, "externalOptions": False,
            "hasUniqueValue": False, "hidden": False, "hubspotDefined": True, "formField": True,
            "createdAt": STAMP, "updatedAt": STAMP, "archived": False,
            "modificationMetadata": {"archivable": False, "readOnlyDefinition": True,
                                     "readOnlyValue": False}}
    body.update(extra)
    return body


def _opt(value: str, label: str, hidden: bool = False) -> dict[str, Any]:
    return {"label": label, "value": value, "hidden": hidden, "displayOrder": 0, "description": ""}


PROPERTIES = {"results": [
    _prop("industry", "enumeration", "select", [
        _opt("COMPUTER_HARDWARE", "Computer Hardware"), _opt("BANKING", "Banking"),
        _opt("TOBACCO", "Tobacco", hidden=True)]),
    _prop("phone", "string", "phonenumber"),
    _prop("regions", "enumeration", "checkbox", [_opt("emea", "EMEA"), _opt("apac", "APAC")],
          hubspotDefined=False),
    _prop("erp_number", "string", "text", hasUniqueValue=True, hubspotDefined=False),
    _prop("name", "string", "text"),
    _prop("hs_num_child_companies", "number", "number", calculated=True),
    _prop("domain", "string", "text",
          modificationMetadata={"archivable": False, "readOnlyDefinition": True,
                                "readOnlyValue": True}),
]}

PIPELINES = {"results": [
    {"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": False,
     "createdAt": STAMP, "updatedAt": STAMP, "stages": [
         {"id": "appointmentscheduled", "label": "Appointment Scheduled", "displayOrder": 0,
          "archived": False, "createdAt": STAMP, "updatedAt": STAMP,
          "metadata": {"isClosed": "false", "probability": "0.2"}}]},
    {"id": "75e28846", "label": "Renewals", "displayOrder": 1, "archived": False,
     "createdAt": STAMP, "updatedAt": STAMP, "stages": [
         {"id": "1011", "label": "Closed", "displayOrder": 2, "archived": False,
          "createdAt": STAMP, "updatedAt": STAMP, "metadata": {"isClosed": "true"}},
         {"id": "1009", "label": "Up for renewal", "displayOrder": 0, "archived": False,
          "createdAt": STAMP, "updatedAt": STAMP, "metadata": {"isClosed": "false"}},
         {"id": "1010", "label": "Old stage", "displayOrder": 1, "archived": True,
          "createdAt": STAMP, "updatedAt": STAMP, "metadata": {}}]},
]}


def _owner(i: int) -> dict[str, Any]:
    return {"id": str(100 + i), "email": f"owner{i}@acme.example", "firstName": f"Own{i}",
            "lastName": "Er", "userId": 9000 + i, "type": "PERSON", "createdAt": STAMP,
            "updatedAt": STAMP, "archived": False, "teams": []}


def handler_for(*, pipelines: int = 200, owners: int = 200, seen: list[httpx.Request] | None = None):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        path = request.url.path
        if path.startswith("/crm/v3/properties/"):
            return httpx.Response(200, json=PROPERTIES)
        if path == "/crm/v3/pipelines/deals":
            if pipelines != 200:
                return httpx.Response(pipelines, json={"status": "error", "message": "no",
                                                       "category": "MISSING_SCOPES"})
            return httpx.Response(200, json=PIPELINES)
        if path == "/crm/v3/owners":
            if owners != 200:
                return httpx.Response(owners, json={
                    "status": "error", "category": "MISSING_SCOPES",
                    "message": "This app hasn't been granted all required scopes",
                    "errors": [{"message": "One or more of the following scopes are required.",
                                "context": {"requiredScopes": ["crm.objects.owners.read"]}}]})
            assert request.url.params["limit"] == "100"
            if request.url.params.get("after") == "2":
                return httpx.Response(200, json={"results": [_owner(2)]})
            return httpx.Response(200, json={"results": [_owner(0), _owner(1)],
                                             "paging": {"next": {"after": "2", "link": "x"}}})
        return httpx.Response(404, json={"status": "error", "message": "not found"})
    return handler


def _connector(handler: Any) -> HubSpotConnector:
    return HubSpotConnector(url="https://api.example", token=TOKEN,
                            transport=httpx.MockTransport(handler))


async def test_properties_become_live_fields() -> None:
    c = _connector(handler_for())
    schema = await c.read_live_schema("companies")
    await c.aclose()
    industry = schema.fields["industry"]  # built-in text, live enumeration: the live type wins
    assert industry.type == "enumeration" and industry.is_enumeration
    assert industry.options == (("COMPUTER_HARDWARE", "Computer Hardware"), ("BANKING", "Banking"))
    assert industry.hidden_options == (("TOBACCO", "Tobacco"),)
    assert schema.fields["phone"].type == "phone_number"  # live plain string keeps the semantic type
    regions = schema.fields["regions"]
    assert regions.multi and regions.custom and regions.option_values == ("emea", "apac")
    assert schema.fields["erp_number"].unique
    assert schema.fields["domain"].read_only
    assert "hs_num_child_companies" not in schema.fields  # calculated: read-only, not mappable
    assert schema.source == "hubspot (live)" and not schema.notes


async def test_owners_are_paged_and_fill_the_owner_field() -> None:
    seen: list[httpx.Request] = []
    c = _connector(handler_for(seen=seen))
    schema = await c.read_live_schema("contacts")
    await c.aclose()
    assert [o.id for o in schema.owners] == ["100", "101", "102"]
    assert schema.owners[1].email == "owner1@acme.example" and schema.owners[1].name == "Own1 Er"
    assert schema.fields[OWNER_FIELD].options[2] == ("102", "Own2 Er")
    assert [r.url.params.get("after") for r in seen if r.url.path == "/crm/v3/owners"] == [None, "2"]
    assert not any(r.url.path.startswith("/crm/v3/pipelines") for r in seen)  # only deals have them


async def test_deal_pipelines_with_their_stages_in_order() -> None:
    c = _connector(handler_for())
    schema = await c.read_live_schema("deals")
    await c.aclose()
    renewals = schema.pipeline("renewals")
    assert renewals is not None and renewals.id == "75e28846"
    assert [(s.id, s.archived) for s in renewals.stages] == [("1009", False), ("1010", True),
                                                             ("1011", False)]
    assert schema.fields["pipeline"].option_values == ("default", "75e28846")
    assert "1010" not in schema.fields["dealstage"].option_values  # archived stage
    assert "1009" in schema.fields["dealstage"].option_values


async def test_a_plain_portal_without_the_endpoints_keeps_the_built_in_pipeline() -> None:
    c = _connector(handler_for(pipelines=404, owners=404))
    schema = await c.read_live_schema("deals")
    await c.aclose()
    assert [p.id for p in schema.pipelines] == ["default"] and schema.owners == ()
    assert not schema.notes


async def test_a_missing_scope_costs_only_that_part_with_a_note() -> None:
    c = _connector(handler_for(pipelines=403, owners=403))
    schema = await c.read_live_schema("deals")
    await c.aclose()
    assert schema.fields["dealname"].required
    assert [p.id for p in schema.pipelines] == ["default"]
    assert len(schema.notes) == 2
    assert "pipelines not read" in schema.notes[0] and "owners not read" in schema.notes[1]
    assert TOKEN not in " ".join(schema.notes)
