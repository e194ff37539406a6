"""Contract tests of search: operators, query, sorts, limits and paging to the end."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Harness

SEARCH = "/crm/v3/objects/contacts/search"


async def _seed(crm: Harness) -> list[dict[str, Any]]:
    inputs = [
        {
            "properties": {
                "email": "ann@alpha.com",
                "firstname": "Ann",
                "lastname": "Lee",
                "lifecyclestage": "lead",
                "city": "Boston",
            }
        },
        {
            "properties": {
                "email": "bob@beta.org",
                "firstname": "Bob",
                "lastname": "Stone",
                "lifecyclestage": "customer",
            }
        },
        {
            "properties": {
                "email": "cy@alpha.com",
                "firstname": "Cy",
                "lastname": "Lee-Young",
                "lifecyclestage": "lead",
                "city": "boston",
            }
        },
        {
            "properties": {
                "email": "dee@gamma.net",
                "firstname": "Dee",
                "jobtitle": "Chief Executive Officer",
            }
        },
    ]
    response = await crm.client.post(
        "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs}
    )
    assert response.status_code == 201
    return response.json()["results"]  # type: ignore[no-any-return]


async def _emails(crm: Harness, body: dict[str, Any]) -> list[str]:
    response = await crm.client.post(SEARCH, json={"properties": ["email"], **body})
    assert response.status_code == 200, response.text
    return [r["properties"]["email"] for r in response.json()["results"]]


def _filters(*filters: dict[str, Any]) -> dict[str, Any]:
    return {"filterGroups": [{"filters": list(filters)}]}


async def test_operators(crm: Harness) -> None:
    await _seed(crm)
    eq = await _emails(
        crm, _filters({"propertyName": "email", "operator": "EQ", "value": "BOB@beta.org"})
    )
    assert eq == ["bob@beta.org"]
    in_lower = await _emails(
        crm,
        _filters(
            {
                "propertyName": "email",
                "operator": "IN",
                "values": ["ann@alpha.com", "dee@gamma.net", "zz@x.com"],
            }
        ),
    )
    assert in_lower == ["ann@alpha.com", "dee@gamma.net"]
    in_upper = await _emails(
        crm, _filters({"propertyName": "email", "operator": "IN", "values": ["ANN@ALPHA.COM"]})
    )
    assert in_upper == []  # IN on strings needs lowercase values
    assert await _emails(
        crm, _filters({"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"})
    ) == ["ann@alpha.com", "cy@alpha.com"]
    assert await _emails(
        crm, _filters({"propertyName": "city", "operator": "EQ", "value": "BOSTON"})
    ) == ["ann@alpha.com", "cy@alpha.com"]
    assert await _emails(
        crm, _filters({"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["lead"]})
    ) == ["bob@beta.org", "dee@gamma.net"]
    assert await _emails(
        crm, _filters({"propertyName": "jobtitle", "operator": "HAS_PROPERTY"})
    ) == ["dee@gamma.net"]
    assert (
        len(
            await _emails(
                crm, _filters({"propertyName": "jobtitle", "operator": "NOT_HAS_PROPERTY"})
            )
        )
        == 3
    )
    assert await _emails(
        crm,
        _filters({"propertyName": "jobtitle", "operator": "CONTAINS_TOKEN", "value": "executive"}),
    ) == ["dee@gamma.net"]
    assert await _emails(
        crm,
        _filters({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@alpha.com"}),
    ) == ["ann@alpha.com", "cy@alpha.com"]
    assert await _emails(
        crm, _filters({"propertyName": "firstname", "operator": "NEQ", "value": "ann"})
    ) == ["bob@beta.org", "cy@alpha.com", "dee@gamma.net"]
    # AND inside a group, OR across groups
    both = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                    {"propertyName": "firstname", "operator": "EQ", "value": "Cy"},
                ]
            },
            {"filters": [{"propertyName": "email", "operator": "EQ", "value": "bob@beta.org"}]},
        ]
    }
    assert await _emails(crm, both) == ["bob@beta.org", "cy@alpha.com"]


async def test_numbers_dates_query_and_sorts(crm: Harness) -> None:
    companies = [
        {"properties": {"name": "Small", "numberofemployees": "9"}},
        {"properties": {"name": "Large", "numberofemployees": "1200"}},
        {"properties": {"name": "Mid", "numberofemployees": "85"}},
    ]
    response = await crm.client.post(
        "/crm/v3/objects/companies/batch/create", json={"inputs": companies}
    )
    assert response.status_code == 201
    url = "/crm/v3/objects/companies/search"
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "numberofemployees", "operator": "GT", "value": "10"}]}
        ],
        "sorts": [{"propertyName": "numberofemployees", "direction": "DESCENDING"}],
        "properties": ["name"],
    }
    names = [
        r["properties"]["name"] for r in (await crm.client.post(url, json=body)).json()["results"]
    ]
    assert names == ["Large", "Mid"]  # numeric, not string, comparison
    created_ms = "0"
    dated = {
        "filterGroups": [
            {"filters": [{"propertyName": "createdate", "operator": "GTE", "value": created_ms}]}
        ]
    }
    assert (await crm.client.post(url, json=dated)).json()["total"] == 3
    await _seed(crm)
    assert await _emails(crm, {"query": "lee"}) == ["ann@alpha.com", "cy@alpha.com"]
    assert await _emails(
        crm, {"query": "alpha", "sorts": [{"propertyName": "email", "direction": "DESCENDING"}]}
    ) == ["cy@alpha.com", "ann@alpha.com"]


async def test_search_pages_to_the_end(crm: Harness) -> None:
    inputs = [
        {"properties": {"email": f"s{i:03d}@example.com", "lifecyclestage": "lead"}}
        for i in range(100)
    ]
    for _ in range(2):
        await crm.client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
        inputs = [
            {"properties": {"email": f"t{i:03d}@example.com", "lifecyclestage": "lead"}}
            for i in range(50)
        ]
    filters = _filters({"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"})
    seen: list[str] = []
    after: str | None = None
    while True:
        body = {
            **filters,
            "limit": 40,
            "properties": ["email"],
            **({"after": after} if after else {}),
        }
        page = (await crm.client.post(SEARCH, json=body)).json()
        assert page["total"] == 150
        seen += [r["id"] for r in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
    assert len(seen) == 150 and len(set(seen)) == 150
    assert seen == sorted(seen, key=int)  # oldest first by default


async def test_search_limits(crm: Harness) -> None:
    one = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    too_many_groups = {"filterGroups": [{"filters": [one]}] * 6}
    too_many_filters = {"filterGroups": [{"filters": [one] * 7}]}
    too_many_total = {"filterGroups": [{"filters": [one] * 5}] * 4}
    for body in (too_many_groups, too_many_filters, too_many_total, {"limit": 201}):
        response = await crm.client.post(SEARCH, json=body)
        assert response.status_code == 400, body
        assert response.json()["category"] == "VALIDATION_ERROR"
    unknown = await crm.client.post(
        SEARCH, json=_filters({"propertyName": "nope", "operator": "EQ", "value": "1"})
    )
    assert unknown.status_code == 400
    empty = await crm.client.post(SEARCH, json={})
    assert empty.status_code == 200 and empty.json() == {"total": 0, "results": []}


async def test_archived_records_never_appear(crm: Harness) -> None:
    seeded = await _seed(crm)
    await crm.client.delete(f"/crm/v3/objects/contacts/{seeded[0]['id']}")
    assert (
        await _emails(
            crm, _filters({"propertyName": "email", "operator": "EQ", "value": "ann@alpha.com"})
        )
        == []
    )
    assert (await crm.client.post(SEARCH, json={})).json()["total"] == 3
