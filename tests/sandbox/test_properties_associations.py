"""Contract tests of the properties API (incl. unique custom properties) and associations."""

from __future__ import annotations

from tests.sandbox.conftest import Harness

EXTERNAL_ID = {
    "name": "crm_migrate_id",
    "label": "crm-migrate id",
    "type": "string",
    "fieldType": "text",
    "groupName": "companyinformation",
    "hasUniqueValue": True,
}


async def test_default_properties_are_hubspot_shaped(crm: Harness) -> None:
    response = await crm.client.get("/crm/v3/properties/contacts")
    assert response.status_code == 200
    assert set(response.json()) == {"results"}  # no paging
    props = {p["name"]: p for p in response.json()["results"]}
    for prop in props.values():
        for key in ("name", "label", "type", "fieldType", "groupName", "description", "options"):
            assert key in prop, (prop["name"], key)
    assert props["email"]["hasUniqueValue"] is True
    stages = [o["value"] for o in props["lifecyclestage"]["options"]]
    assert stages[:2] == ["subscriber", "lead"] and "customer" in stages
    assert set(props["lifecyclestage"]["options"][0]) >= {
        "label",
        "value",
        "hidden",
        "displayOrder",
    }
    for name in ("createdate", "lastmodifieddate", "hs_object_id"):
        assert props[name]["modificationMetadata"]["readOnlyValue"] is True
    deals = {
        p["name"]: p for p in (await crm.client.get("/crm/v3/properties/0-3")).json()["results"]
    }
    assert "closedwon" in [o["value"] for o in deals["dealstage"]["options"]]
    assert [o["value"] for o in deals["pipeline"]["options"]] == ["default"]
    one = await crm.client.get("/crm/v3/properties/contacts/email")
    assert one.status_code == 200 and one.json()["name"] == "email"
    assert (await crm.client.get("/crm/v3/properties/contacts/nope")).status_code == 404


async def test_custom_unique_property_for_idempotent_upsert(crm: Harness) -> None:
    created = await crm.client.post("/crm/v3/properties/companies", json=EXTERNAL_ID)
    assert created.status_code == 201
    assert created.json()["hasUniqueValue"] is True and created.json()["hubspotDefined"] is False
    again = await crm.client.post("/crm/v3/properties/companies", json=EXTERNAL_ID)
    assert again.status_code == 409
    bad = await crm.client.post("/crm/v3/properties/companies", json={"name": "x"})
    assert bad.status_code == 400

    url = "/crm/v3/objects/companies/batch/upsert"
    inputs = [
        {"id": "row-1", "idProperty": "crm_migrate_id", "properties": {"name": "Acme"}},
        {"id": "row-2", "idProperty": "crm_migrate_id", "properties": {"name": "Globex"}},
    ]
    first = await crm.client.post(url, json={"inputs": inputs})
    assert first.status_code == 200
    assert [r["new"] for r in first.json()["results"]] == [True, True]
    assert first.json()["results"][0]["properties"]["crm_migrate_id"] == "row-1"
    second = await crm.client.post(url, json={"inputs": inputs})
    assert [r["new"] for r in second.json()["results"]] == [False, False]
    assert (await crm.stats())["records"]["companies"] == 2
    got = await crm.client.get(
        "/crm/v3/objects/companies/row-2",
        params={"idProperty": "crm_migrate_id", "properties": "name"},
    )
    assert got.json()["properties"]["name"] == "Globex"
    clash = await crm.client.post(
        "/crm/v3/objects/companies",
        json={"properties": {"name": "Copy", "crm_migrate_id": "row-1"}},
    )
    assert clash.status_code == 409 and "Existing ID" in clash.json()["message"]
    not_unique = await crm.client.post(
        url, json={"inputs": [{"id": "Acme", "idProperty": "name", "properties": {}}]}
    )
    assert not_unique.status_code == 400
    searched = await crm.client.post(
        "/crm/v3/objects/companies/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "crm_migrate_id",
                            "operator": "IN",
                            "values": ["row-1", "row-9"],
                        }
                    ]
                }
            ]
        },
    )
    assert [r["properties"]["name"] for r in searched.json()["results"]] == ["Acme"]
    folded = await crm.client.post(
        "/crm/v3/objects/companies/search",
        json={
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "crm_migrate_id", "operator": "EQ", "value": "ROW-2"}
                    ]
                }
            ],
            "properties": ["name"],
        },
    )
    assert [r["properties"]["name"] for r in folded.json()["results"]] == ["Globex"]
    # deleting the custom property removes it and its values (a rollback may do this)
    assert (
        await crm.client.delete("/crm/v3/properties/companies/crm_migrate_id")
    ).status_code == 204
    assert (await crm.client.get("/crm/v3/properties/companies/crm_migrate_id")).status_code == 404
    assert (await crm.client.delete("/crm/v3/properties/companies/name")).status_code == 400
    assert (
        await crm.client.post("/crm/v3/properties/companies", json=EXTERNAL_ID)
    ).status_code == 201
    reread = await crm.client.get(
        "/crm/v3/objects/companies/row-2", params={"idProperty": "crm_migrate_id"}
    )
    assert reread.status_code == 404


async def test_contact_company_associations(crm: Harness) -> None:
    company = (
        await crm.client.post("/crm/v3/objects/companies", json={"properties": {"name": "Acme"}})
    ).json()
    other = (
        await crm.client.post("/crm/v3/objects/companies", json={"properties": {"name": "Initech"}})
    ).json()
    assoc = [
        {
            "to": {"id": company["id"]},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
        }
    ]
    created = await crm.client.post(
        "/crm/v3/objects/contacts/batch/create",
        json={
            "inputs": [
                {"properties": {"email": "emp@acme.com"}, "associations": assoc},
                {"properties": {"email": "solo@x.com"}},
            ]
        },
    )
    assert created.status_code == 201
    emp, solo = (r["id"] for r in created.json()["results"])
    got = await crm.client.get(
        f"/crm/v3/objects/contacts/{emp}", params={"associations": "companies"}
    )
    assert got.json()["associations"]["companies"]["results"] == [
        {"id": company["id"], "type": "contact_to_company"}
    ]

    batch = await crm.client.post(
        "/crm/v4/associations/contacts/companies/batch/associate/default",
        json={"inputs": [{"from": {"id": solo}, "to": {"id": other["id"]}}]},
    )
    assert batch.status_code == 200
    body = batch.json()
    assert body["status"] == "COMPLETE"
    assert body["results"][0]["associationSpec"] == {
        "associationCategory": "HUBSPOT_DEFINED",
        "associationTypeId": 279,
    }
    put = await crm.client.put(
        f"/crm/v4/objects/contacts/{emp}/associations/default/companies/{other['id']}"
    )
    assert put.status_code == 200
    v4 = (await crm.client.get(f"/crm/v4/objects/contacts/{emp}/associations/companies")).json()
    assert sorted(r["toObjectId"] for r in v4["results"]) == sorted(
        [int(company["id"]), int(other["id"])]
    )
    assert v4["results"][0]["associationTypes"][0]["typeId"] == 279
    back = (
        await crm.client.get(f"/crm/v4/objects/companies/{other['id']}/associations/contacts")
    ).json()
    assert sorted(r["toObjectId"] for r in back["results"]) == sorted([int(emp), int(solo)])
    missing_target = await crm.client.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {"email": "ghost@x.com"},
            "associations": [{"to": {"id": "999999"}, "types": assoc[0]["types"]}],
        },
    )
    assert missing_target.status_code == 400
    assert (await crm.stats())["records"]["contacts"] == 2
