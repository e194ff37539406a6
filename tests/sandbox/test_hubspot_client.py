"""HubSpot's official Python client, pointed at the sandbox, works end to end."""

from __future__ import annotations

from typing import Any

import pytest

hubspot = pytest.importorskip("hubspot")


def test_official_client_creates_reads_searches_archives(sandbox_server: Any) -> None:
    from hubspot import HubSpot
    from hubspot.crm.contacts import (
        BatchInputSimplePublicObjectBatchInputForCreate,
        BatchInputSimplePublicObjectBatchInputUpsert,
        BatchReadInputSimplePublicObjectId,
        PublicObjectSearchRequest,
        SimplePublicObjectInputForCreate,
    )
    from hubspot.crm.contacts.exceptions import ApiException

    client = HubSpot(access_token=sandbox_server.token, host=sandbox_server.url)
    contacts = client.crm.contacts

    one = contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "jon@example.com", "firstname": "Jon"}
        )
    )
    assert one.id.isdigit() and one.properties["email"] == "jon@example.com"

    batch = contacts.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                {"properties": {"email": f"b{i}@example.com", "lifecyclestage": "lead"}}
                for i in range(5)
            ]
        )
    )
    assert batch.status == "COMPLETE" and len(batch.results) == 5

    upserted = contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                {"id": "jon@example.com", "idProperty": "email", "properties": {"lastname": "Snow"}}
            ]
        )
    )
    assert upserted.results[0].new is False

    got = contacts.basic_api.get_by_id(one.id, properties=["firstname", "lastname"])
    assert got.properties["firstname"] == "Jon" and got.properties["lastname"] == "Snow"
    by_email = contacts.basic_api.get_by_id("jon@example.com", id_property="email")
    assert by_email.id == one.id

    read = contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": r.id} for r in batch.results], properties=["email"]
        )
    )
    assert sorted(r.properties["email"] for r in read.results) == [
        f"b{i}@example.com" for i in range(5)
    ]

    page = contacts.basic_api.get_page(limit=4, properties=["email"])
    assert len(page.results) == 4 and page.paging.next.after

    found = contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}
            ],
            properties=["email"],
            limit=3,
        )
    )
    assert found.total == 5 and len(found.results) == 3 and found.paging.next.after == "3"

    contacts.basic_api.archive(one.id)
    with pytest.raises(ApiException) as missing:
        contacts.basic_api.get_by_id(one.id)
    assert missing.value.status == 404

    with pytest.raises(ApiException) as conflict:
        contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "b0@example.com"})
        )
    assert conflict.value.status == 409 and "Existing ID" in conflict.value.body

    all_contacts = client.crm.contacts.get_all(properties=["email"])
    assert len(all_contacts) == 5

    props = client.crm.properties.core_api.get_all("contacts")
    assert any(p.name == "email" and p.has_unique_value for p in props.results)

    bad = HubSpot(access_token="wrong", host=sandbox_server.url)
    with pytest.raises(ApiException) as denied:
        bad.crm.contacts.basic_api.get_page()
    assert denied.value.status == 401


def test_official_client_reads_and_archives_v4_associations(sandbox_server: Any) -> None:
    from hubspot import HubSpot
    from hubspot.crm.associations.v4 import (
        BatchInputPublicAssociationMultiArchive,
        BatchInputPublicDefaultAssociationMultiPost,
        BatchInputPublicFetchAssociationsBatchRequest,
        PublicAssociationMultiArchive,
        PublicDefaultAssociationMultiPost,
        PublicFetchAssociationsBatchRequest,
        PublicObjectId,
    )
    from hubspot.crm.companies import SimplePublicObjectInputForCreate as CompanyInput
    from hubspot.crm.contacts import SimplePublicObjectInputForCreate as ContactInput

    client = HubSpot(access_token=sandbox_server.token, host=sandbox_server.url)
    ann = client.crm.contacts.basic_api.create(ContactInput(properties={"email": "ann@x.com"}))
    bob = client.crm.contacts.basic_api.create(ContactInput(properties={"email": "bob@x.com"}))
    acme = client.crm.companies.basic_api.create(CompanyInput(properties={"name": "Acme"}))
    beta = client.crm.companies.basic_api.create(CompanyInput(properties={"name": "Beta"}))
    batch = client.crm.associations.v4.batch_api
    batch.create_default("contacts", "companies", BatchInputPublicDefaultAssociationMultiPost(
        inputs=[PublicDefaultAssociationMultiPost(_from=PublicObjectId(id=ann.id),
                                                  to=PublicObjectId(id=c.id))
                for c in (acme, beta)]))

    read = batch.get_page("contacts", "companies", BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=ann.id),
                PublicFetchAssociationsBatchRequest(id=bob.id)]))
    assert read.status == "COMPLETE" and read.started_at is not None
    (result,) = read.results
    assert result._from.id == ann.id
    assert sorted(t.to_object_id for t in result.to) == sorted([acme.id, beta.id])
    assert result.to[0].association_types[0].type_id == 279
    assert result.to[0].association_types[0].category == "HUBSPOT_DEFINED"
    assert read.num_errors == 1 and read.errors[0].context["fromObjectId"] == [bob.id]
    assert read.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"

    archived = batch.archive("contacts", "companies", BatchInputPublicAssociationMultiArchive(
        inputs=[PublicAssociationMultiArchive(_from=PublicObjectId(id=ann.id),
                                              to=[PublicObjectId(id=acme.id)])]))
    assert archived is None  # 204, no body
    again = batch.get_page("contacts", "companies", BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[PublicFetchAssociationsBatchRequest(id=ann.id)]))
    assert [t.to_object_id for t in again.results[0].to] == [beta.id]
    assert type(again).__name__ == "BatchResponsePublicAssociationMultiWithLabel"  # a 200
    assert type(read).__name__.endswith("WithErrors")  # the first read was a 207
