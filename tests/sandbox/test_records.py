"""Contract tests of the objects API: auth, single and batch writes, reads, errors, paging."""

from __future__ import annotations

import re

from tests.sandbox.conftest import Harness

BASE = "/crm/v3/objects/contacts"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def test_auth_required_in_hubspot_shape(crm: Harness) -> None:
    missing = await crm.anon.get(BASE)
    wrong = await crm.anon.get(BASE, headers={"Authorization": "Bearer nope"})
    for response in (missing, wrong):
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == "error"
        assert body["category"] == "INVALID_AUTHENTICATION"
        assert UUID.match(body["correlationId"])
    stats = await crm.stats()  # needs no auth
    assert stats["requests"] == 0  # 401s are not counted


async def test_create_single_get_patch_delete(crm: Harness) -> None:
    created = await crm.client.post(
        BASE, json={"properties": {"email": "Ada@Example.COM", "firstname": "Ada"}}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"].isdigit()
    assert body["properties"]["email"] == "ada@example.com"  # lower-cased as HubSpot does
    assert body["properties"]["hs_object_id"] == body["id"]
    assert ISO_MS.match(body["createdAt"]) and ISO_MS.match(body["updatedAt"])
    assert body["archived"] is False
    record_id = body["id"]

    got = await crm.client.get(f"{BASE}/{record_id}", params={"properties": "firstname,phone"})
    assert got.status_code == 200
    props = got.json()["properties"]
    assert props["firstname"] == "Ada" and props["phone"] is None
    assert "createdate" in props and "hs_object_id" in props

    by_email = await crm.client.get(f"{BASE}/ADA@example.com", params={"idProperty": "email"})
    assert by_email.status_code == 200 and by_email.json()["id"] == record_id

    patched = await crm.client.patch(
        f"{BASE}/{record_id}", json={"properties": {"lastname": "Lovelace", "firstname": ""}}
    )
    assert patched.status_code == 200
    assert patched.json()["properties"]["lastname"] == "Lovelace"
    again = (await crm.client.get(f"{BASE}/{record_id}")).json()["properties"]
    assert again["firstname"] is None  # "" cleared it
    assert again["lastname"] == "Lovelace"

    assert (await crm.client.delete(f"{BASE}/{record_id}")).status_code == 204
    gone = await crm.client.get(f"{BASE}/{record_id}")
    assert gone.status_code == 404 and gone.json()["category"] == "OBJECT_NOT_FOUND"
    archived = await crm.client.get(f"{BASE}/{record_id}", params={"archived": "true"})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True and ISO_MS.match(archived.json()["archivedAt"])
    assert (await crm.client.patch(f"{BASE}/999999", json={"properties": {}})).status_code == 404


async def test_type_ids_are_accepted(crm: Harness) -> None:
    created = await crm.client.post(
        "/crm/v3/objects/0-2", json={"properties": {"name": "Acme", "domain": "acme.com"}}
    )
    assert created.status_code == 201
    listed = (await crm.client.get("/crm/v3/objects/companies")).json()["results"]
    assert [r["properties"]["name"] for r in listed] == ["Acme"]
    bad = await crm.client.get("/crm/v3/objects/widgets")
    assert bad.status_code == 400


async def test_batch_create_shape_and_limit(crm: Harness) -> None:
    inputs = [
        {"properties": {"email": f"p{i}@example.com", "firstname": f"P{i}"}} for i in range(100)
    ]
    response = await crm.client.post(f"{BASE}/batch/create", json={"inputs": inputs})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert ISO_MS.match(body["startedAt"]) and ISO_MS.match(body["completedAt"])
    assert len(body["results"]) == 100
    assert len({r["id"] for r in body["results"]}) == 100
    too_many = inputs + [{"properties": {"email": "p100@example.com"}}]
    over = await crm.client.post(f"{BASE}/batch/create", json={"inputs": too_many})
    assert over.status_code == 400
    assert over.json()["category"] == "VALIDATION_ERROR"
    assert (await crm.stats())["records"]["contacts"] == 100


async def test_duplicate_email_conflicts(crm: Harness) -> None:
    [first] = await crm.create_contacts(["dup@example.com"])
    clash = await crm.client.post(
        f"{BASE}/batch/create",
        json={
            "inputs": [
                {"properties": {"email": "new@example.com"}},
                {"properties": {"email": "DUP@example.com"}},
            ]
        },
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {first['id']}"
    assert UUID.match(body["correlationId"])
    twice = await crm.client.post(
        f"{BASE}/batch/create",
        json={
            "inputs": [
                {"properties": {"email": "twin@example.com"}},
                {"properties": {"email": "twin@example.com"}},
            ]
        },
    )
    assert twice.status_code == 409
    single = await crm.client.post(BASE, json={"properties": {"email": "dup@example.com"}})
    assert single.status_code == 409
    assert (await crm.stats())["records"]["contacts"] == 1  # the whole batch was refused


async def test_invalid_values_are_validation_errors(crm: Harness) -> None:
    cases = {
        "PROPERTY_DOESNT_EXIST": {"email": "a@example.com", "favourite_colour": "blue"},
        "INVALID_EMAIL": {"email": "foo@"},
        "INVALID_OPTION": {"email": "b@example.com", "lifecyclestage": "Lead"},
        "READ_ONLY_VALUE": {"email": "c@example.com", "hs_object_id": "5"},
    }
    for code, props in cases.items():
        response = await crm.client.post(
            f"{BASE}/batch/create", json={"inputs": [{"properties": props}]}
        )
        assert response.status_code == 400, code
        body = response.json()
        assert body["category"] == "VALIDATION_ERROR"
        assert body["message"].startswith("Property values were not valid: [")
        assert [e["code"] for e in body["errors"]] == [code]
    option = await crm.client.post(BASE, json={"properties": {"lifecyclestage": "bogus"}})
    assert "subscriber" in option.json()["message"]  # lists the allowed options
    assert (await crm.stats())["records"]["contacts"] == 0


async def test_partial_success_with_trace_ids_is_207(crm: Harness) -> None:
    await crm.create_contacts(["taken@example.com"])
    inputs = [
        {"properties": {"email": "ok1@example.com"}, "objectWriteTraceId": "t1"},
        {"properties": {"email": "not-an-email"}, "objectWriteTraceId": "t2"},
        {"properties": {"email": "taken@example.com"}, "objectWriteTraceId": "t3"},
        {"properties": {"email": "ok2@example.com"}, "objectWriteTraceId": "t4"},
    ]
    response = await crm.client.post(f"{BASE}/batch/create", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == 2
    assert sorted(r["objectWriteTraceId"] for r in body["results"]) == ["t1", "t4"]
    by_trace = {e["context"]["objectWriteTraceId"][0]: e for e in body["errors"]}
    assert by_trace["t2"]["category"] == "VALIDATION_ERROR"
    assert by_trace["t3"]["category"] == "CONFLICT"
    assert "Existing ID" in by_trace["t3"]["message"]
    assert (await crm.stats())["records"]["contacts"] == 3


async def test_upsert_by_email(crm: Harness) -> None:
    [old] = await crm.create_contacts(["old@example.com"], firstname="Old")
    inputs = [
        {"id": "OLD@example.com", "idProperty": "email", "properties": {"lastname": "Updated"}},
        {"id": "fresh@example.com", "idProperty": "email", "properties": {"firstname": "Fresh"}},
    ]
    response = await crm.client.post(f"{BASE}/batch/upsert", json={"inputs": inputs})
    assert response.status_code == 200
    results = {r["properties"]["email"]: r for r in response.json()["results"]}
    assert results["old@example.com"]["new"] is False
    assert results["old@example.com"]["id"] == old["id"]
    assert results["old@example.com"]["properties"]["firstname"] == "Old"
    assert results["fresh@example.com"]["new"] is True
    again = await crm.client.post(f"{BASE}/batch/upsert", json={"inputs": inputs})
    assert [r["new"] for r in again.json()["results"]] == [False, False]
    assert (await crm.stats())["records"]["contacts"] == 2


async def test_duplicate_ids_in_update_and_upsert(crm: Harness) -> None:
    [rec] = await crm.create_contacts(["x@example.com"])
    upsert = await crm.client.post(
        f"{BASE}/batch/upsert",
        json={"inputs": [{"id": "x@example.com", "idProperty": "email", "properties": {}}] * 2},
    )
    assert upsert.status_code == 400
    assert upsert.json()["message"].startswith("Duplicate IDs found in batch input")
    update = await crm.client.post(
        f"{BASE}/batch/update",
        json={"inputs": [{"id": rec["id"], "properties": {"firstname": "A"}}] * 2},
    )
    assert update.status_code == 400
    assert update.json()["context"]["ids"] == [rec["id"]]


async def test_batch_update_read_archive(crm: Harness) -> None:
    records = await crm.create_contacts([f"r{i}@example.com" for i in range(3)])
    ids = [r["id"] for r in records]
    update = await crm.client.post(
        f"{BASE}/batch/update",
        json={"inputs": [{"id": i, "properties": {"jobtitle": "CTO"}} for i in ids]},
    )
    assert update.status_code == 200
    assert {r["properties"]["jobtitle"] for r in update.json()["results"]} == {"CTO"}
    partial = await crm.client.post(
        f"{BASE}/batch/update",
        json={
            "inputs": [
                {"id": ids[0], "properties": {"jobtitle": "CEO"}},
                {"id": "987654", "properties": {}},
            ]
        },
    )
    assert partial.status_code == 207
    assert partial.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert partial.json()["errors"][0]["context"]["ids"] == ["987654"]

    read = await crm.client.post(
        f"{BASE}/batch/read",
        json={"inputs": [{"id": i} for i in ids], "properties": ["jobtitle", "email"]},
    )
    assert read.status_code == 200
    assert {r["properties"]["jobtitle"] for r in read.json()["results"]} == {"CEO", "CTO"}
    by_email = await crm.client.post(
        f"{BASE}/batch/read",
        json={
            "inputs": [{"id": "r1@example.com"}, {"id": "nobody@example.com"}],
            "idProperty": "email",
            "properties": ["email"],
        },
    )
    assert by_email.status_code == 207
    assert [r["id"] for r in by_email.json()["results"]] == [ids[1]]
    assert by_email.json()["errors"][0]["context"]["ids"] == ["nobody@example.com"]

    archive = await crm.client.post(
        f"{BASE}/batch/archive", json={"inputs": [{"id": ids[0]}, {"id": "424242"}]}
    )
    assert archive.status_code == 204 and archive.content == b""
    listed = (await crm.client.get(BASE)).json()["results"]
    assert sorted(r["id"] for r in listed) == sorted(ids[1:])
    assert (await crm.stats())["records"]["contacts"] == 2
    # the archived email is free again
    assert len(await crm.create_contacts(["r0@example.com"])) == 1


async def test_list_pages_to_the_end(crm: Harness) -> None:
    created = []
    for start in range(0, 25, 10):
        created += await crm.create_contacts(
            [f"l{i}@example.com" for i in range(start, min(start + 10, 25))]
        )
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        params = {"limit": 10, "properties": "email"}
        if after:
            params["after"] = after
        body = (await crm.client.get(BASE, params=params)).json()
        pages += 1
        seen += [r["id"] for r in body["results"]]
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    assert pages == 3
    assert seen == [r["id"] for r in created]


async def test_malformed_bodies(crm: Harness) -> None:
    bad_json = await crm.client.post(
        f"{BASE}/batch/create", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["category"] == "VALIDATION_ERROR"
    no_inputs = await crm.client.post(f"{BASE}/batch/create", json={"items": []})
    assert no_inputs.status_code == 400
    unknown = await crm.client.get("/crm/v3/nothing/here")
    assert unknown.status_code == 404


async def test_required_properties_of_deals_and_companies(crm: Harness) -> None:
    deal = {
        "dealname": "Big one",
        "dealstage": "qualifiedtobuy",
        "pipeline": "default",
        "amount": "1500.50",
        "closedate": "2026-12-31",
    }
    ok = await crm.client.post("/crm/v3/objects/deals", json={"properties": deal})
    assert ok.status_code == 201
    assert ok.json()["properties"]["closedate"] == "2026-12-31T00:00:00.000Z"
    lacking = await crm.client.post(
        "/crm/v3/objects/0-3", json={"properties": {"dealname": "No stage"}}
    )
    assert lacking.status_code == 400
    assert {e["code"] for e in lacking.json()["errors"]} == {"REQUIRED_PROPERTY"}
    bad_stage = await crm.client.post(
        "/crm/v3/objects/deals", json={"properties": {**deal, "dealstage": "won"}}
    )
    assert [e["code"] for e in bad_stage.json()["errors"]] == ["INVALID_OPTION"]
    bad_amount = await crm.client.post(
        "/crm/v3/objects/deals", json={"properties": {**deal, "amount": "lots"}}
    )
    assert bad_amount.status_code == 400
    nameless = await crm.client.post(
        "/crm/v3/objects/companies", json={"properties": {"city": "Paris"}}
    )
    assert nameless.status_code == 400
    by_domain = await crm.client.post(
        "/crm/v3/objects/companies", json={"properties": {"domain": "acme.com"}}
    )
    assert by_domain.status_code == 201
    # an update need not repeat the required properties
    patched = await crm.client.patch(
        f"/crm/v3/objects/deals/{ok.json()['id']}", json={"properties": {"amount": "2000"}}
    )
    assert patched.status_code == 200


async def test_upsert_partial_success_needs_a_custom_id_property(crm: Harness) -> None:
    by_email = [
        {
            "id": "good@example.com",
            "idProperty": "email",
            "properties": {},
            "objectWriteTraceId": "a",
        },
        {"id": "bad@", "idProperty": "email", "properties": {}, "objectWriteTraceId": "b"},
    ]
    refused = await crm.client.post(f"{BASE}/batch/upsert", json={"inputs": by_email})
    assert refused.status_code == 400  # whole batch: no partial upserts keyed by email
    assert (await crm.stats())["records"]["contacts"] == 0
    prop = {"name": "ext_id", "label": "Ext", "type": "string", "fieldType": "text"}
    prop |= {"groupName": "contactinformation", "hasUniqueValue": True}
    assert (await crm.client.post("/crm/v3/properties/contacts", json=prop)).status_code == 201
    by_ext = [
        {
            "id": "e1",
            "idProperty": "ext_id",
            "properties": {"email": "good@example.com"},
            "objectWriteTraceId": "a",
        },
        {
            "id": "e2",
            "idProperty": "ext_id",
            "properties": {"email": "bad@"},
            "objectWriteTraceId": "b",
        },
    ]
    partial = await crm.client.post(f"{BASE}/batch/upsert", json={"inputs": by_ext})
    assert partial.status_code == 207
    body = partial.json()
    assert [r["new"] for r in body["results"]] == [True]
    assert body["errors"][0]["context"]["objectWriteTraceId"] == ["b"]


def test_email_syntax_matches_email_validator() -> None:
    from email_validator import EmailNotValidError, validate_email

    from crm_migrate.sandbox.properties import normalise_value

    prop = {"name": "email", "type": "string", "fieldType": "text"}
    samples = ["a@b.com", "a.b+c@x-y.co.uk", "o'brien@x.ie", "a..b@x.com", ".a@x.com", "a@x"]
    samples += ["a@-x.com", "jöe@x.com", "a@localhost", "a@x.test", "a@b.invalid", "a b@x.com"]
    for sample in samples:
        try:
            validate_email(sample, check_deliverability=False, test_environment=True)
            expected = True
        except EmailNotValidError:
            expected = False
        _, problem = normalise_value(prop, sample)
        assert (problem is None) == expected, sample
