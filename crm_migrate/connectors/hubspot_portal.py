"""Raw reads of a HubSpot portal's setup, in HubSpot's own JSON shapes, for `sandbox --clone`:
deal pipelines (GET /crm/v3/pipelines/deals), owners (GET /crm/v3/owners, active and
archived) and the first records of an object. Read-only; the live-schema reader
(`read_live_schema`) turns the same endpoints into crm_migrate.schema objects instead."""

from __future__ import annotations

from typing import Any

from crm_migrate.connectors.hubspot import HubSpotConnector

OWNERS_PAGE = 500  # GET /crm/v3/owners' largest page
RECORDS_PAGE = 100


async def read_pipelines(connector: HubSpotConnector, object_name: str) -> list[dict[str, Any]]:
    """The object's pipelines with their stages, as HubSpot answers them."""
    response = await connector._call("GET", f"/crm/v3/pipelines/{object_name}", write=False)
    data = connector._expect(response, f"reading the {object_name} pipelines") or {}
    return list(data.get("results") or [])


async def read_owners(connector: HubSpotConnector, *, archived: bool = False) -> list[dict[str, Any]]:
    """Every owner (active, or archived ones), paged."""
    out: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = [("limit", str(OWNERS_PAGE)), ("archived", "true" if archived else "false")]
        if after:
            params.append(("after", after))
        response = await connector._call("GET", "/crm/v3/owners", write=False, params=params)
        data = connector._expect(response, "reading the owners") or {}
        out.extend(data.get("results") or [])
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return out


async def read_records(
    connector: HubSpotConnector, object_name: str, properties: list[str], limit: int
) -> list[dict[str, str]]:
    """The properties of the first `limit` records of the object (oldest first)."""
    out: list[dict[str, str]] = []
    after: str | None = None
    while len(out) < limit:
        params = [("limit", str(min(RECORDS_PAGE, limit - len(out))))]
        params += [("properties", p) for p in properties]
        if after:
            params.append(("after", after))
        response = await connector._call(
            "GET", f"/crm/v3/objects/{object_name}", write=False, params=params
        )
        data = connector._expect(response, f"reading {object_name}") or {}
        for raw in data.get("results") or []:
            props = raw.get("properties") or {}
            out.append({k: str(v) for k, v in props.items() if k in properties and v not in
                        (None, "")})
        after = ((data.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            break
    return out[:limit]
